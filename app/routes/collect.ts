import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { env } from "~/env.server";
import { Admission } from "~/ingest/admission.server";
import { ingestLoader, methodNotAllowed } from "~/ingest/cors.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { logger } from "~/logger.server";

export const loader = ingestLoader;

let admission: Admission | undefined;

/** One admission controller per server process, sized from the environment. */
function processAdmission(): Admission {
  const config = env();
  admission ??= new Admission({
    maxInFlight: config.INGEST_MAX_IN_FLIGHT,
    shopRate: config.INGEST_SHOP_RATE,
    shopBurst: config.INGEST_SHOP_BURST,
    ipRate: config.INGEST_IP_RATE,
    ipBurst: config.INGEST_IP_BURST,
  });
  return admission;
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleBatch(request, {
    pool,
    logger,
    admission: processAdmission(),
    clientIp: context.clientIp,
  });
}

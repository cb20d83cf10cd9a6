import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { ingestLoader, methodNotAllowed } from "~/ingest/cors.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import {
  processAdmission,
  processWriter,
} from "~/ingest/process-admission.server";
import { logger } from "~/logger.server";

// The production server handles `POST /collect` before Remix (see
// app/ingest/collect-node.server.ts). This route serves the same endpoint
// wherever Remix alone handles requests, and the CORS preflight.

export const loader = ingestLoader;

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleBatch(request, {
    pool,
    logger,
    admission: processAdmission(),
    writer: processWriter(),
    clientIp: context.clientIp,
  });
}

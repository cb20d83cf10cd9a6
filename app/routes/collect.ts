import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { ingestLoader, methodNotAllowed } from "~/ingest/cors.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { logger } from "~/logger.server";

export const loader = ingestLoader;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleBatch(request, { pool, logger });
}

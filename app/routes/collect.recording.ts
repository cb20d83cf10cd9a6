import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { ingestLoader, methodNotAllowed } from "~/ingest/cors.server";
import { logger } from "~/logger.server";
import { handleRecordingChunk } from "~/replay/handle-recording.server";

export const loader = ingestLoader;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleRecordingChunk(request, { pool, logger });
}

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { methodNotAllowed, preflightResponse } from "~/ingest/cors.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { logger } from "~/logger.server";

// Remix sends OPTIONS (the CORS preflight) to the loader, POST to the action.
export function loader({ request }: LoaderFunctionArgs) {
  return request.method === "OPTIONS"
    ? preflightResponse(request)
    : methodNotAllowed();
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleBatch(request, { pool, logger });
}

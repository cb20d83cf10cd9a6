import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { methodNotAllowed, preflightResponse } from "~/ingest/cors.server";
import { handleSnapshot } from "~/ingest/handle-snapshot.server";
import { logger } from "~/logger.server";

// The snapshot upload is gzip JSON, so browsers send a CORS preflight
// (OPTIONS), which Remix routes to the loader.
export function loader({ request }: LoaderFunctionArgs) {
  return request.method === "OPTIONS"
    ? preflightResponse(request)
    : methodNotAllowed();
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleSnapshot(request, { pool, logger });
}

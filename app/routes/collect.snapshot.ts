import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { preflightResponse } from "~/ingest/cors.server";
import { handleSnapshot } from "~/ingest/handle-snapshot.server";
import { logger } from "~/logger.server";

export async function action({ request }: ActionFunctionArgs) {
  if (request.method === "OPTIONS") return preflightResponse(request);
  if (request.method !== "POST") {
    return Response.json(
      { error: { code: "method_not_allowed", message: "Use POST" } },
      { status: 405, headers: { Allow: "POST, OPTIONS" } },
    );
  }
  return handleSnapshot(request, { pool, logger });
}

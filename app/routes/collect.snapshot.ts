import type { ActionFunctionArgs } from "@remix-run/node";
import { pool } from "~/db.server";
import { ingestLoader, methodNotAllowed } from "~/ingest/cors.server";
import { handleSnapshot } from "~/ingest/handle-snapshot.server";
import { logger } from "~/logger.server";

export const loader = ingestLoader;

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return handleSnapshot(request, { pool, logger });
}

import { IngestError } from "./errors.server";

/**
 * SQLSTATE classes and codes that mean the database went away or is not
 * accepting work yet: class 08 (connection exception), 57P01-57P03
 * (admin shutdown, crash shutdown, cannot connect now) and 53300 (too many
 * connections). See the PostgreSQL manual, appendix A "Error Codes".
 */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
const UNAVAILABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);
/** Seconds a client waits before sending the same batch again. */
const RETRY_AFTER_SECONDS = 2;

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === "string") {
    if (code.startsWith("08") || UNAVAILABLE_CODES.has(code)) return true;
    if (UNAVAILABLE_SOCKET_CODES.has(code)) return true;
  }
  // node-postgres reports a closed or broken socket without a code.
  return /Connection terminated|connection timeout|not queryable/i.test(
    error.message,
  );
}

/**
 * Maps an error from the database driver to a 503 with Retry-After when the
 * database is unreachable or restarting, or returns null for any other
 * error. The batch's transaction did not commit (or its commit was lost
 * with the connection), so a retry with the same batch id stores it once.
 */
export function databaseUnavailable(error: unknown): IngestError | null {
  if (!isUnavailable(error)) return null;
  return new IngestError(
    503,
    "database_unavailable",
    `The database is unavailable: retry the same batch after ${RETRY_AFTER_SECONDS} s`,
    undefined,
    { "Retry-After": String(RETRY_AFTER_SECONDS) },
  );
}

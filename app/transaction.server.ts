import type pg from "pg";

/**
 * Runs `work` in one transaction on a connection of its own: committed when
 * it resolves, rolled back when it throws (the error is rethrown).
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A connection lost between two statements (a database restart) emits
  // "error" on the checked-out client, which would crash the process if
  // nothing listened. The next statement fails with it instead, and the
  // broken client is discarded rather than returned to the pool.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A failed ROLLBACK means the connection itself is broken.
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      lost ??= rollbackError;
    });
    throw error;
  } finally {
    // A discarded client keeps the listener, since its socket may still
    // report the error it died of after the pool has let go of it.
    if (!lost) client.off("error", onError);
    client.release(lost);
  }
}

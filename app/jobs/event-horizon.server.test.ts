import pg from "pg";
import { inject } from "vitest";
import { pool } from "~/db.server";
import { isSettled, takeEventHorizon } from "./event-horizon.server";

// A horizon waits only for transactions that could write this database's
// events. Other databases of the same server, such as the maintenance
// database or another application's, must not hold it back.

/** Opens a transaction with a transaction id on the database of `url`. */
async function openWriter(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT pg_current_xact_id()");
  return {
    async end() {
      await client.query("ROLLBACK");
      await client.end();
    },
  };
}

describe("event horizon", () => {
  it("settles when no writer is open", async () => {
    const horizon = await takeEventHorizon(pool);
    expect(horizon.settled).toBe(true);
  });

  it("ignores a writer in another database", async () => {
    const other = await openWriter(inject("postgresUrl"));
    // A later transaction that ends moves the snapshot's xmax above the
    // other database's open one.
    await pool.query("SELECT pg_current_xact_id()");
    try {
      const horizon = await takeEventHorizon(pool);
      expect(horizon.settled).toBe(true);
    } finally {
      await other.end();
    }
  });

  it("waits for a writer in this database", async () => {
    const writer = await openWriter(process.env.DATABASE_URL!);
    let horizon;
    try {
      horizon = await takeEventHorizon(pool);
      expect(horizon.settled).toBe(false);
    } finally {
      await writer.end();
    }
    expect(await isSettled(pool, horizon.xid)).toBe(true);
  });

  it("ignores a writer that began after it", async () => {
    const horizon = await takeEventHorizon(pool);
    const writer = await openWriter(process.env.DATABASE_URL!);
    try {
      expect(await isSettled(pool, horizon.xid)).toBe(true);
    } finally {
      await writer.end();
    }
  });
});

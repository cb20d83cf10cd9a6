// Child process of the ingest fault tests: writes one batch with the real
// group writer, but stops right before COMMIT and prints "before-commit", so
// the parent can kill the process while every statement of the batch has
// run and none has committed.
import pg from "pg";
import { batchSchema } from "../../app/ingest/batch-schema.server";
import { IngestWriter } from "../../app/ingest/ingest-writer.server";

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  options: "-c TimeZone=UTC",
});
const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
// Wraps each transaction client's query so its COMMIT never reaches the
// database. Pool.query checks clients out with a callback: those pass as is.
(pool as unknown as { connect: unknown }).connect = (...args: unknown[]) => {
  if (args.length > 0) return connect(...args);
  return (connect() as Promise<pg.PoolClient>).then((client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      if (args[0] === "COMMIT") {
        process.stdout.write("before-commit\n");
        return new Promise(() => {});
      }
      return query(...args);
    };
    return client;
  });
};

const batch = batchSchema.parse(JSON.parse(process.argv[2]));
await new IngestWriter(pool).write({
  batch,
  origin: null,
  context: { receivedAt: new Date(), userAgent: null, isBot: false },
});

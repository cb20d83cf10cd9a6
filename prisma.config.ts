// Prisma 6.19 runs migrations through its Wasm schema engine and the pg
// driver adapter, because the native engines are downloaded from a host that
// may be unreachable. The stock adapter needs four fixes for that path; each
// is explained where it is made.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

const PG_CHAR_OID = 18;
const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set: export the PostgreSQL connection URL first",
    );
  }
  return url;
}

// adapter-pg 6.19 cannot map the `"char"` and `name` column types that the
// schema engine's catalog queries return. pg already yields both as strings,
// so the pool reports them as `text`.
function catalogSafePool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, allowExitOnIdle: true });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<any>;
  (pool as any).query = async (...args: unknown[]) => {
    const result = await query(...args);
    for (const field of result?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID || field.dataTypeID === PG_NAME_OID)
        field.dataTypeID = PG_TEXT_OID;
    }
    return result;
  };
  return pool;
}

// adapter-pg 6.19 splits a migration script on every ";", including those in
// string literals and function bodies. Sending the script as one simple query
// avoids that and makes a failed migration roll back as a whole.
function runScriptsWhole<T extends { executeScript(s: string): Promise<void> }>(
  adapter: T,
  pool: pg.Pool,
): T {
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      (adapter as any).onError(error);
    }
  };
  return adapter;
}

// The Wasm schema engine leaves 10 s and 60 s timers behind, which keeps
// `migrate deploy` alive for up to a minute after its work is done.
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((
  callback: (...args: any[]) => void,
  ms?: number,
  ...rest: any[]
) => {
  const timer = originalSetTimeout(callback, ms, ...rest);
  if ((ms ?? 0) >= 1000 && new Error().stack?.includes("wasm://"))
    timer.unref();
  return timer;
}) as typeof setTimeout;

async function runStatement(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

class MigratingPrismaPg extends PrismaPg {
  constructor(private readonly url: string) {
    super({ connectionString: url });
  }

  override async connect() {
    const pool = catalogSafePool(this.url);
    const adapter = await new PrismaPg(pool, {
      disposeExternalPool: true,
    }).connect();
    return runScriptsWhole(adapter, pool);
  }

  // The stock shadow database pool is opened with both `connectionString`
  // and `database`; pg lets the connection string win, so it would migrate
  // the main database. A throwaway database is created and dropped here
  // instead, which needs the CREATEDB privilege.
  override async connectToShadowDb() {
    const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    await runStatement(`CREATE DATABASE "${name}"`);
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    const adapter = await new MigratingPrismaPg(url.toString()).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await runStatement(`DROP DATABASE IF EXISTS "${name}"`);
    };
    return adapter;
  }
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new MigratingPrismaPg(databaseUrl()),
});

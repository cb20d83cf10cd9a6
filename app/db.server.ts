import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import pg from "pg";
import { env } from "./env.server";
import { logger } from "./logger.server";

interface Database {
  prisma: PrismaClient;
  /**
   * Plain pg pool for the ingest path, which writes with multi-row inserts
   * (unnest) where Prisma's per-row statements would be slow.
   */
  pool: pg.Pool;
}

declare global {
  // Kept across module reloads in development so connections are reused.
  var storelensDb: Database | undefined;
}

// Prisma's DateTime columns are `timestamp` without a time zone and hold
// UTC. Raw SQL compares them with `timestamptz` values, which PostgreSQL
// converts through the session time zone, so every session runs in UTC.
const SESSION_OPTIONS = "-c TimeZone=UTC";

function connect(): Database {
  const connectionString = env().DATABASE_URL;
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    options: SESSION_OPTIONS,
  });
  // An idle client whose connection drops (a database restart, failover or
  // an administrator ending it) emits "error" on the pool. Unhandled, that
  // event would crash the process; the pool replaces the client instead.
  pool.on("error", (error) => {
    logger.warn({ err: error.message }, "idle database connection lost");
  });
  // The pool's own listener removes itself after one error, and a dying
  // connection can report a second one (the server's shutdown notice, then
  // the reset socket). That second event must not crash the process either.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return {
    prisma: new PrismaClient({
      adapter: new PrismaPg(
        { connectionString, max: 5, options: SESSION_OPTIONS },
        {
          onPoolError: (error) =>
            logger.warn(
              { err: error.message },
              "idle database connection lost",
            ),
          onConnectionError: (error) =>
            logger.warn({ err: error.message }, "database connection lost"),
        },
      ),
    }),
    pool,
  };
}

globalThis.storelensDb ??= connect();

export const prisma = globalThis.storelensDb.prisma;
export const pool = globalThis.storelensDb.pool;

export async function disconnect(): Promise<void> {
  await Promise.all([prisma.$disconnect(), pool.end()]);
  globalThis.storelensDb = undefined;
}

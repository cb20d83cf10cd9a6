import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import {
  startEmbeddedPostgres,
  freePort,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import type { BatchPayload } from "./payload-types";
import { handleBatch } from "./handle-batch.server";

// Faults in the middle of ingest: the database restarting under load, and
// the server process dying inside a batch's transaction.

const root = path.resolve(import.meta.dirname, "../..");
const logger = pino({ level: "silent" });
const SHOP = "faults.myshopify.com";

function batchWithClicks(clicks: number): BatchPayload {
  const page = makePage();
  return makeBatch(SHOP, {
    pages: [page],
    events: Array.from({ length: clicks }, (_, i) =>
      makeClick(page, { at: page.startedAt + 100 + i }),
    ),
  });
}

async function postTo(target: pg.Pool, batch: BatchPayload) {
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    { pool: target, logger, now: () => new Date(T0 + 6000) },
  );
  const body = (await response.json()) as { duplicate?: boolean };
  return { status: response.status, body };
}

async function countsIn(target: pg.Pool | pg.Client) {
  const result = await target.query<{
    batches: string;
    events: string;
    sessions: string;
  }>(
    `SELECT (SELECT count(*) FROM "IngestBatch") AS batches,
            (SELECT count(*) FROM "InteractionEvent") AS events,
            (SELECT count(*) FROM "VisitorSession") AS sessions`,
  );
  const row = result.rows[0];
  return {
    batches: Number(row.batches),
    events: Number(row.events),
    sessions: Number(row.sessions),
  };
}

describe("database restart under load", () => {
  let postgres: RunningPostgres | undefined;
  let target: pg.Pool | undefined;
  const dataDir = path.join(root, ".tmp", `faults-${randomUUID()}`);

  afterAll(async () => {
    await target?.end();
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("stores every batch exactly once", async () => {
    const port = await freePort();
    postgres = await startEmbeddedPostgres({ dataDir, port, fresh: true });
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query("CREATE DATABASE storelens_faults");
    await admin.end();
    const url = postgres.urlFor("storelens_faults");
    await promisify(execFile)("npx", ["prisma", "migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
    });
    target = new pg.Pool({
      connectionString: url,
      max: 4,
      options: "-c TimeZone=UTC",
      connectionTimeoutMillis: 2000,
    });
    // Clients idle in the pool lose their connection at the restart, and a
    // dying client may report a second error after the pool's listener.
    target.on("error", () => {});
    target.on("connect", (client) => {
      client.on("error", () => {});
    });
    await target.query(
      `INSERT INTO "Shop" (id, domain, timezone, "updatedAt")
       VALUES ('faults', $1, 'UTC', now())`,
      [SHOP],
    );

    const batches = Array.from({ length: 80 }, (_, i) =>
      batchWithClicks(1 + (i % 5)),
    );
    const statuses = new Map<number, number>();
    let accepted = 0;
    let restart: Promise<void> | undefined;
    const queue = [...batches];
    const client = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        for (;;) {
          const response = await postTo(target!, batch);
          statuses.set(
            response.status,
            (statuses.get(response.status) ?? 0) + 1,
          );
          if (response.status === 200) break;
          expect(response.status).toBe(503);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        accepted += 1;
        if (accepted === 20 && !restart) {
          restart = (async () => {
            await postgres!.stop();
            await new Promise((resolve) => setTimeout(resolve, 500));
            postgres = await startEmbeddedPostgres({ dataDir, port });
          })();
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    await restart;

    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    const expected = batches.reduce((n, b) => n + b.events.length, 0);
    expect(await countsIn(target)).toEqual({
      batches: 80,
      events: expected,
      sessions: 80,
    });
    const perBatch = await target.query<{ id: string; events: string }>(
      `SELECT b.id, count(e.id) AS events FROM "IngestBatch" b
       LEFT JOIN "InteractionEvent" e ON e."batchId" = b.id::uuid
       GROUP BY b.id`,
    );
    const sent = new Map(batches.map((b) => [b.batchId, b.events.length]));
    for (const row of perBatch.rows) {
      expect(Number(row.events), row.id).toBe(sent.get(row.id));
    }
  }, 180_000);
});

describe("server killed inside a batch", () => {
  beforeAll(async () => {
    await prisma.shop.create({ data: { domain: SHOP } });
  });

  it("leaves no partial batch", async () => {
    const batch = batchWithClicks(200);
    const before = await countsIn(pool);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(root, "test/support/hang-before-commit.ts"),
        JSON.stringify(batch),
      ],
      { env: process.env, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("before-commit")) resolve();
      });
      child.on("exit", (code) =>
        reject(new Error(`writer exited with ${code} before COMMIT`)),
      );
    });

    // Every statement ran: the batch's rows exist, uncommitted.
    const open = await pool.query<{ count: string }>(
      `SELECT count(*) FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(Number(open.rows[0].count)).toBe(1);
    expect(await countsIn(pool)).toEqual(before);

    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    // PostgreSQL rolls the transaction back once the socket closes.
    for (let open = 1; open > 0;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const result = await pool.query<{ count: string }>(
        `SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'idle in transaction'`,
      );
      open = Number(result.rows[0].count);
    }

    expect(await countsIn(pool)).toEqual(before);
    const stored = await prisma.ingestBatch.findUnique({
      where: { shopId_id: { shopId: (await shopId()).id, id: batch.batchId } },
    });
    expect(stored).toBeNull();

    // The browser retries the same batch: stored once, whole.
    const retried = await postTo(pool, batch);
    expect(retried.status).toBe(200);
    expect(retried.body.duplicate).toBe(false);
    expect(await countsIn(pool)).toEqual({
      batches: before.batches + 1,
      events: before.events + 200,
      sessions: before.sessions + 1,
    });
  }, 60_000);
});

function shopId() {
  return prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } });
}

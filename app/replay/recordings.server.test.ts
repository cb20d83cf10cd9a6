import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { prisma, pool } from "~/db.server";
import { loadReplay } from "./recording-events.server";
import { saveRecordingSettings } from "./recording-settings.server";
import {
  listRecordings,
  parseRecordingFilters,
} from "./recordings-list.server";
import { recordingsUrl } from "./recordings-url";
import { deleteExpiredRecordings } from "./retention-job.server";

const NOW = new Date("2026-11-20T15:00:00Z");
let shopA: string;
let shopB: string;

interface Visit {
  shopId: string;
  device?: string;
  path?: string;
  startedAt?: Date;
  durationMs?: number;
  rage?: string;
  addedToCart?: boolean;
  orderTotal?: string;
  chunks?: { seq: number; data: Buffer; receivedAt?: Date }[];
}

const meta = (at: number, href = "https://shop.example/") => ({
  type: 4,
  timestamp: at,
  data: { href, width: 1, height: 1 },
});
const full = (at: number) => ({
  type: 2,
  timestamp: at,
  data: {
    node: { type: 0, childNodes: [] },
    initialOffset: { top: 0, left: 0 },
  },
});
const move = (at: number) => ({
  type: 3,
  timestamp: at,
  data: { source: 1, positions: [] },
});
const gz = (events: unknown[]) => gzipSync(JSON.stringify(events));

/** Stores a visit with one page view and a recording of it. */
async function visit(options: Visit) {
  const sessionId = randomUUID();
  const pageViewId = randomUUID();
  const startedAt = options.startedAt ?? NOW;
  const endedAt = new Date(
    startedAt.getTime() + (options.durationMs ?? 60_000),
  );
  await pool.query(
    `INSERT INTO "VisitorSession" ("shopId", id, "visitorId", "startedAt",
       "lastSeenAt", device, "landingPath")
     VALUES ($1, $2, $3, $4, $4, $5, $6)`,
    [
      options.shopId,
      sessionId,
      randomUUID(),
      startedAt,
      options.device ?? "desktop",
      options.path ?? "/",
    ],
  );
  await pool.query(
    `INSERT INTO "PageView" ("shopId", id, "sessionId", path, "startedAt",
       "viewportWidth", "viewportHeight", device)
     VALUES ($1, $2, $3, $4, $5, 1280, 800, $6)`,
    [
      options.shopId,
      pageViewId,
      sessionId,
      options.path ?? "/",
      startedAt,
      options.device ?? "desktop",
    ],
  );
  await pool.query(
    `INSERT INTO "Recording" ("shopId", "sessionId", reason, "clockOffsetMs",
       "startedAt", "endedAt", "updatedAt")
     VALUES ($1, $2, 'sample', 1000, $3, $4, now())`,
    [options.shopId, sessionId, startedAt, endedAt],
  );
  for (const chunk of options.chunks ?? []) {
    await pool.query(
      `INSERT INTO "RecordingChunk" ("shopId", id, "sessionId", "pageViewId",
         seq, "firstAt", "lastAt", "eventCount", "byteSize", data, "receivedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $6, 1, $7, $8, $9)`,
      [
        options.shopId,
        randomUUID(),
        sessionId,
        pageViewId,
        chunk.seq,
        startedAt,
        chunk.data.byteLength,
        chunk.data,
        chunk.receivedAt ?? NOW,
      ],
    );
  }
  if (options.rage) {
    await pool.query(
      `INSERT INTO "FrictionSignal" ("shopId", kind, "sessionId", "pageViewId",
         path, device, selector, x, y, "offsetX", "offsetY", fixed, clicks,
         "occurredAt")
       VALUES ($1, 'rage-click', $2, $3, $4, 'desktop', $5, 1, 1, 0.5, 0.5,
         false, 3, $6)`,
      [
        options.shopId,
        sessionId,
        pageViewId,
        options.path ?? "/",
        options.rage,
        new Date(startedAt.getTime() + 5000),
      ],
    );
  }
  if (options.addedToCart) {
    await pool.query(
      `INSERT INTO "StorefrontEvent" ("shopId", "shopifyEventId", "sessionId",
         name, path, "occurredAt", "batchId")
       VALUES ($1, $2, $3, 'product_added_to_cart', '/', $4, $5)`,
      [options.shopId, randomUUID(), sessionId, startedAt, randomUUID()],
    );
  }
  if (options.orderTotal) {
    await pool.query(
      `INSERT INTO "Order" ("shopId", id, "processedAt", currency, "totalPrice",
         "sessionId", "updatedAt")
       VALUES ($1, $2, $3, 'USD', $4, $5, now())`,
      [
        options.shopId,
        String(Math.floor(Math.random() * 1e9)),
        startedAt,
        options.orderTotal,
        sessionId,
      ],
    );
  }
  return sessionId;
}

async function list(shopId: string, url: string) {
  const params = new URL(url, "https://admin.test").searchParams;
  const parsed = parseRecordingFilters(params, "UTC");
  const page = await listRecordings(pool, {
    shopId,
    timezone: "UTC",
    ...parsed,
  });
  return page.rows.map((row) => row.sessionId);
}

beforeAll(async () => {
  shopA = (
    await prisma.shop.create({ data: { domain: "rec-a.myshopify.com" } })
  ).id;
  shopB = (
    await prisma.shop.create({ data: { domain: "rec-b.myshopify.com" } })
  ).id;
});

describe("recordings list", () => {
  it("applies every filter and keeps shops apart", async () => {
    const range = { from: "2026-11-01", to: "2026-11-30" };
    const mobile = await visit({ shopId: shopA, device: "mobile" });
    const product = await visit({
      shopId: shopA,
      path: "/products/linen-shirt",
    });
    const long = await visit({ shopId: shopA, durationMs: 600_000 });
    const rage = await visit({
      shopId: shopA,
      rage: "#add-to-cart",
      path: "/products/linen-shirt",
    });
    const abandoned = await visit({ shopId: shopA, addedToCart: true });
    const buyer = await visit({
      shopId: shopA,
      addedToCart: true,
      orderTotal: "120.00",
    });
    const old = await visit({
      shopId: shopA,
      startedAt: new Date("2026-09-01T10:00:00Z"),
    });
    const other = await visit({ shopId: shopB, device: "mobile" });

    const all = await list(shopA, recordingsUrl(range));
    expect(all).toHaveLength(6);
    expect(all).not.toContain(old);
    expect(all).not.toContain(other);
    expect(
      await list(shopA, recordingsUrl({ ...range, device: "mobile" })),
    ).toEqual([mobile]);
    expect(
      (
        await list(
          shopA,
          recordingsUrl({ ...range, path: "/products/linen-shirt" }),
        )
      ).sort(),
    ).toEqual([product, rage].sort());
    expect(
      await list(shopA, recordingsUrl({ ...range, minDurationSeconds: 300 })),
    ).toEqual([long]);
    expect(
      await list(
        shopA,
        recordingsUrl({
          ...range,
          signal: "rage-click",
          selector: "#add-to-cart",
        }),
      ),
    ).toEqual([rage]);
    expect(
      await list(shopA, recordingsUrl({ ...range, signal: "dead-click" })),
    ).toEqual([]);
    expect(
      await list(shopA, recordingsUrl({ ...range, cartAbandoned: true })),
    ).toEqual([abandoned]);
    expect(
      await list(shopA, recordingsUrl({ ...range, minRevenue: 100 })),
    ).toEqual([buyer]);
    expect(await list(shopB, recordingsUrl(range))).toEqual([other]);
  });

  it("ignores invalid filter values", async () => {
    const params = new URLSearchParams("device=fridge&minDuration=-4&signal=x");
    const { filters } = parseRecordingFilters(params, "UTC");
    expect(filters.device).toBeUndefined();
    expect(filters.minDurationSeconds).toBeUndefined();
    expect(filters.signal).toBeUndefined();
  });
});

describe("recordingsUrl", () => {
  it("encodes filters", () => {
    expect(recordingsUrl()).toBe("/app/recordings");
    expect(
      recordingsUrl({
        signal: "dead-click",
        path: "/cart",
        selector: "#a b",
        cartAbandoned: true,
      }),
    ).toBe(
      "/app/recordings?path=%2Fcart&selector=%23a+b&signal=dead-click&cartAbandoned=1",
    );
  });
});

describe("loadReplay", () => {
  it("skips a corrupt chunk and plays the rest in order", async () => {
    const t = NOW.getTime();
    const sessionId = await visit({
      shopId: shopA,
      rage: "#zoom",
      chunks: [
        { seq: 2, data: gz([move(t + 3000)]) },
        { seq: 1, data: Buffer.from("not gzip at all") },
        { seq: 0, data: gz([meta(t), full(t + 1), move(t + 500)]) },
        { seq: 4, data: gz([move(t + 9000)]) },
      ],
    });
    const replay = (await loadReplay(pool, shopA, sessionId))!;
    const times = replay.events.map((event) => event.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(replay.events.filter((event) => event.type === 3)).toHaveLength(3);
    expect(replay.skipped.map((skip) => [skip.seq, skip.reason])).toEqual([
      [1, "stored data could not be decompressed or parsed"],
      [1, "chunk never arrived"],
      [3, "chunk never arrived"],
    ]);
    const rage = replay.markers.find((marker) => marker.kind === "rage-click")!;
    // occurredAt is start + 5 s on the server clock, 1 s ahead of the browser.
    expect(rage.timestamp).toBe(t + 4000);
    expect(
      replay.markers.filter((marker) => marker.kind === "page"),
    ).toHaveLength(1);
  });

  it("drops events of a page view without a full snapshot", async () => {
    const t = NOW.getTime();
    const sessionId = await visit({
      shopId: shopA,
      chunks: [{ seq: 1, data: gz([move(t + 3000)]) }],
    });
    const replay = (await loadReplay(pool, shopA, sessionId))!;
    expect(replay.events).toEqual([]);
    expect(replay.skipped.map((skip) => skip.reason)).toContain(
      "page view has no full snapshot to start from",
    );
  });

  it("returns null for another shop's recording", async () => {
    const sessionId = await visit({ shopId: shopA });
    expect(await loadReplay(pool, shopB, sessionId)).toBeNull();
  });
});

describe("deleteExpiredRecordings", () => {
  it("deletes chunks past each shop's retention", async () => {
    await saveRecordingSettings(pool, shopB, {
      sampleRate: 0.05,
      frictionCapture: true,
      retentionDays: 7,
      maskSelectors: "",
    });
    const tenDaysAgo = new Date(NOW.getTime() - 10 * 86_400_000);
    const data = gz([meta(1), full(2)]);
    const keptA = await visit({
      shopId: shopA,
      chunks: [{ seq: 0, data, receivedAt: tenDaysAgo }],
    });
    const goneB = await visit({
      shopId: shopB,
      chunks: [{ seq: 0, data, receivedAt: tenDaysAgo }],
    });
    const keptB = await visit({
      shopId: shopB,
      chunks: [{ seq: 0, data, receivedAt: NOW }],
    });
    const deleted = await deleteExpiredRecordings(pool, NOW);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const left = await pool.query<{ sessionId: string }>(
      `SELECT "sessionId" FROM "Recording" WHERE "sessionId" = ANY($1)`,
      [[keptA, goneB, keptB]],
    );
    expect(left.rows.map((row) => row.sessionId).sort()).toEqual(
      [keptA, keptB].sort(),
    );
  });

  it("removes recordings with their visit", async () => {
    const sessionId = await visit({
      shopId: shopA,
      chunks: [{ seq: 0, data: gz([meta(1)]) }],
    });
    await pool.query(`DELETE FROM "VisitorSession" WHERE id = $1`, [sessionId]);
    const chunks = await pool.query(
      `SELECT 1 FROM "RecordingChunk" WHERE "sessionId" = $1`,
      [sessionId],
    );
    expect(chunks.rowCount).toBe(0);
  });
});

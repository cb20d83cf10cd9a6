import pino from "pino";
import { prisma, pool } from "~/db.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  makeScroll,
} from "../../test/support/batches";
import { Admission } from "./admission.server";
import { handleBatch } from "./handle-batch.server";
import { MAX_BATCH_BYTES } from "./payload-types";

// Seeded fuzzing of POST /collect through the real handler and database:
// every hostile payload is rejected with a 4xx and a JSON error, and none
// of them changes a stored row.

const SHOP_A = "fuzz-a.myshopify.com";
const SHOP_B = "fuzz-b.myshopify.com";
const ORIGIN_A = "https://fuzz-a.example";
const ORIGIN_B = "https://fuzz-b.example";
const PAYLOADS = 10_000;
const logger = pino({ level: "silent" });

/** Mulberry32: a small seeded generator, so a failing case can be replayed. */
function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    integer: (min: number, max: number) =>
      min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T =>
      items[Math.floor(next() * items.length)],
  };
}
type Random = ReturnType<typeof seededRandom>;

interface HostileCase {
  kind: string;
  body: string | Uint8Array<ArrayBuffer>;
  origin?: string;
}

const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  -1,
  1e308,
  "",
  "\u0000",
  "x".repeat(5000),
  [],
  {},
  [[[]]],
  { $gt: "" },
  '\'; DROP TABLE "InteractionEvent"; --',
];

/** Fields of a valid batch and a check that a replacement is invalid there. */
const BATCH_FIELDS: readonly string[] = [
  "v",
  "batchId",
  "shop",
  "visitorId",
  "sessionId",
  "sentAt",
  "pages",
  "events",
  "pages.0.id",
  "pages.0.path",
  "pages.0.title",
  "pages.0.startedAt",
  "pages.0.viewportWidth",
  "pages.0.device",
  "events.0.type",
  "events.0.page",
  "events.0.at",
  "events.0.x",
  "events.0.selector",
  "events.0.offsetX",
  "events.0.fixed",
  "events.1.maxDepthPx",
  "events.1.documentHeight",
];

function validBatch(shop: string) {
  const page = makePage();
  return makeBatch(shop, {
    pages: [page],
    events: [makeClick(page), makeScroll(page)],
  });
}

function setPath(target: unknown, path: string, value: unknown) {
  const keys = path.split(".");
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/** A value whose JSON type differs from the field's, so it is never valid there. */
function invalidValue(random: Random, current: unknown): unknown {
  for (;;) {
    const value = random.pick(WRONG_VALUES);
    if (jsonType(value) !== jsonType(current)) return value;
  }
}

function nested(depth: number, open: string, close: string): string {
  return `{"v":1,"events":${open.repeat(depth)}${close.repeat(depth)}}`;
}

const generators: Record<string, (random: Random) => HostileCase> = {
  truncatedJson: (random) => {
    const text = JSON.stringify(validBatch(SHOP_A));
    return {
      kind: "truncated JSON",
      body: text.slice(0, random.integer(0, text.length - 1)),
    };
  },
  randomBytes: (random) => ({
    kind: "random bytes",
    body: Uint8Array.from({ length: random.integer(1, 2048) }, () =>
      random.integer(0, 255),
    ),
  }),
  scalarJson: (random) => ({
    kind: "JSON that is not an object",
    body: random.pick(["null", "1", '"batch"', "[]", "[{}]", "true"]),
  }),
  oversized: (random) => ({
    kind: "oversized body",
    body: `{"pad":"${"a".repeat(MAX_BATCH_BYTES + random.integer(1, 4096))}"}`,
  }),
  deepNesting: (random) => ({
    kind: "deeply nested",
    body: random.pick([
      nested(random.integer(1000, 20_000), "[", "]"),
      nested(random.integer(1000, 20_000), '{"a":', "}"),
    ]),
  }),
  wrongType: (random) => {
    const batch = validBatch(SHOP_A);
    const path = random.pick(BATCH_FIELDS);
    const current = path
      .split(".")
      .reduce<unknown>(
        (node, key) => (node as Record<string, unknown>)[key],
        batch,
      );
    setPath(batch, path, invalidValue(random, current));
    return {
      kind: `wrong type at ${path}`,
      body: JSON.stringify(batch),
      origin: ORIGIN_A,
    };
  },
  missingField: (random) => {
    const batch = validBatch(SHOP_A);
    const path = random.pick(BATCH_FIELDS);
    setPath(batch, path, undefined);
    return {
      kind: `missing ${path}`,
      body: JSON.stringify(batch),
      origin: ORIGIN_A,
    };
  },
  tooManyEvents: () => {
    const batch = validBatch(SHOP_A);
    const page = batch.pages[0];
    batch.events = Array.from({ length: 501 }, () => makeClick(page));
    return {
      kind: "too many events",
      body: JSON.stringify(batch),
      origin: ORIGIN_A,
    };
  },
  unknownShop: (random) => ({
    kind: "unknown shop",
    body: JSON.stringify(
      validBatch(`nobody-${random.integer(1, 1e9)}.myshopify.com`),
    ),
    origin: ORIGIN_A,
  }),
  wrongOrigin: (random) => ({
    kind: "another shop's origin",
    body: JSON.stringify(validBatch(random.pick([SHOP_A, SHOP_B]))),
    origin: random.pick(["https://evil.example", "null"]),
  }),
  crossShopOrigin: () => ({
    kind: "shop A's batch from shop B's storefront",
    body: JSON.stringify(validBatch(SHOP_A)),
    origin: ORIGIN_B,
  }),
};

interface StoredBatch {
  body: string;
  origin: string;
}

async function send(body: string | Uint8Array<ArrayBuffer>, origin?: string) {
  const response = await handleBatch(
    new Request("https://storelens.test/collect", {
      method: "POST",
      headers: {
        "Content-Type": "text/plain",
        ...(origin ? { Origin: origin } : {}),
      },
      body,
    }),
    {
      pool,
      logger,
      now: () => new Date(T0 + 6000),
      admission: new Admission({
        maxInFlight: 100,
        shopRate: 1e6,
        shopBurst: 1e6,
        ipRate: 1e6,
        ipBurst: 1e6,
      }),
      clientIp: "192.0.2.1",
    },
  );
  const text = await response.text();
  return { status: response.status, text };
}

async function tableCounts() {
  const result = await pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM "VisitorSession") AS sessions,
            (SELECT count(*) FROM "PageView") AS "pageViews",
            (SELECT count(*) FROM "InteractionEvent") AS events,
            (SELECT count(*) FROM "IngestBatch") AS batches,
            (SELECT count(*) FROM "PageSnapshot") AS snapshots,
            (SELECT count(*) FROM "StorefrontEvent") AS "storefrontEvents",
            (SELECT count(*) FROM "RevenueRollupDay") AS "rollupMarks",
            (SELECT max("lastSeenAt") FROM "VisitorSession") AS "lastSeen"`,
  );
  return result.rows[0];
}

const stored: StoredBatch[] = [];

beforeAll(async () => {
  await prisma.shop.create({
    data: { domain: SHOP_A, storefrontOrigins: [ORIGIN_A] },
  });
  await prisma.shop.create({
    data: { domain: SHOP_B, storefrontOrigins: [ORIGIN_B] },
  });
  for (const [shop, origin] of [
    [SHOP_A, ORIGIN_A],
    [SHOP_B, ORIGIN_B],
  ]) {
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify(validBatch(shop));
      const response = await send(body, origin);
      expect(response.status).toBe(200);
      stored.push({ body, origin });
    }
  }
});

describe("hostile payloads", () => {
  it("rejects 10,000 without a 5xx or a stored row", async () => {
    const before = await tableCounts();
    const random = seededRandom(20261204);
    const kinds = Object.keys(generators);
    const statusByKind = new Map<string, Set<number>>();
    let replays = 0;

    for (let i = 0; i < PAYLOADS; i++) {
      if (random.next() < 0.1) {
        // Replay of a stored batch, possibly to the other shop's storefront.
        const replay = random.pick(stored);
        const crossed = random.next() < 0.5;
        const origin = crossed
          ? replay.origin === ORIGIN_A
            ? ORIGIN_B
            : ORIGIN_A
          : replay.origin;
        const response = await send(replay.body, origin);
        if (crossed) {
          expect(response.status, `replay to ${origin}`).toBe(403);
        } else {
          expect(response.status, "replay").toBe(200);
          expect(JSON.parse(response.text).duplicate, "replay").toBe(true);
        }
        replays += 1;
        continue;
      }
      const kind = kinds[Math.floor(random.next() * kinds.length)];
      // Oversized bodies are costly to build, so they are a small share.
      const generator =
        kind === "oversized" && random.next() < 0.9
          ? generators.truncatedJson
          : generators[kind];
      const hostile = generator(random);
      const response = await send(hostile.body, hostile.origin);
      const label = `case ${i}: ${hostile.kind}`;
      expect(response.status, label).toBeGreaterThanOrEqual(400);
      expect(response.status, label).toBeLessThan(500);
      const parsed = JSON.parse(response.text) as {
        error: { code: string; message: string };
      };
      expect(parsed.error.code, label).toBeTypeOf("string");
      expect(parsed.error.message.length, label).toBeGreaterThan(0);
      const seen = statusByKind.get(hostile.kind.split(" at ")[0]) ?? new Set();
      seen.add(response.status);
      statusByKind.set(hostile.kind.split(" at ")[0], seen);
    }

    expect(replays).toBeGreaterThan(500);
    expect(statusByKind.get("oversized body")).toEqual(new Set([413]));
    expect(statusByKind.get("unknown shop")).toEqual(new Set([403]));
    expect(statusByKind.get("deeply nested")).toEqual(new Set([400]));
    expect(await tableCounts()).toEqual(before);
  }, 600_000);
});

import pino from "pino";
import { prisma, pool } from "~/db.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import {
  Admission,
  KeyedRateLimiter,
  TokenBucket,
  type AdmissionLimits,
} from "./admission.server";
import { handleBatch } from "./handle-batch.server";

const SHOP = "limits.myshopify.com";
const OTHER_SHOP = "limits-other.myshopify.com";
const logger = pino({ level: "silent" });
const GENEROUS: AdmissionLimits = {
  maxInFlight: 1000,
  shopRate: 1000,
  shopBurst: 1000,
  ipRate: 1000,
  ipBurst: 1000,
};

async function post(
  body: unknown,
  admission: Admission,
  clientIp: string | null = "203.0.113.7",
) {
  const response = await handleBatch(
    postJson("https://storelens.test/collect", body),
    { pool, logger, admission, clientIp, now: () => new Date(T0 + 6000) },
  );
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as {
      duplicate?: boolean;
      error?: { code: string };
    },
  };
}

function batchWithClicks(shop: string, clicks: number) {
  const page = makePage();
  return makeBatch(shop, {
    pages: [page],
    events: Array.from({ length: clicks }, (_, i) =>
      makeClick(page, { at: page.startedAt + 100 + i }),
    ),
  });
}

async function storedCounts() {
  const [batches, events] = await Promise.all([
    prisma.ingestBatch.count(),
    prisma.interactionEvent.count(),
  ]);
  return { batches, events };
}

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: SHOP } });
  await prisma.shop.create({ data: { domain: OTHER_SHOP } });
});

beforeEach(async () => {
  await prisma.interactionEvent.deleteMany();
  await prisma.ingestBatch.deleteMany();
});

describe("TokenBucket", () => {
  it("spends the burst, then refills at the rate", () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0.5);
    expect(bucket.take(250)).toBe(0.25);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.take(500)).toBe(0.5);
  });

  it("never holds more than the burst", () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.take(60_000)).toBe(0);
    expect(bucket.take(60_000)).toBe(0);
    expect(bucket.take(60_000)).toBeCloseTo(0.1, 10);
  });
});

describe("KeyedRateLimiter", () => {
  it("keeps memory bounded under many keys", () => {
    const limiter = new KeyedRateLimiter(1, 1, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i}`, 0);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it("limits each key on its own", () => {
    const limiter = new KeyedRateLimiter(1, 1);
    expect(limiter.take("a", 0)).toBe(0);
    expect(limiter.take("a", 0)).toBe(1);
    expect(limiter.take("b", 0)).toBe(0);
  });
});

describe("per-shop limit", () => {
  it("answers 429 with Retry-After and stores nothing", async () => {
    let clock = T0;
    const admission = new Admission(
      { ...GENEROUS, shopRate: 1, shopBurst: 2 },
      () => clock,
    );
    const batches = [1, 2, 3].map(() => batchWithClicks(SHOP, 2));
    expect((await post(batches[0], admission)).status).toBe(200);
    expect((await post(batches[1], admission)).status).toBe(200);
    const limited = await post(batches[2], admission);
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe("1");
    expect(limited.body.error?.code).toBe("rate_limited");
    expect(await storedCounts()).toEqual({ batches: 2, events: 4 });

    // Another shop has its own bucket.
    const other = await post(batchWithClicks(OTHER_SHOP, 1), admission);
    expect(other.status).toBe(200);

    clock += 1000;
    const retried = await post(batches[2], admission);
    expect(retried.status).toBe(200);
    expect(retried.body.duplicate).toBe(false);
    expect(await storedCounts()).toEqual({ batches: 4, events: 7 });
  });
});

describe("per-IP limit", () => {
  it("limits one address and lets another through", async () => {
    const clock = T0;
    const admission = new Admission(
      { ...GENEROUS, ipRate: 0.5, ipBurst: 1 },
      () => clock,
    );
    expect(
      (await post(batchWithClicks(SHOP, 1), admission, "198.51.100.1")).status,
    ).toBe(200);
    const limited = await post(
      batchWithClicks(SHOP, 1),
      admission,
      "198.51.100.1",
    );
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe("2");
    const other = await post(
      batchWithClicks(SHOP, 1),
      admission,
      "198.51.100.2",
    );
    expect(other.status).toBe(200);
    expect(await storedCounts()).toEqual({ batches: 2, events: 2 });
  });

  it("rejects before reading an oversized body", async () => {
    const admission = new Admission({ ...GENEROUS, ipRate: 1, ipBurst: 1 });
    await post(batchWithClicks(SHOP, 1), admission, "198.51.100.3");
    const response = await post(
      "x".repeat(1_000_000),
      admission,
      "198.51.100.3",
    );
    expect(response.status).toBe(429);
  });
});

describe("in-flight bound", () => {
  it("sheds load with 503 and loses nothing on retry", async () => {
    // Shed clients retry every few ms, far above any shop rate, so only
    // the in-flight bound may respond here.
    const admission = new Admission({
      ...GENEROUS,
      shopRate: 1_000_000,
      shopBurst: 1_000_000,
      maxInFlight: 2,
    });
    const batches = Array.from({ length: 30 }, (_, i) =>
      batchWithClicks(SHOP, 1 + (i % 4)),
    );
    let shed = 0;
    await Promise.all(
      batches.map(async (batch) => {
        for (;;) {
          const response = await post(batch, admission);
          if (response.status === 200) return;
          expect(response.status).toBe(503);
          expect(response.retryAfter).toBe("1");
          shed += 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    expect(shed).toBeGreaterThan(0);
    const expectedEvents = batches.reduce((n, b) => n + b.events.length, 0);
    expect(await storedCounts()).toEqual({
      batches: 30,
      events: expectedEvents,
    });
    expect(admission.batchesInFlight).toBe(0);

    // A client that never saw the 200 sends again: stored once.
    const replies = await Promise.all(
      batches.map((batch) => post(batch, new Admission(GENEROUS))),
    );
    expect(replies.every((reply) => reply.body.duplicate === true)).toBe(true);
    expect(await storedCounts()).toEqual({
      batches: 30,
      events: expectedEvents,
    });
  });

  it("frees the slot when the write fails", async () => {
    const admission = new Admission({ ...GENEROUS, maxInFlight: 1 });
    const unknown = await post(
      batchWithClicks("not-installed.myshopify.com", 1),
      admission,
    );
    expect(unknown.status).toBe(403);
    expect(admission.batchesInFlight).toBe(0);
    expect((await post(batchWithClicks(SHOP, 1), admission)).status).toBe(200);
  });
});

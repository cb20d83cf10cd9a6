import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { T0, makeBatch, postJson } from "../../test/support/batches";
import { handleBatch } from "./handle-batch.server";
import type { BatchPayload, ExposurePayload } from "./payload-types";

// Variant exposure: validated field by field, stored once per visit and
// experiment, the first variant kept, and never mixed between shops.

const logger = pino({ level: "silent" });
const SHOP_A = "exposure-a.myshopify.com";
const SHOP_B = "exposure-b.myshopify.com";

async function post(body: unknown) {
  const response = await handleBatch(
    postJson("https://storelens.test/collect", body),
    { pool, logger, now: () => new Date(T0 + 5000) },
  );
  return { status: response.status, body: await response.json() };
}

function exposure(
  variant: string,
  overrides: Partial<ExposurePayload> = {},
): ExposurePayload {
  return {
    type: "exposure",
    experiment: "sticky-cart",
    variant,
    at: T0 + 1000,
    ...overrides,
  };
}

/** Builds a pixel batch: no page views, only exposures. */
function exposureBatch(
  shop: string,
  events: ExposurePayload[],
  overrides: Partial<BatchPayload> = {},
): BatchPayload {
  return makeBatch(shop, {
    pages: [],
    events,
    source: "pixel",
    clientId: "client-1",
    ...overrides,
  });
}

function storedFor(shop: string, sessionId: string) {
  return prisma.experimentExposure.findMany({
    where: { sessionId, shop: { domain: shop } },
    orderBy: { experimentKey: "asc" },
  });
}

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: SHOP_A } });
  await prisma.shop.create({ data: { domain: SHOP_B } });
});

it("stores an exposure sent with page events", async () => {
  const batch = makeBatch(SHOP_A);
  batch.events.push(exposure("treatment"));
  const result = await post(batch);
  expect(result.status).toBe(200);

  const [stored] = await storedFor(SHOP_A, batch.sessionId);
  expect(stored.variant).toBe("treatment");
  expect(stored.visitorId).toBe(batch.visitorId);
  expect(stored.source).toBe("embed");
  expect(stored.mixed).toBe(false);
  expect(stored.exposedAt.getTime()).toBe(T0 + 1000);
  const events = await prisma.interactionEvent.count({
    where: { sessionId: batch.sessionId },
  });
  expect(events).toBe(2);
});

it("stores a pixel batch of exposures only", async () => {
  const batch = exposureBatch(SHOP_A, [
    exposure("control"),
    exposure("b", { experiment: "free-shipping-banner" }),
  ]);
  const result = await post(batch);
  expect(result.status).toBe(200);

  const stored = await storedFor(SHOP_A, batch.sessionId);
  expect(stored.map((row) => row.experimentKey)).toEqual([
    "free-shipping-banner",
    "sticky-cart",
  ]);
  expect(stored.map((row) => row.variant)).toEqual(["b", "control"]);
  expect(stored[0].source).toBe("pixel");
});

it("keeps the first variant a visit saw", async () => {
  const sessionId = randomUUID();
  const visitorId = randomUUID();
  const ids = { sessionId, visitorId };
  await post(exposureBatch(SHOP_A, [exposure("control")], ids));
  await post(exposureBatch(SHOP_A, [exposure("control")], ids));

  let [stored] = await storedFor(SHOP_A, sessionId);
  expect(stored.variant).toBe("control");
  expect(stored.mixed).toBe(false);

  const later = exposure("treatment", { at: T0 + 2000 });
  const result = await post(exposureBatch(SHOP_A, [later], ids));
  expect(result.status).toBe(200);
  [stored] = await storedFor(SHOP_A, sessionId);
  expect(stored.variant).toBe("control");
  expect(stored.exposedAt.getTime()).toBe(T0 + 1000);
  expect(stored.mixed).toBe(true);
});

it("moves the exposure back for a late batch", async () => {
  const ids = { sessionId: randomUUID(), visitorId: randomUUID() };
  const first = exposure("control", { at: T0 + 3000 });
  await post(exposureBatch(SHOP_A, [first], ids));
  const earlier = exposure("control", { at: T0 + 1000 });
  await post(exposureBatch(SHOP_A, [earlier], ids));

  let [stored] = await storedFor(SHOP_A, ids.sessionId);
  expect(stored.exposedAt.getTime()).toBe(T0 + 1000);
  expect(stored.mixed).toBe(false);

  // An earlier exposure to another variant marks the visit mixed but moves
  // neither its arm nor its time.
  const other = exposure("treatment", { at: T0 + 500 });
  await post(exposureBatch(SHOP_A, [other], ids));
  [stored] = await storedFor(SHOP_A, ids.sessionId);
  expect(stored.variant).toBe("control");
  expect(stored.exposedAt.getTime()).toBe(T0 + 1000);
  expect(stored.mixed).toBe(true);

  // A later copy of the stored variant keeps the mark and the time.
  await post(
    exposureBatch(SHOP_A, [exposure("control", { at: T0 + 4000 })], ids),
  );
  [stored] = await storedFor(SHOP_A, ids.sessionId);
  expect(stored.mixed).toBe(true);
});

it("takes the earliest exposure within one batch", async () => {
  const batch = exposureBatch(SHOP_A, [
    exposure("treatment", { at: T0 + 3000 }),
    exposure("control", { at: T0 + 2000 }),
  ]);
  await post(batch);

  const [stored] = await storedFor(SHOP_A, batch.sessionId);
  expect(stored.variant).toBe("control");
  expect(stored.exposedAt.getTime()).toBe(T0 + 2000);
  expect(stored.mixed).toBe(true);
});

it("stores a redelivered batch once", async () => {
  const batch = exposureBatch(SHOP_A, [exposure("control")]);
  const first = await post(batch);
  const again = await post(batch);
  expect(first.body.duplicate).toBe(false);
  expect(again.status).toBe(200);
  expect(again.body.duplicate).toBe(true);

  const stored = await storedFor(SHOP_A, batch.sessionId);
  expect(stored).toHaveLength(1);
  expect(stored[0].mixed).toBe(false);
});

it("keeps two shops apart", async () => {
  const sessionId = randomUUID();
  await post(exposureBatch(SHOP_A, [exposure("control")], { sessionId }));
  await post(exposureBatch(SHOP_B, [exposure("treatment")], { sessionId }));

  const [a] = await storedFor(SHOP_A, sessionId);
  const [b] = await storedFor(SHOP_B, sessionId);
  expect(a.variant).toBe("control");
  expect(b.variant).toBe("treatment");
  expect(a.mixed).toBe(false);
  expect(b.mixed).toBe(false);
});

describe("rejects malformed exposures", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["empty experiment", { experiment: "" }, "experiment", /must not be empty/],
    [
      "free-text variant",
      { variant: "Big red <button>" },
      "variant",
      /letters, digits/,
    ],
    [
      "overlong key",
      { experiment: "x".repeat(65) },
      "experiment",
      /at most 64 characters/,
    ],
    ["missing variant", { variant: undefined }, "variant", /is missing/],
    ["clock before 2020", { at: 1000 }, "at", /before 2020/],
  ];

  it.each(cases)("%s", async (_name, override, field, message) => {
    const batch = exposureBatch(SHOP_A, [
      exposure("control", override as Partial<ExposurePayload>),
    ]);
    const result = await post(batch);
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe(`events.0.${field}`);
    expect(result.body.error.message).toMatch(message);
    expect(await storedFor(SHOP_A, batch.sessionId)).toHaveLength(0);
  });
});

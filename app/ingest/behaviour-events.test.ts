import pino from "pino";
import { prisma, pool } from "~/db.server";
import type { EventPayload } from "./payload-types";
import { MAX_ERROR_MESSAGE_LENGTH } from "./payload-types";
import { T0, makeBatch, makePage, postJson } from "../../test/support/batches";
import { handleBatch } from "./handle-batch.server";

// Moves, hovers, form fields and errors: stored in their own columns,
// refused field by field when malformed, and never mixed between shops.

const logger = pino({ level: "silent" });
const SHOP_A = "moves-a.myshopify.com";
const SHOP_B = "moves-b.myshopify.com";

async function post(body: unknown) {
  const response = await handleBatch(
    postJson("https://storelens.test/collect", body),
    { pool, logger, now: () => new Date(T0 + 5000) },
  );
  return { status: response.status, body: await response.json() };
}

const page = makePage({ viewportWidth: 1280, viewportHeight: 800 });
const events: EventPayload[] = [
  {
    type: "move",
    page: page.id,
    at: T0 + 100,
    x: 400,
    y: 1200,
    selector: "#hero",
    offsetX: 0.25,
    offsetY: 0.75,
    fixed: false,
  },
  {
    type: "hover",
    page: page.id,
    at: T0 + 200,
    durationMs: 4200,
    selector: "#add-to-cart",
    cta: true,
  },
  {
    type: "focus",
    page: page.id,
    at: T0 + 300,
    field: "#email",
    form: "#contact",
  },
  {
    type: "blur",
    page: page.id,
    at: T0 + 400,
    field: "#email",
    form: "#contact",
  },
  {
    type: "submit",
    page: page.id,
    at: T0 + 500,
    field: "#contact",
    form: "#contact",
  },
  {
    type: "error",
    page: page.id,
    at: T0 + 600,
    message: "TypeError: x is undefined " + "!".repeat(1000),
  },
];

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: SHOP_A } });
  await prisma.shop.create({ data: { domain: SHOP_B } });
});

it("stores each kind in its own columns with the page view's viewport", async () => {
  const batch = makeBatch(SHOP_A, { pages: [page], events });
  const result = await post(batch);
  expect(result.status).toBe(200);

  const rows = await prisma.interactionEvent.findMany({
    where: { sessionId: batch.sessionId },
    orderBy: { clientAt: "asc" },
  });
  expect(rows.map((row) => row.type)).toEqual([
    "move",
    "hover",
    "focus",
    "blur",
    "submit",
    "error",
  ]);
  const [move, hover, focus, , submit, error] = rows;
  expect(move).toMatchObject({
    x: 400,
    y: 1200,
    selector: "#hero",
    offsetX: 0.25,
    offsetY: 0.75,
    viewportWidth: 1280,
    viewportHeight: 800,
    touch: false,
  });
  expect(hover).toMatchObject({
    selector: "#add-to-cart",
    durationMs: 4200,
    cta: true,
    x: null,
  });
  expect(focus).toMatchObject({ selector: "#email", form: "#contact" });
  expect(submit).toMatchObject({ selector: "#contact", form: "#contact" });
  expect(error.message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
  expect(error.message!.startsWith("TypeError: x is undefined")).toBe(true);

  const other = await prisma.shop.findUniqueOrThrow({
    where: { domain: SHOP_B },
  });
  expect(
    await prisma.interactionEvent.count({ where: { shopId: other.id } }),
  ).toBe(0);
});

it.each([
  [
    "a hover longer than ten minutes",
    { ...events[1], durationMs: 11 * 60 * 1000 },
    "events.0.durationMs",
  ],
  [
    "a move outside its element box",
    { ...events[0], offsetX: 1.5 },
    "events.0.offsetX",
  ],
  ["a field without a selector", { ...events[2], field: "" }, "events.0.field"],
  ["an empty error message", { ...events[5], message: "" }, "events.0.message"],
  ["an unknown event type", { ...events[0], type: "wiggle" }, "events.0.type"],
])("refuses %s and stores nothing", async (_name, event, field) => {
  const before = await prisma.interactionEvent.count();
  const batch = makeBatch(SHOP_B, { pages: [page], events: [event as never] });
  const result = await post(batch);
  expect(result.status).toBe(400);
  expect(result.body.error.field).toBe(field);
  expect(await prisma.interactionEvent.count()).toBe(before);
});

it("takes the stored page view's viewport for events of a later batch", async () => {
  const first = makeBatch(SHOP_B, { pages: [page], events: [events[2]] });
  expect((await post(first)).status).toBe(200);
  const later = makeBatch(SHOP_B, {
    sessionId: first.sessionId,
    visitorId: first.visitorId,
    pages: [],
    events: [events[0]],
  });
  expect((await post(later)).status).toBe(200);
  const move = await prisma.interactionEvent.findFirstOrThrow({
    where: { batchId: later.batchId },
  });
  expect([move.viewportWidth, move.viewportHeight]).toEqual([1280, 800]);
});

it("refuses a batch that lists one page view twice", async () => {
  const before = await prisma.interactionEvent.count();
  const batch = makeBatch(SHOP_B, {
    pages: [page, { ...page, path: "/other", device: "mobile" }],
    events: [events[0]],
  });
  const result = await post(batch);
  expect(result.status).toBe(400);
  expect(result.body.error.field).toBe("pages.1.id");
  expect(await prisma.interactionEvent.count()).toBe(before);
});

it("refuses more than 20 errors for one page view", async () => {
  const errors = Array.from({ length: 21 }, (_, i) => ({
    ...events[5],
    at: T0 + i,
  }));
  const result = await post(
    makeBatch(SHOP_B, { pages: [page], events: errors as EventPayload[] }),
  );
  expect(result.status).toBe(400);
  expect(result.body.error.field).toBe("events.20");
});

it("calls a timestamp past 2100 a clock problem", async () => {
  const result = await post(
    makeBatch(SHOP_B, { pages: [page], events: [{ ...events[2], at: 1e20 }] }),
  );
  expect(result.body.error.message).toContain("after 2100");
});

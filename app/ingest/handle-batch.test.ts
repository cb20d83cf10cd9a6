import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import {
  T0,
  makeBatch,
  makeClick,
  makePage,
  makeScroll,
  postJson,
} from "../../test/support/batches";
import { handleBatch } from "./handle-batch.server";

const URL_COLLECT = "https://storelens.test/collect";
const logger = pino({ level: "silent" });
const now = () => new Date(T0 + 6000);
const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await handleBatch(postJson(URL_COLLECT, body, headers), {
    pool,
    logger,
    now,
  });
  return { status: response.status, body: await response.json() };
}

async function counts() {
  const [sessions, pageViews, events, batches] = await Promise.all([
    prisma.visitorSession.count(),
    prisma.pageView.count(),
    prisma.interactionEvent.count(),
    prisma.ingestBatch.count(),
  ]);
  return { sessions, pageViews, events, batches };
}

beforeAll(async () => {
  await prisma.shop.create({
    data: {
      domain: SHOP_A,
      storefrontOrigins: ["https://shop-a.example"],
      timezone: "Europe/Berlin",
    },
  });
  await prisma.shop.create({ data: { domain: SHOP_B } });
  await prisma.shop.create({
    data: { domain: "gone.myshopify.com", uninstalledAt: new Date() },
  });
});

describe("valid batches", () => {
  it("stores session, page view, click and scroll depth", async () => {
    const batch = makeBatch(SHOP_A);
    const result = await post(batch, { Origin: "https://shop-a.example" });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ ok: true, duplicate: false });

    const shop = await prisma.shop.findUniqueOrThrow({
      where: { domain: SHOP_A },
    });
    const session = await prisma.visitorSession.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: batch.sessionId } },
    });
    expect(session.landingPath).toBe("/products/linen-shirt");
    const click = await prisma.interactionEvent.findFirstOrThrow({
      where: { shopId: shop.id, sessionId: batch.sessionId, type: "click" },
    });
    expect(click.selector).toBe("#add-to-cart");
    expect(click.x).toBe(900);
    // Clock correction: the batch was sent at T0+5s and received at T0+6s.
    expect(click.occurredAt.getTime()).toBe(T0 + 1000 + 1000);
    expect(click.clientAt.getTime()).toBe(T0 + 1000);
    const view = await prisma.pageView.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: batch.pages[0].id } },
    });
    expect(view.maxScrollPx).toBe(1800);
    expect(view.documentHeight).toBe(3600);
    expect(shop.firstEventAt).not.toBeNull();
  });

  it("stores a retried batch once", async () => {
    const batch = makeBatch(SHOP_A);
    const first = await post(batch);
    const before = await counts();
    const retry = await post(batch);
    expect(first.body.duplicate).toBe(false);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it("accepts events for a page view sent in an earlier batch", async () => {
    const first = makeBatch(SHOP_A);
    await post(first);
    const later = {
      ...first,
      batchId: randomUUID(),
      pages: [],
      events: [makeScroll(first.pages[0], { maxDepthPx: 3000 })],
    };
    const result = await post(later);
    expect(result.status).toBe(200);
    const view = await prisma.pageView.findFirstOrThrow({
      where: { id: first.pages[0].id },
    });
    expect(view.maxScrollPx).toBe(3000);
  });

  it("never lowers the stored scroll depth", async () => {
    const first = makeBatch(SHOP_A);
    await post(first);
    await post({
      ...first,
      batchId: randomUUID(),
      pages: [],
      events: [makeScroll(first.pages[0], { maxDepthPx: 200 })],
    });
    const view = await prisma.pageView.findFirstOrThrow({
      where: { id: first.pages[0].id },
    });
    expect(view.maxScrollPx).toBe(1800);
  });

  it("flags a headless browser session as a bot", async () => {
    const batch = makeBatch(SHOP_A);
    await post(batch, {
      "User-Agent":
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
    });
    const session = await prisma.visitorSession.findFirstOrThrow({
      where: { id: batch.sessionId },
    });
    expect(session.isBot).toBe(true);
  });
});

describe("snapshot claims", () => {
  it("asks one page view per path, device and day for a snapshot", async () => {
    const page = makePage({ path: "/collections/all" });
    const first = await post(
      makeBatch(SHOP_A, { pages: [page], events: [makeClick(page)] }),
    );
    expect(first.body.snapshotPages).toEqual([page.id]);

    const samePath = makePage({ path: "/collections/all" });
    const second = await post(
      makeBatch(SHOP_A, { pages: [samePath], events: [makeClick(samePath)] }),
    );
    expect(second.body.snapshotPages).toEqual([]);

    const mobile = makePage({
      path: "/collections/all",
      device: "mobile",
      viewportWidth: 390,
      viewportHeight: 844,
    });
    const third = await post(
      makeBatch(SHOP_A, { pages: [mobile], events: [makeClick(mobile)] }),
    );
    expect(third.body.snapshotPages).toEqual([mobile.id]);
  });

  it("claims once when two page views of one path share a batch", async () => {
    const one = makePage({ path: "/pages/about" });
    const two = makePage({ path: "/pages/about" });
    const result = await post(
      makeBatch(SHOP_A, {
        pages: [one, two],
        events: [makeClick(one), makeClick(two)],
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body.snapshotPages).toHaveLength(1);
  });
});

describe("rejected batches", () => {
  const cases: [string, (batch: any) => unknown, string][] = [
    ["missing batchId", (b) => ({ ...b, batchId: undefined }), "batchId"],
    ["batchId not a UUID", (b) => ({ ...b, batchId: "abc" }), "batchId"],
    ["wrong version", (b) => ({ ...b, v: 2 }), "v"],
    ["shop not myshopify", (b) => ({ ...b, shop: "evil.com" }), "shop"],
    ["events not an array", (b) => ({ ...b, events: "x" }), "events"],
    ["no events", (b) => ({ ...b, events: [] }), "events"],
    ["x is a string", (b) => withEvent(b, { x: "12" }), "events.0.x"],
    ["x is negative", (b) => withEvent(b, { x: -1 }), "events.0.x"],
    ["y is NaN (null in JSON)", (b) => withEvent(b, { y: null }), "events.0.y"],
    ["y is huge", (b) => withEvent(b, { y: 1e12 }), "events.0.y"],
    [
      "offsetX above 1",
      (b) => withEvent(b, { offsetX: 1.5 }),
      "events.0.offsetX",
    ],
    [
      "empty selector",
      (b) => withEvent(b, { selector: "" }),
      "events.0.selector",
    ],
    [
      "selector too long",
      (b) => withEvent(b, { selector: "a".repeat(513) }),
      "events.0.selector",
    ],
    [
      "unknown event type",
      (b) => withEvent(b, { type: "swipe" }),
      "events.0.type",
    ],
    ["at before 2020", (b) => withEvent(b, { at: 1000 }), "events.0.at"],
    [
      "fixed not boolean",
      (b) => withEvent(b, { fixed: "yes" }),
      "events.0.fixed",
    ],
    [
      "viewport zero",
      (b) => withEvent(b, { viewportWidth: 0 }),
      "events.0.viewportWidth",
    ],
    [
      "path without slash",
      (b) => withPage(b, { path: "products" }),
      "pages.0.path",
    ],
    [
      "unknown device",
      (b) => withPage(b, { device: "watch" }),
      "pages.0.device",
    ],
    ["sessionId missing", (b) => ({ ...b, sessionId: undefined }), "sessionId"],
  ];

  it.each(cases)("%s", async (_name, mutate, field) => {
    const before = await counts();
    const result = await post(mutate(makeBatch(SHOP_A)));
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_field");
    expect(result.body.error.field).toBe(field);
    expect(result.body.error.message).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it("names a missing field as missing", async () => {
    const result = await post({ ...makeBatch(SHOP_A), visitorId: undefined });
    expect(result.body.error.message).toBe("visitorId is missing");
  });

  it("rejects malformed JSON", async () => {
    const result = await post('{"v":1,');
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_json");
  });

  it("rejects a JSON array", async () => {
    const result = await post("[]");
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("invalid_json");
  });

  it("rejects a 5 MB body without reading it whole", async () => {
    const before = await counts();
    const result = await post("x".repeat(5 * 1024 * 1024));
    expect(result.status).toBe(413);
    expect(result.body.error.code).toBe("payload_too_large");
    expect(await counts()).toEqual(before);
  });

  it("rejects 10,000 events in one batch", async () => {
    const batch = makeBatch(SHOP_A);
    const page = batch.pages[0];
    const compact = { ...makeClick(page), selector: "a" };
    batch.events = Array.from({ length: 10_000 }, () => compact);
    const body = JSON.stringify(batch);
    const result = await post(body);
    // Over the byte cap before the event cap is even checked.
    expect(body.length).toBeGreaterThan(256 * 1024);
    expect(result.status).toBe(413);
  });

  it("rejects 501 events under the byte cap", async () => {
    const batch = makeBatch(SHOP_A);
    const click = makeClick(batch.pages[0], { selector: "a" });
    batch.events = Array.from({ length: 501 }, () => click);
    const result = await post(batch);
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("events");
  });

  it("rejects an unknown shop", async () => {
    const result = await post(makeBatch("nobody.myshopify.com"));
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe("unknown_shop");
  });

  it("rejects a shop that uninstalled", async () => {
    const before = await counts();
    const result = await post(makeBatch("gone.myshopify.com"));
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe("shop_uninstalled");
    expect(await counts()).toEqual(before);
  });

  it("rejects a browser origin that is not the shop's storefront", async () => {
    const before = await counts();
    const result = await post(makeBatch(SHOP_A), {
      Origin: "https://shop-b.example",
    });
    expect(result.status).toBe(403);
    expect(result.body.error.code).toBe("origin_not_allowed");
    expect(await counts()).toEqual(before);
  });

  it("accepts the shop's myshopify origin", async () => {
    const result = await post(makeBatch(SHOP_B), {
      Origin: `https://${SHOP_B}`,
    });
    expect(result.status).toBe(200);
  });

  it("rejects events for a page view of another session", async () => {
    const first = makeBatch(SHOP_A);
    await post(first);
    const before = await counts();
    const stranger = makeBatch(SHOP_A, {
      pages: [],
      events: [makeClick(first.pages[0])],
    });
    const result = await post(stranger);
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe("page_of_another_visit");
    expect(result.body.error.field).toBe("events.0.page");
    expect(await counts()).toEqual(before);
  });

  it("keeps shops apart when both send the same ids", async () => {
    const batch = makeBatch(SHOP_A);
    await post(batch);
    const result = await post({ ...batch, shop: SHOP_B });
    expect(result.status).toBe(200);
    expect(result.body.duplicate).toBe(false);
    const shopB = await prisma.shop.findUniqueOrThrow({
      where: { domain: SHOP_B },
    });
    expect(
      await prisma.interactionEvent.count({
        where: { shopId: shopB.id, sessionId: batch.sessionId },
      }),
    ).toBe(2);
  });
});

function withEvent(batch: any, patch: Record<string, unknown>) {
  return {
    ...batch,
    events: [{ ...batch.events[0], ...patch }, batch.events[1]],
  };
}

function withPage(batch: any, patch: Record<string, unknown>) {
  return { ...batch, pages: [{ ...batch.pages[0], ...patch }] };
}

describe("strings PostgreSQL cannot store", () => {
  it("rejects a NUL character with the field named", async () => {
    const batch = makeBatch(SHOP_A);
    const result = await post(withEvent(batch, { selector: "#a\u0000b" }));
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe("events.0.selector");
  });

  it("stores a lone surrogate as U+FFFD", async () => {
    const batch = makeBatch(SHOP_A);
    const result = await post(withEvent(batch, { selector: "#a\ud800b" }));
    expect(result.status).toBe(200);
    const click = await prisma.interactionEvent.findFirstOrThrow({
      where: { sessionId: batch.sessionId, type: "click" },
    });
    expect(click.selector).toBe("#a\ufffdb");
  });

  it("rejects deep nesting without crashing", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const result = await post(`{"v":1,"pages":${deep}}`);
    expect(result.status).toBe(400);
  });
});

describe("page views of other visits", () => {
  it("rejects a batch that names another visit's page view", async () => {
    const victim = makeBatch(SHOP_A);
    await post(victim);
    const before = await prisma.pageView.findFirstOrThrow({
      where: { id: victim.pages[0].id },
    });
    const hijack = makeBatch(SHOP_A, {
      pages: [{ ...victim.pages[0], path: "/injected", device: "mobile" }],
      events: [makeScroll(victim.pages[0], { maxDepthPx: 3600 })],
    });
    const result = await post(hijack);
    expect(result.status).toBe(409);
    expect(result.body.error.code).toBe("page_of_another_visit");
    expect(result.body.error.field).toBe("pages.0.id");
    const after = await prisma.pageView.findFirstOrThrow({
      where: { id: victim.pages[0].id },
    });
    expect(after).toEqual(before);
  });
});

describe("clock correction", () => {
  it("keeps corrected times within the month before receipt", async () => {
    const page = makePage({ startedAt: Date.UTC(2020, 0, 2) });
    const batch = makeBatch(SHOP_A, {
      sentAt: Date.UTC(2099, 0, 1),
      pages: [page],
      events: [makeClick(page, { at: Date.UTC(2020, 0, 2) })],
    });
    expect((await post(batch)).status).toBe(200);
    const click = await prisma.interactionEvent.findFirstOrThrow({
      where: { sessionId: batch.sessionId },
    });
    const received = now().getTime();
    expect(click.occurredAt.getTime()).toBeGreaterThanOrEqual(
      received - 31 * 86_400_000,
    );
    expect(click.occurredAt.getTime()).toBeLessThanOrEqual(received);
  });
});

describe("sessions of other visitors", () => {
  it("rejects a batch that names another visitor's session", async () => {
    const owner = makeBatch(SHOP_A);
    await post(owner);
    const before = await prisma.visitorSession.findFirstOrThrow({
      where: { id: owner.sessionId },
    });
    const intruder = makeBatch(SHOP_A, { sessionId: owner.sessionId });
    const result = await post(intruder, {
      "User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)",
    });
    expect(result.status).toBe(409);
    expect(result.body.error.field).toBe("sessionId");
    const after = await prisma.visitorSession.findFirstOrThrow({
      where: { id: owner.sessionId },
    });
    expect(after).toEqual(before);
  });
});

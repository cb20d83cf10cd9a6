import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import type { BatchPayload, ShopifyEventPayload } from "./payload-types";
import { T0, makeBatch, postJson } from "../../test/support/batches";
import { handleBatch } from "./handle-batch.server";

const SHOP = "pixel.myshopify.com";
const logger = pino({ level: "silent" });
const now = () => new Date(T0 + 6000);

function shopifyEvent(
  overrides: Partial<ShopifyEventPayload> = {},
): ShopifyEventPayload {
  return {
    type: "shopify",
    id: `sh-${randomUUID()}`,
    name: "product_viewed",
    at: T0 + 1000,
    path: "/products/linen-shirt",
    productId: "632910392",
    variantId: "808950810",
    ...overrides,
  };
}

function pixelBatch(overrides: Partial<BatchPayload> = {}): BatchPayload {
  return {
    v: 1,
    batchId: randomUUID(),
    shop: SHOP,
    visitorId: randomUUID(),
    sessionId: randomUUID(),
    sentAt: T0 + 5000,
    pages: [],
    events: [shopifyEvent()],
    source: "pixel",
    clientId: "client-1",
    ...overrides,
  };
}

async function post(body: unknown, userAgent?: string) {
  const response = await handleBatch(
    postJson(
      "https://storelens.test/collect",
      body,
      userAgent ? { "User-Agent": userAgent } : {},
    ),
    { pool, logger, now },
  );
  return { status: response.status, body: await response.json() };
}

async function storedEvents() {
  return prisma.storefrontEvent.count();
}

let shopId: string;

beforeAll(async () => {
  const shop = await prisma.shop.create({
    data: { domain: SHOP, storefrontOrigins: ["https://fernwood.example"] },
  });
  shopId = shop.id;
});

describe("pixel batches", () => {
  it("stores Shopify events with their ids and amounts", async () => {
    const added = shopifyEvent({
      name: "product_added_to_cart",
      quantity: 2,
      amount: 39.98,
      currency: "EUR",
    });
    const batch = pixelBatch({ events: [added] });
    const result = await post(batch);
    expect(result.status).toBe(200);
    const row = await prisma.storefrontEvent.findFirstOrThrow({
      where: { shopifyEventId: added.id },
    });
    expect(row.name).toBe("product_added_to_cart");
    expect(row.amount?.toString()).toBe("39.98");
    expect(row.currency).toBe("EUR");
    expect(row.clientId).toBe("client-1");
    expect(row.sessionId).toBe(batch.sessionId);
  });

  it("stores a checkout_completed delivered three times once", async () => {
    const completed = shopifyEvent({
      name: "checkout_completed",
      orderId: "450789469",
      amount: 80,
      currency: "EUR",
    });
    const sessionId = randomUUID();
    const first = pixelBatch({ sessionId, events: [completed] });
    await post(first);
    // The same batch again (a retry), then the event in a new batch.
    await post(first);
    await post(pixelBatch({ sessionId, events: [completed, completed] }));
    expect(
      await prisma.storefrontEvent.count({
        where: { shopifyEventId: completed.id },
      }),
    ).toBe(1);
  });

  it("links an order without a cart attribute to the visit", async () => {
    await prisma.order.create({
      data: {
        shopId,
        id: "777001",
        processedAt: new Date(T0),
        currency: "EUR",
        totalPrice: "30.00",
      },
    });
    const batch = pixelBatch({
      events: [shopifyEvent({ name: "checkout_completed", orderId: "777001" })],
    });
    await post(batch);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId, id: "777001" } },
    });
    expect(order.sessionId).toBe(batch.sessionId);
  });

  it("never replaces an order's cart attribute link", async () => {
    const cartSession = randomUUID();
    await prisma.order.create({
      data: {
        shopId,
        id: "777002",
        processedAt: new Date(T0),
        currency: "EUR",
        totalPrice: "30.00",
        sessionId: cartSession,
      },
    });
    await post(
      pixelBatch({
        events: [
          shopifyEvent({ name: "checkout_completed", orderId: "777002" }),
        ],
      }),
    );
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId, id: "777002" } },
    });
    expect(order.sessionId).toBe(cartSession);
  });

  it("joins embed and pixel batches of one visit", async () => {
    const embed = makeBatch(SHOP);
    await post(embed);
    await post(
      pixelBatch({
        visitorId: embed.visitorId,
        sessionId: embed.sessionId,
        clientId: "client-joined",
      }),
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
    );
    const sessions = await prisma.visitorSession.findMany({
      where: { shopId, id: embed.sessionId },
    });
    expect(sessions).toHaveLength(1);
    expect(sessions[0].clientId).toBe("client-joined");
    // The storefront script measured a desktop viewport; the pixel's user
    // agent does not override it.
    expect(sessions[0].device).toBe("desktop");
  });

  it("takes a later viewport's device", async () => {
    const pixel = pixelBatch();
    await post(
      pixel,
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148",
    );
    const guessed = await prisma.visitorSession.findFirstOrThrow({
      where: { shopId, id: pixel.sessionId },
    });
    expect(guessed.device).toBe("mobile");

    // The storefront script then measures a desktop-wide viewport, which
    // replaces the user agent's guess.
    await post(
      makeBatch(SHOP, {
        visitorId: pixel.visitorId,
        sessionId: pixel.sessionId,
      }),
    );
    const measured = await prisma.visitorSession.findFirstOrThrow({
      where: { shopId, id: pixel.sessionId },
    });
    expect(measured.device).toBe("desktop");
  });
});

describe("traffic source", () => {
  it("takes the channel from the landing page", async () => {
    const batch = pixelBatch({
      landing: {
        path: "/products/linen-shirt",
        referrer: "https://www.google.com/",
        utmSource: "google",
        utmMedium: "cpc",
        utmCampaign: "summer",
      },
    });
    await post(batch);
    const session = await prisma.visitorSession.findFirstOrThrow({
      where: { id: batch.sessionId },
    });
    expect(session.channel).toBe("paid");
    expect(session.utmCampaign).toBe("summer");
    expect(session.landingPath).toBe("/products/linen-shirt");
  });

  it("keeps the first source of a visit", async () => {
    const batch = pixelBatch({
      landing: { path: "/", referrer: "https://www.instagram.com/" },
    });
    await post(batch);
    await post({
      ...batch,
      batchId: randomUUID(),
      events: [shopifyEvent()],
      landing: { path: "/cart", referrer: "https://www.paypal.com/" },
    });
    const session = await prisma.visitorSession.findFirstOrThrow({
      where: { id: batch.sessionId },
    });
    expect(session.channel).toBe("social");
    expect(session.landingPath).toBe("/");
  });

  it("gives a visit that returns from PayPal the previous channel", async () => {
    const visitorId = randomUUID();
    await post(
      pixelBatch({
        visitorId,
        landing: { path: "/", referrer: "https://www.bing.com/" },
      }),
    );
    const returning = pixelBatch({
      visitorId,
      sentAt: T0 + 5000,
      landing: {
        path: "/checkouts/thank-you",
        referrer: "https://www.paypal.com/checkoutnow",
      },
    });
    await post(returning);
    const session = await prisma.visitorSession.findFirstOrThrow({
      where: { id: returning.sessionId },
    });
    expect(session.channel).toBe("organic_search");
  });
});

describe("rejected pixel events", () => {
  const cases: [string, Partial<ShopifyEventPayload>, string][] = [
    ["negative amount", { amount: -5, currency: "EUR" }, "events.0.amount"],
    ["amount without currency", { amount: 5 }, "events.0.currency"],
    ["lowercase currency", { amount: 5, currency: "eur" }, "events.0.currency"],
    [
      "order name as id",
      { name: "checkout_completed", orderId: "#1001" },
      "events.0.orderId",
    ],
    [
      "GraphQL id",
      { variantId: "gid://shopify/ProductVariant/1" },
      "events.0.variantId",
    ],
    [
      "checkout without order id",
      { name: "checkout_completed" },
      "events.0.orderId",
    ],
    ["unknown event name", { name: "input_changed" as never }, "events.0.name"],
  ];

  it.each(cases)("%s", async (_name, patch, field) => {
    const before = await storedEvents();
    const result = await post(pixelBatch({ events: [shopifyEvent(patch)] }));
    expect(result.status).toBe(400);
    expect(result.body.error.field).toBe(field);
    expect(result.body.error.message).toMatch(
      new RegExp(`^${field.replaceAll(".", "\\.")} `),
    );
    expect(await storedEvents()).toBe(before);
  });
});

describe("order claims", () => {
  it("needs the order's checkout token to link it", async () => {
    await prisma.order.create({
      data: {
        shopId,
        id: "777003",
        processedAt: new Date(T0),
        currency: "EUR",
        totalPrice: "30.00",
        checkoutToken: "tok_real",
      },
    });
    await post(
      pixelBatch({
        events: [
          shopifyEvent({
            name: "checkout_completed",
            orderId: "777003",
            checkoutToken: "tok_guess",
          }),
        ],
      }),
    );
    const unclaimed = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId, id: "777003" } },
    });
    expect(unclaimed.sessionId).toBeNull();

    const buyer = pixelBatch({
      events: [
        shopifyEvent({
          name: "checkout_completed",
          orderId: "777003",
          checkoutToken: "tok_real",
        }),
      ],
    });
    await post(buyer);
    const claimed = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId, id: "777003" } },
    });
    expect(claimed.sessionId).toBe(buyer.sessionId);
  });
});

import { createHmac, randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { makeBatch, postJson } from "../../test/support/batches";
import { statusOf, type Action } from "../../test/support/webhook-delivery";
import {
  storeOfflineSession,
  webhookRequest,
} from "../../test/support/shopify";
import { action as customersDataRequest } from "./webhooks.customers.data_request";
import { action as customersRedact } from "./webhooks.customers.redact";
import { action as appUninstalled } from "./webhooks.app.uninstalled";
import { action as shopRedact } from "./webhooks.shop.redact";

const deliver = (action: Action, request: Request) => statusOf(action, request);

async function ingest(shop: string) {
  const batch = makeBatch(shop);
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    { pool, logger: pino({ level: "silent" }) },
  );
  return { batch, status: response.status };
}

async function shopWithData(domain: string) {
  await prisma.shop.create({ data: { domain } });
  await storeOfflineSession(domain);
  const first = await ingest(domain);
  const second = await ingest(domain);
  return { first: first.batch, second: second.batch };
}

describe("webhook signatures", () => {
  const topics: [string, Action][] = [
    ["APP_UNINSTALLED", appUninstalled as Action],
    ["SHOP_REDACT", shopRedact as Action],
    ["CUSTOMERS_REDACT", customersRedact as Action],
    ["CUSTOMERS_DATA_REQUEST", customersDataRequest as Action],
  ];

  it.each(topics)("%s with a bad HMAC gets 401", async (topic, action) => {
    await prisma.shop.create({
      data: {
        domain: `hmac-${topic.toLowerCase().replaceAll("_", "-")}.myshopify.com`,
      },
    });
    const request = webhookRequest({
      topic,
      shop: "hmac-shop.myshopify.com",
      body: { shop_domain: "hmac-shop.myshopify.com" },
      secret: "not-the-app-secret",
    });
    expect(await deliver(action, request)).toBe(401);
  });

  it("rejects a body changed after signing", async () => {
    const signed = webhookRequest({
      topic: "SHOP_REDACT",
      shop: "tamper.myshopify.com",
      body: { shop_domain: "tamper.myshopify.com" },
    });
    const tampered = new Request(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: JSON.stringify({ shop_domain: "victim.myshopify.com" }),
    });
    expect(await deliver(shopRedact as Action, tampered)).toBe(401);
  });
});

describe("webhook bodies", () => {
  it("rejects a declared body over the cap before reading it", async () => {
    const request = new Request(
      `${process.env.SHOPIFY_APP_URL}/webhooks/shop/redact`,
      {
        method: "POST",
        headers: {
          "Content-Length": String(50 * 1024 * 1024),
          "X-Shopify-Topic": "shop/redact",
        },
        body: "{}",
      },
    );
    expect(await deliver(shopRedact as Action, request)).toBe(413);
  });

  it("answers a signed body that is not JSON with 400", async () => {
    const raw = "{not json";
    const hmac = createHmac("sha256", process.env.SHOPIFY_API_SECRET!)
      .update(raw, "utf8")
      .digest("base64");
    const request = new Request(
      `${process.env.SHOPIFY_APP_URL}/webhooks/shop/redact`,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Hmac-Sha256": hmac,
          "X-Shopify-Topic": "shop/redact",
          "X-Shopify-Shop-Domain": "json.myshopify.com",
          "X-Shopify-API-Version": "2025-10",
          "X-Shopify-Webhook-Id": randomUUID(),
        },
        body: raw,
      },
    );
    expect(await deliver(shopRedact as Action, request)).toBe(400);
  });
});

describe("app/uninstalled", () => {
  it("deletes sessions, marks the shop and stops its ingest", async () => {
    const domain = "leaving.myshopify.com";
    await shopWithData(domain);
    const status = await deliver(
      appUninstalled as Action,
      webhookRequest({ topic: "APP_UNINSTALLED", shop: domain, body: {} }),
    );
    expect(status).toBe(200);
    expect(await prisma.session.count({ where: { shop: domain } })).toBe(0);
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
    expect(shop.uninstalledAt).not.toBeNull();
    const after = await ingest(domain);
    expect(after.status).toBe(403);
    // Captured data stays until shop/redact, 48 hours later.
    expect(
      await prisma.interactionEvent.count({ where: { shopId: shop.id } }),
    ).toBe(4);
  });

  it("ignores a repeated delivery of the same webhook", async () => {
    const domain = "twice.myshopify.com";
    await shopWithData(domain);
    const webhookId = randomUUID();
    const request = () =>
      webhookRequest({
        topic: "APP_UNINSTALLED",
        shop: domain,
        body: {},
        webhookId,
      });
    expect(await deliver(appUninstalled as Action, request())).toBe(200);
    // The merchant reinstalls before Shopify retries the old delivery.
    await prisma.shop.update({
      where: { domain },
      data: { uninstalledAt: null },
    });
    expect(await deliver(appUninstalled as Action, request())).toBe(200);
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
    expect(shop.uninstalledAt).toBeNull();
  });
});

describe("shop/redact", () => {
  it("deletes every row of that shop and none of another", async () => {
    await shopWithData("redacted.myshopify.com");
    await shopWithData("neighbour.myshopify.com");
    const neighbour = await prisma.shop.findUniqueOrThrow({
      where: { domain: "neighbour.myshopify.com" },
    });
    const before = await prisma.interactionEvent.count({
      where: { shopId: neighbour.id },
    });

    const status = await deliver(
      shopRedact as Action,
      webhookRequest({
        topic: "SHOP_REDACT",
        shop: "redacted.myshopify.com",
        body: { shop_id: 1, shop_domain: "redacted.myshopify.com" },
      }),
    );
    expect(status).toBe(200);
    expect(
      await prisma.shop.count({ where: { domain: "redacted.myshopify.com" } }),
    ).toBe(0);
    expect(
      await prisma.session.count({ where: { shop: "redacted.myshopify.com" } }),
    ).toBe(0);
    const orphans = await pool.query(
      `SELECT count(*)::int AS n FROM "InteractionEvent" e
       WHERE NOT EXISTS (SELECT 1 FROM "Shop" s WHERE s.id = e."shopId")`,
    );
    expect(orphans.rows[0].n).toBe(0);
    expect(
      await prisma.interactionEvent.count({ where: { shopId: neighbour.id } }),
    ).toBe(before);
  });
});

describe("customers/redact", () => {
  it("deletes the customer's visits and keeps the others", async () => {
    const domain = "privacy.myshopify.com";
    const { first, second } = await shopWithData(domain);
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
    await prisma.visitorSession.update({
      where: { shopId_id: { shopId: shop.id, id: first.sessionId } },
      data: { customerId: "7001" },
    });
    await prisma.pageSnapshot.create({
      data: {
        shopId: shop.id,
        path: "/account",
        device: "desktop",
        day: new Date("2026-11-20"),
        pageViewId: first.pages[0].id,
        viewportWidth: 1440,
        viewportHeight: 900,
        documentHeight: 2000,
        data: Buffer.from("x"),
        byteSize: 1,
      },
    });

    const status = await deliver(
      customersRedact as Action,
      webhookRequest({
        topic: "CUSTOMERS_REDACT",
        shop: domain,
        body: {
          shop_domain: domain,
          customer: { id: 7001, email: "jane@example.com" },
          orders_to_redact: [],
        },
      }),
    );
    expect(status).toBe(200);
    const remaining = await prisma.visitorSession.findMany({
      where: { shopId: shop.id },
      select: { id: true },
    });
    expect(remaining.map((s) => s.id)).toEqual([second.sessionId]);
    expect(
      await prisma.interactionEvent.count({
        where: { shopId: shop.id, sessionId: first.sessionId },
      }),
    ).toBe(0);
    expect(
      await prisma.pageView.count({
        where: { shopId: shop.id, sessionId: first.sessionId },
      }),
    ).toBe(0);
    expect(
      await prisma.pageSnapshot.count({ where: { shopId: shop.id } }),
    ).toBe(0);
    expect(
      await prisma.interactionEvent.count({
        where: { shopId: shop.id, sessionId: second.sessionId },
      }),
    ).toBe(2);
  });

  it("deletes visits linked through the customer's orders", async () => {
    const domain = "orders-privacy.myshopify.com";
    const { first, second } = await shopWithData(domain);
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
    await prisma.order.create({
      data: {
        shopId: shop.id,
        id: "5550001",
        processedAt: new Date(),
        currency: "EUR",
        totalPrice: "10.00",
        sessionId: first.sessionId,
        customerId: "8001",
      },
    });
    const status = await deliver(
      customersRedact as Action,
      webhookRequest({
        topic: "CUSTOMERS_REDACT",
        shop: domain,
        body: {
          shop_domain: domain,
          customer: { id: 8001 },
          orders_to_redact: [5550001],
        },
      }),
    );
    expect(status).toBe(200);
    const remaining = await prisma.visitorSession.findMany({
      where: { shopId: shop.id },
      select: { id: true },
    });
    expect(remaining.map((s) => s.id)).toEqual([second.sessionId]);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.id, id: "5550001" } },
    });
    expect(order.customerId).toBeNull();
    expect(order.sessionId).toBeNull();
  });

  it("answers a data request with 200", async () => {
    const domain = "asks.myshopify.com";
    await shopWithData(domain);
    const status = await deliver(
      customersDataRequest as Action,
      webhookRequest({
        topic: "CUSTOMERS_DATA_REQUEST",
        shop: domain,
        body: {
          shop_domain: domain,
          customer: { id: 9 },
          orders_requested: [],
        },
      }),
    );
    expect(status).toBe(200);
  });
});

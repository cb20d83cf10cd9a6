import { randomUUID } from "node:crypto";
import { pool, prisma } from "~/db.server";
import { logger } from "~/logger.server";
import { netRevenueTotals } from "~/orders/net-revenue.server";
import {
  FIXTURE_ORDER_BASE,
  moneyBag,
  restOrder,
  restRefund,
} from "~/orders/test-fixtures";
import { MAX_WEBHOOK_BYTES } from "~/webhook-auth.server";
import {
  deliver,
  deliverOrderWebhook,
  ORDER_WEBHOOK_ACTIONS,
  type Action,
} from "../../test/support/webhook-delivery";
import { webhookRequest } from "../../test/support/shopify";

const SESSION = "0b7f3c7e-5d1a-4c2b-9e8f-1a2b3c4d5e6f";
const WHOLE_RANGE = {
  from: new Date("2026-01-01T00:00:00Z"),
  to: new Date("2027-01-01T00:00:00Z"),
};

const paid = (shop: string, body: unknown, webhookId?: string) =>
  deliverOrderWebhook("orders/paid", shop, body, webhookId);
const updated = (shop: string, body: unknown, webhookId?: string) =>
  deliverOrderWebhook("orders/updated", shop, body, webhookId);
const refunded = (shop: string, body: unknown, webhookId?: string) =>
  deliverOrderWebhook("refunds/create", shop, body, webhookId);

async function createShop(domain: string, currency = "EUR") {
  return prisma.shop.create({ data: { domain, currency } });
}

function orderRow(shopId: string, number: number) {
  return prisma.order.findUnique({
    where: {
      shopId_id: { shopId, id: String(FIXTURE_ORDER_BASE + number) },
    },
  });
}

describe("order webhook signatures", () => {
  const routes = Object.entries(ORDER_WEBHOOK_ACTIONS);

  it.each(routes)("%s with a bad HMAC gets 401", async (topic, action) => {
    const domain = `hmac-${topic.replace("/", "-")}.myshopify.com`;
    const shop = await createShop(domain);
    const status = await deliver(action, topic, domain, restOrder(1), {
      secret: "not-the-app-secret",
    });
    expect(status).toBe(401);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(0);
  });
});

describe("orders/paid", () => {
  it("stores the order in shop money", async () => {
    const shop = await createShop("paid.myshopify.com");
    const payload = restOrder(1, {
      note_attributes: [{ name: "_storelens_session", value: SESSION }],
      total_price_set: {
        shop_money: { amount: "20.00", currency_code: "EUR" },
        presentment_money: { amount: "23.10", currency_code: "USD" },
      },
    });
    expect(await paid("paid.myshopify.com", payload)).toBe(200);

    const row = await orderRow(shop.id, 1);
    expect(row).not.toBeNull();
    expect(row!.id).toBe("5000000000001");
    expect(row!.name).toBe("#1001");
    expect(row!.totalPrice.toFixed(2)).toBe("20.00");
    expect(row!.currency).toBe("EUR");
    expect(row!.processedAt.toISOString()).toBe("2026-11-02T09:00:00.000Z");
    expect(row!.shopifyUpdatedAt!.toISOString()).toBe(
      "2026-11-02T09:00:05.000Z",
    );
    expect(row!.sessionId).toBe(SESSION);
    expect(row!.checkoutToken).toBe("checkout-1");
    expect(row!.customerId).toBe("7001");
    expect(row!.financialStatus).toBe("paid");
    expect(row!.test).toBe(false);
    expect(row!.cancelledAt).toBeNull();
  });

  it("takes the visit from an earlier pixel event", async () => {
    const shop = await createShop("pixel.myshopify.com");
    const pixelSession = randomUUID();
    for (const number of [1, 2]) {
      await prisma.storefrontEvent.create({
        data: {
          shopId: shop.id,
          sessionId: pixelSession,
          name: "checkout_completed",
          shopifyEventId: `event-${number}`,
          occurredAt: new Date("2026-11-02T09:00:30Z"),
          orderId: String(FIXTURE_ORDER_BASE + number),
          checkoutToken: `checkout-${number}`,
          batchId: randomUUID(),
        },
      });
    }
    // An unsigned event that guesses the order id without its token.
    await prisma.storefrontEvent.create({
      data: {
        shopId: shop.id,
        sessionId: randomUUID(),
        name: "checkout_completed",
        shopifyEventId: "event-guess",
        occurredAt: new Date("2026-11-02T08:59:00Z"),
        orderId: String(FIXTURE_ORDER_BASE + 1),
        checkoutToken: "guessed",
        batchId: randomUUID(),
      },
    });
    await paid("pixel.myshopify.com", restOrder(1));
    await paid(
      "pixel.myshopify.com",
      restOrder(2, {
        note_attributes: [{ name: "_storelens_session", value: SESSION }],
      }),
    );

    expect((await orderRow(shop.id, 1))!.sessionId).toBe(pixelSession);
    // The cart attribute is the stronger link.
    expect((await orderRow(shop.id, 2))!.sessionId).toBe(SESSION);
  });

  it("logs one line per delivery", async () => {
    await createShop("logged.myshopify.com");
    const calls = [
      vi.spyOn(logger, "info"),
      vi.spyOn(logger, "warn"),
      vi.spyOn(logger, "error"),
    ];
    try {
      await paid("logged.myshopify.com", restOrder(1));
      const total = calls.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
      expect(total).toBe(1);
      expect(calls[0].mock.calls[0][1]).toBe("order webhook processed");
    } finally {
      calls.forEach((spy) => spy.mockRestore());
    }
  });

  it("ignores a repeated delivery of the same webhook", async () => {
    const shop = await createShop("replay.myshopify.com");
    const webhookId = randomUUID();
    expect(await paid("replay.myshopify.com", restOrder(1), webhookId)).toBe(
      200,
    );
    // Were the retry processed, it would restore the total.
    await prisma.order.update({
      where: { shopId_id: { shopId: shop.id, id: "5000000000001" } },
      data: { totalPrice: "1.00" },
    });
    expect(await paid("replay.myshopify.com", restOrder(1), webhookId)).toBe(
      200,
    );
    const row = await orderRow(shop.id, 1);
    expect(row!.totalPrice.toFixed(2)).toBe("1.00");
    expect(
      await prisma.webhookDelivery.count({ where: { id: webhookId } }),
    ).toBe(1);
  });

  it("never lets an older delivery overwrite a newer one", async () => {
    const shop = await createShop("late.myshopify.com");
    const cancelled = restOrder(1, {
      updated_at: "2026-11-03T08:00:00Z",
      cancelled_at: "2026-11-03T08:00:00Z",
      financial_status: "voided",
    });
    expect(await updated("late.myshopify.com", cancelled)).toBe(200);
    // orders/paid of the same order arrives late, with an older updated_at.
    expect(await paid("late.myshopify.com", restOrder(1))).toBe(200);

    let row = await orderRow(shop.id, 1);
    expect(row!.cancelledAt!.toISOString()).toBe("2026-11-03T08:00:00.000Z");
    expect(row!.financialStatus).toBe("voided");
    expect(row!.shopifyUpdatedAt!.toISOString()).toBe(
      "2026-11-03T08:00:00.000Z",
    );

    const reopened = restOrder(1, {
      updated_at: "2026-11-04T08:00:00Z",
      total_price_set: moneyBag("25.00"),
    });
    expect(await updated("late.myshopify.com", reopened)).toBe(200);
    row = await orderRow(shop.id, 1);
    expect(row!.cancelledAt).toBeNull();
    expect(row!.totalPrice.toFixed(2)).toBe("25.00");
  });

  it("counts a checkout reported by paid and updated once", async () => {
    const shop = await createShop("twice.myshopify.com");
    await paid("twice.myshopify.com", restOrder(1));
    await updated(
      "twice.myshopify.com",
      restOrder(1, { updated_at: "2026-11-02T10:05:00+01:00" }),
    );
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.orders).toBe(1);
    expect(totals.net.toFixed(2)).toBe("20.00");
  });

  it("joins a global id and a plain id on one row", async () => {
    const shop = await createShop("ids.myshopify.com");
    await paid(
      "ids.myshopify.com",
      restOrder(1, { admin_graphql_api_id: undefined, id: "5000000000001" }),
    );
    await updated(
      "ids.myshopify.com",
      restOrder(1, {
        id: undefined,
        admin_graphql_api_id: "gid://shopify/Order/5000000000001",
        updated_at: "2026-11-02T11:00:00+01:00",
      }),
    );
    // refunds/create names its order by the plain number only.
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "5.00" });
    expect(await refunded("ids.myshopify.com", refund)).toBe(200);

    const orders = await prisma.order.findMany({ where: { shopId: shop.id } });
    expect(orders.map((order) => order.id)).toEqual(["5000000000001"]);
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.refunds.toFixed(2)).toBe("5.00");
    expect(totals.net.toFixed(2)).toBe("15.00");
  });

  it("never stores an order name as an id", async () => {
    const shop = await createShop("names.myshopify.com");
    await paid("names.myshopify.com", restOrder(1));
    const byName = restOrder(2, { id: "#1002", admin_graphql_api_id: null });
    expect(await paid("names.myshopify.com", byName)).toBe(422);

    const rows = await prisma.order.findMany({ where: { shopId: shop.id } });
    expect(rows.map((row) => [row.id, row.name])).toEqual([
      ["5000000000001", "#1001"],
    ]);
  });

  it("answers 200 for an unknown shop and stores nothing", async () => {
    const webhookId = randomUUID();
    const before = await prisma.order.count();
    const status = await paid(
      "stranger.myshopify.com",
      restOrder(1),
      webhookId,
    );
    expect(status).toBe(200);
    expect(await prisma.order.count()).toBe(before);
    expect(
      await prisma.webhookDelivery.count({ where: { id: webhookId } }),
    ).toBe(0);
  });
});

describe("invalid order payloads", () => {
  it("rejects a negative total and keeps the stored row", async () => {
    const shop = await createShop("negative.myshopify.com");
    await paid("negative.myshopify.com", restOrder(1));
    const webhookId = randomUUID();
    const negative = restOrder(1, {
      updated_at: "2026-11-05T00:00:00Z",
      total_price_set: moneyBag("-20.00"),
    });
    const error = vi.spyOn(logger, "error");
    try {
      expect(await updated("negative.myshopify.com", negative, webhookId)).toBe(
        422,
      );
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({
          problems: [
            "total_price_set.shop_money is negative (-20 EUR): amounts must be zero or more",
          ],
        }),
        "order webhook rejected",
      );
    } finally {
      error.mockRestore();
    }

    const row = await orderRow(shop.id, 1);
    expect(row!.totalPrice.toFixed(2)).toBe("20.00");
    expect(row!.shopifyUpdatedAt!.toISOString()).toBe(
      "2026-11-02T09:00:05.000Z",
    );
    // Not recorded, so Shopify's retry is processed once the cause is fixed.
    expect(
      await prisma.webhookDelivery.count({ where: { id: webhookId } }),
    ).toBe(0);
  });

  it("rejects a missing currency and keeps the stored row", async () => {
    const shop = await createShop("nocurrency.myshopify.com");
    await paid("nocurrency.myshopify.com", restOrder(1));
    const missing = restOrder(1, {
      updated_at: "2026-11-05T00:00:00Z",
      total_price_set: { shop_money: { amount: "99.00" } },
    });
    expect(await updated("nocurrency.myshopify.com", missing)).toBe(422);
    const row = await orderRow(shop.id, 1);
    expect(row!.totalPrice.toFixed(2)).toBe("20.00");
    expect(row!.currency).toBe("EUR");
  });

  it("rejects a refund without a currency and stores no refund", async () => {
    const shop = await createShop("badrefund.myshopify.com");
    await paid("badrefund.myshopify.com", restOrder(1));
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "5.00" });
    (refund.transactions[0] as { currency?: string }).currency = undefined;
    expect(await refunded("badrefund.myshopify.com", refund)).toBe(422);
    expect(await prisma.orderRefund.count({ where: { shopId: shop.id } })).toBe(
      0,
    );
  });
});

describe("orders/cancelled", () => {
  it("marks the order cancelled, worth nothing", async () => {
    const shop = await createShop("cancel.myshopify.com");
    await paid("cancel.myshopify.com", restOrder(1));
    await paid("cancel.myshopify.com", restOrder(2));
    const status = await deliver(
      ORDER_WEBHOOK_ACTIONS["orders/cancelled"],
      "orders/cancelled",
      "cancel.myshopify.com",
      restOrder(2, {
        updated_at: "2026-11-02T12:00:00+01:00",
        cancelled_at: "2026-11-02T12:00:00+01:00",
        financial_status: "voided",
      }),
    );
    expect(status).toBe(200);
    const row = await orderRow(shop.id, 2);
    expect(row!.cancelledAt!.toISOString()).toBe("2026-11-02T11:00:00.000Z");
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("20.00");
  });
});

describe("refunds", () => {
  it("stores a refund reported twice once", async () => {
    const shop = await createShop("refund.myshopify.com");
    await paid("refund.myshopify.com", restOrder(1));
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "20.00" });
    expect(await refunded("refund.myshopify.com", refund)).toBe(200);
    const withRefund = restOrder(1, {
      updated_at: "2026-11-05T10:00:00Z",
      financial_status: "refunded",
      refunds: [refund],
    });
    expect(await updated("refund.myshopify.com", withRefund)).toBe(200);

    const refunds = await prisma.orderRefund.findMany({
      where: { shopId: shop.id },
    });
    expect(refunds).toHaveLength(1);
    expect(refunds[0].id).toBe("900000000001");
    expect(refunds[0].orderId).toBe("5000000000001");
    expect(refunds[0].amount.toFixed(2)).toBe("20.00");
    expect(refunds[0].createdAt.toISOString()).toBe("2026-11-05T10:00:00.000Z");
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.net.toFixed(2)).toBe("0.00");
    expect(totals.orders).toBe(1);
  });

  it("updates a pending refund once its transaction succeeds", async () => {
    const shop = await createShop("pending.myshopify.com");
    await paid("pending.myshopify.com", restOrder(1));
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "8.00" });
    refund.transactions[0].status = "pending";
    await refunded("pending.myshopify.com", refund);
    let row = await prisma.orderRefund.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.amount.toFixed(2)).toBe("0.00");

    const settled = restRefund({ number: 1, orderNumber: 1, amount: "8.00" });
    await updated(
      "pending.myshopify.com",
      restOrder(1, {
        updated_at: "2026-11-06T00:00:00Z",
        financial_status: "partially_refunded",
        refunds: [settled],
      }),
    );
    row = await prisma.orderRefund.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.amount.toFixed(2)).toBe("8.00");
  });

  it("copies the test flag from the order", async () => {
    const shop = await createShop("testmode.myshopify.com");
    await paid(
      "testmode.myshopify.com",
      restOrder(1, { test: true, total_price_set: moneyBag("50.00") }),
    );
    await paid(
      "testmode.myshopify.com",
      restOrder(2, { total_price_set: moneyBag("30.00") }),
    );
    const refund = restRefund({ number: 1, orderNumber: 1, amount: "50.00" });
    await refunded("testmode.myshopify.com", refund);

    const row = await prisma.orderRefund.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.test).toBe(true);
    const totals = await netRevenueTotals(pool, shop.id, WHOLE_RANGE);
    expect(totals.orders).toBe(1);
    expect(totals.gross.toFixed(2)).toBe("30.00");
    expect(totals.refunds.toFixed(2)).toBe("0.00");
  });

  it("takes the order's test flag when the refund came first", async () => {
    const shop = await createShop("early.myshopify.com");
    const refund = restRefund({
      number: 1,
      orderNumber: 1,
      amount: "5.00",
      test: true,
    });
    expect(await refunded("early.myshopify.com", refund)).toBe(200);
    let row = await prisma.orderRefund.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.test).toBe(true);

    await paid("early.myshopify.com", restOrder(1));
    row = await prisma.orderRefund.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.test).toBe(false);
  });
});

describe("two shops", () => {
  it("never see each other's orders", async () => {
    const left = await createShop("left.myshopify.com");
    const right = await createShop("right.myshopify.com", "USD");
    await paid("left.myshopify.com", restOrder(1));
    await paid(
      "right.myshopify.com",
      restOrder(1, {
        total_price_set: moneyBag("99.00", "USD"),
        currency: "USD",
      }),
    );
    await refunded(
      "left.myshopify.com",
      restRefund({ number: 1, orderNumber: 1, amount: "20.00" }),
    );

    const leftTotals = await netRevenueTotals(pool, left.id, WHOLE_RANGE);
    const rightTotals = await netRevenueTotals(pool, right.id, WHOLE_RANGE);
    expect(leftTotals.currency).toBe("EUR");
    expect(leftTotals.net.toFixed(2)).toBe("0.00");
    expect(rightTotals.currency).toBe("USD");
    expect(rightTotals.gross.toFixed(2)).toBe("99.00");
    expect(rightTotals.refunds.toFixed(2)).toBe("0.00");
  });
});

describe("order webhook bodies without a Content-Length", () => {
  /** Well over MAX_WEBHOOK_BYTES (5 MiB), so a bounded read stops early. */
  const OVERSIZED_NOTE = "x".repeat(8 * 1024 * 1024);

  const PIECE_BYTES = 64 * 1024;

  async function status(request: Request): Promise<number> {
    try {
      const response = await ORDER_WEBHOOK_ACTIONS["orders/paid"]({
        request,
        params: {},
        context: {},
      });
      return response.status;
    } catch (thrown) {
      if (thrown instanceof Response) return thrown.status;
      throw thrown;
    }
  }

  /**
   * Re-sends a signed delivery's bytes as a stream of 64 KiB pieces, the
   * way a chunked HTTP body reaches a route, with `headers` on top of the
   * signed ones. The stream counts the bytes the route pulled from it.
   */
  async function chunked(
    signed: Request,
    headers: Record<string, string> = {},
  ) {
    const bytes = new Uint8Array(await signed.arrayBuffer());
    const pulled = { bytes: 0 };
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.byteLength) {
          controller.close();
          return;
        }
        const piece = bytes.subarray(offset, offset + PIECE_BYTES);
        offset += piece.byteLength;
        pulled.bytes = offset;
        controller.enqueue(piece);
      },
    });
    const merged = new Headers(signed.headers);
    merged.delete("content-length");
    for (const [name, value] of Object.entries(headers)) {
      merged.set(name, value);
    }
    const request = new Request(signed.url, {
      method: "POST",
      headers: merged,
      body,
      duplex: "half",
    } as RequestInit);
    return { request, pulled, size: bytes.byteLength };
  }

  const signedOrder = (domain: string, overrides = {}, secret?: string) =>
    webhookRequest({
      topic: "orders/paid",
      shop: domain,
      body: restOrder(1, overrides),
      secret,
    });

  it("rejects a chunked body over the cap", async () => {
    const domain = "chunked-huge.myshopify.com";
    const shop = await createShop(domain);
    const sent = await chunked(signedOrder(domain, { note: OVERSIZED_NOTE }));
    expect(sent.size).toBeGreaterThan(MAX_WEBHOOK_BYTES);

    expect(await status(sent.request)).toBe(413);
    // Reading stopped soon after the cap: streams pull a piece or two ahead.
    expect(sent.pulled.bytes).toBeLessThanOrEqual(
      MAX_WEBHOOK_BYTES + 4 * PIECE_BYTES,
    );
    expect(sent.pulled.bytes).toBeLessThan(sent.size);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("closes the connection after a 413", async () => {
    const domain = "chunked-close.myshopify.com";
    await createShop(domain);
    const sent = await chunked(signedOrder(domain, { note: OVERSIZED_NOTE }));
    const thrown = await ORDER_WEBHOOK_ACTIONS["orders/paid"]({
      request: sent.request,
      params: {},
      context: {},
    }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).headers.get("connection")).toBe("close");
  });

  it("accepts a signed chunked body under the cap", async () => {
    const domain = "chunked-ok.myshopify.com";
    const shop = await createShop(domain);
    const sent = await chunked(
      signedOrder(domain, {
        note_attributes: [{ name: "_storelens_session", value: SESSION }],
        // Several pieces, so the HMAC covers bytes joined from many reads.
        note: "y".repeat(300 * 1024),
      }),
    );

    expect(await status(sent.request)).toBe(200);
    const row = await orderRow(shop.id, 1);
    expect(row).not.toBeNull();
    expect(row!.sessionId).toBe(SESSION);
    expect(row!.totalPrice.toFixed(2)).toBe(
      (await paidTotalWithContentLength()).toFixed(2),
    );
  });

  /** Total of the same order delivered with a Content-Length. */
  async function paidTotalWithContentLength() {
    const domain = "content-length.myshopify.com";
    const shop = await createShop(domain);
    expect(await paid(domain, restOrder(1))).toBe(200);
    return (await orderRow(shop.id, 1))!.totalPrice;
  }

  it("bounds a body longer than its Content-Length", async () => {
    const domain = "chunked-lie.myshopify.com";
    const shop = await createShop(domain);
    const sent = await chunked(signedOrder(domain, { note: OVERSIZED_NOTE }), {
      "content-length": "100",
    });

    expect(await status(sent.request)).toBe(413);
    expect(sent.pulled.bytes).toBeLessThan(sent.size);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("answers a signed chunked non-JSON body with 400", async () => {
    const domain = "chunked-text.myshopify.com";
    const shop = await createShop(domain);
    const sent = await chunked(
      webhookRequest({
        topic: "orders/paid",
        shop: domain,
        body: null,
        raw: "{not json",
      }),
    );

    expect(await status(sent.request)).toBe(400);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("answers a wrongly signed chunked body with 401", async () => {
    const domain = "chunked-forged.myshopify.com";
    const shop = await createShop(domain);
    const sent = await chunked(signedOrder(domain, {}, "not-the-app-secret"));

    expect(await status(sent.request)).toBe(401);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(0);
  });
});

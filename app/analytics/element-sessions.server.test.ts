import { prisma, pool } from "~/db.server";
import { insertEvents, insertVisit } from "../../test/support/heatmap-rows";
import {
  MIN_SESSIONS_FOR_RATE,
  elementConversions,
} from "./element-conversion";
import { elementSessions } from "./element-sessions.server";
import { bandOf } from "./viewport-bands";

const T = Date.UTC(2026, 10, 20, 12);
const at = (minutes: number) => new Date(T + minutes * 60_000);
let orderNumber = 1000;

async function order(
  shopId: string,
  sessionId: string,
  total: string,
  processedAt: Date,
  fields: { cancelledAt?: Date; refund?: string } = {},
) {
  const id = String(++orderNumber);
  await prisma.order.create({
    data: {
      shopId,
      id,
      processedAt,
      currency: "EUR",
      totalPrice: total,
      sessionId,
      cancelledAt: fields.cancelledAt ?? null,
    },
  });
  if (fields.refund) {
    await prisma.orderRefund.create({
      data: {
        shopId,
        id: `r${id}`,
        orderId: id,
        amount: fields.refund,
        createdAt: processedAt,
      },
    });
  }
}

async function clicker(
  shopId: string,
  clicks: { selector: string; minute: number }[],
  options: { isBot?: boolean; device?: "mobile"; width?: number } = {},
) {
  const width = options.width ?? 1440;
  const visit = await insertVisit(pool, shopId, {
    at: at(0),
    isBot: options.isBot,
    device: options.device,
    viewportWidth: width,
  });
  await insertEvents(
    pool,
    shopId,
    visit,
    clicks.map((click) => ({
      at: at(click.minute),
      selector: click.selector,
      device: options.device ?? "desktop",
      viewportWidth: width,
    })),
  );
  return visit.sessionId;
}

function scope(shopId: string) {
  return {
    shopId,
    timezone: "UTC",
    path: "/products/shirt",
    device: "desktop",
    band: bandOf(1440),
    range: { from: "2026-11-20", to: "2026-11-20" },
  };
}

describe("element conversion", () => {
  it("counts orders placed after the first click", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "elements.myshopify.com", currency: "EUR" },
    });
    const bought = await clicker(shop.id, [
      { selector: "#buy", minute: 1 },
      { selector: "#buy", minute: 2 },
    ]);
    await order(shop.id, bought, "100.00", at(5), { refund: "20.00" });
    const boughtBefore = await clicker(shop.id, [
      { selector: "#buy", minute: 1 },
    ]);
    await order(shop.id, boughtBefore, "50.00", at(-10));
    const cancelled = await clicker(shop.id, [{ selector: "#buy", minute: 1 }]);
    await order(shop.id, cancelled, "70.00", at(4), { cancelledAt: at(6) });
    const sizeFirst = await clicker(shop.id, [
      { selector: "#size", minute: 1 },
      { selector: "#buy", minute: 3 },
    ]);
    await order(shop.id, sizeFirst, "40.00", at(2));
    const bot = await clicker(shop.id, [{ selector: "#buy", minute: 1 }], {
      isBot: true,
    });
    await order(shop.id, bot, "999.00", at(5));
    const phone = await clicker(shop.id, [{ selector: "#buy", minute: 1 }], {
      device: "mobile",
      width: 375,
    });
    await order(shop.id, phone, "999.00", at(5));
    const laptop = await clicker(shop.id, [{ selector: "#buy", minute: 1 }], {
      width: 1280,
    });
    await order(shop.id, laptop, "999.00", at(5));

    const elements = elementConversions(
      await elementSessions(pool, scope(shop.id)),
    );

    expect(elements.map((element) => element.selector)).toEqual([
      "#buy",
      "#size",
    ]);
    expect(elements[0]).toMatchObject({
      sessions: 4,
      convertedSessions: 1,
      revenue: 80,
      clicks: 5,
      conversionRate: 0.25,
      rps: 20,
      tooSmall: true,
    });
    expect(elements[1]).toMatchObject({
      sessions: 1,
      convertedSessions: 1,
      revenue: 40,
      conversionRate: 1,
      rps: 40,
      tooSmall: true,
    });
  });

  it("gives a rate from 30 sessions on", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "thirty.myshopify.com", currency: "EUR" },
    });
    for (let i = 0; i < MIN_SESSIONS_FOR_RATE; i++) {
      const selectors =
        i < MIN_SESSIONS_FOR_RATE - 1 ? ["#hero", "#note"] : ["#hero"];
      const session = await clicker(
        shop.id,
        selectors.map((selector) => ({ selector, minute: 1 })),
      );
      if (i < 3) await order(shop.id, session, "50.00", at(3));
    }

    const elements = elementConversions(
      await elementSessions(pool, scope(shop.id)),
    );

    expect(elements.map((e) => [e.selector, e.sessions])).toEqual([
      ["#hero", 30],
      ["#note", 29],
    ]);
    expect(elements[0]).toMatchObject({
      convertedSessions: 3,
      conversionRate: 0.1,
      rps: 5,
      tooSmall: false,
    });
    expect(elements[1]).toMatchObject({
      convertedSessions: 3,
      tooSmall: true,
    });
    expect(elements[1].rps).toBeCloseTo(150 / 29, 10);
  });

  it("returns nothing for a page without clicks", async () => {
    const shop = await prisma.shop.create({
      data: { domain: "no-clicks.myshopify.com" },
    });

    expect(await elementSessions(pool, scope(shop.id))).toEqual([]);
  });
});

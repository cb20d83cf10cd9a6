import { randomUUID } from "node:crypto";
import { pool, prisma } from "~/db.server";
import { detectFriction } from "~/friction/detect-friction.server";
import { startMailbox, type Mailbox } from "../../scripts/lib/mailbox";
import {
  createShop,
  DAY,
  HOUR,
  injectRageBurst,
  NOW,
  order,
  PATH,
  seedHistory,
  TODAY,
  visit,
} from "../../test/support/alert-traffic";
import { detectAllAlerts, detectShopAlerts } from "./detect-alerts.server";
import { createMailer, type Mailer } from "./mailer.server";
import { retryDelayMs, sendDueEmails } from "./outbox.server";

// The whole alert path against real parts: storefront batches through the
// ingest handler, the real friction detector and revenue rollup, alerts in
// PostgreSQL, and emails over SMTP to a local smtp-server.

let mailbox: Mailbox;
let mailer: Mailer;

beforeAll(async () => {
  mailbox = await startMailbox({ rejectRecipients: ["bounce@shop.test"] });
  mailer = createMailer(mailbox.url, "Storelens <alerts@storelens.test>");
});

afterAll(async () => {
  mailer?.transport.close();
  await mailbox?.stop();
});

beforeEach(() => {
  mailbox.setMode("accept");
  mailbox.messages.length = 0;
});

describe("friction alerts end to end", () => {
  it("raises one alert and one email for a rage burst", async () => {
    const shop = await createShop("alerts-main.myshopify.com", [
      "merchant@shop.test",
    ]);
    await seedHistory(shop);
    for (let i = 0; i < 12; i += 1) {
      await visit(shop.domain, NOW - 5 * HOUR + i * 60_000, [
        { offsetMs: 1000 },
      ]);
    }
    await injectRageBurst(shop.domain, 8);
    // The real detector turns the clicks into signals: 8 bursts.
    expect(await detectFriction(pool, shop.id)).toBeGreaterThanOrEqual(8);

    expect(await detectShopAlerts(pool, shop, mailer, new Date(NOW))).toBe(1);
    const alerts = await prisma.alert.findMany({ where: { shopId: shop.id } });
    expect(alerts).toHaveLength(1);
    const alert = alerts[0];
    expect(alert.kind).toBe("friction-new");
    expect(alert.subject).toBe(`${PATH} #add-to-cart`);
    expect(alert.period).toBe(TODAY);
    expect(alert.details).toMatchObject({
      sessions: 8,
      rageSignals: 8,
      pageSessions: 20,
      baselineSessions: 0,
      baselinePageSessions: 140,
    });
    // 8 shoppers x ($5 page RPS - $0 of theirs).
    expect(alert.revenueAtStake?.toString()).toBe("40");
    // $40 against $50 a day is well over a tenth of a day's revenue.
    expect(alert.severity).toBe("critical");

    const summary = await sendDueEmails(pool, mailer, new Date(NOW));
    expect(summary.sent).toBe(1);
    expect(mailbox.messages).toHaveLength(1);
    const mail = mailbox.messages[0];
    expect(mail.envelopeTo).toEqual(["merchant@shop.test"]);
    expect(mail.parsed.subject).toBe(
      `New rage clicks on #add-to-cart on ${PATH}: 8 shoppers on ${TODAY}`,
    );
    expect(mail.parsed.text).toContain("8 rage-click bursts");
    expect(mail.parsed.text).toContain("Revenue at stake (estimate): $40.00");
    const heatmapLink =
      "https://admin.shopify.com/store/alerts-main/apps/test-api-key" +
      `/app/heatmaps?path=%2Fproducts%2Flinen-shirt&device=desktop&mode=rage&from=${TODAY}&to=${TODAY}`;
    expect(mail.parsed.text).toContain(heatmapLink);
    expect(mail.parsed.html).toContain(heatmapLink.replaceAll("&", "&amp;"));
    const stored = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(mail.parsed.messageId).toBe(stored.messageId);
    expect(stored.status).toBe("sent");

    // A second run of both jobs finds nothing new and sends nothing.
    expect(await detectFriction(pool, shop.id)).toBe(0);
    expect(await detectShopAlerts(pool, shop, mailer, new Date(NOW))).toBe(0);
    expect(
      await detectShopAlerts(pool, shop, mailer, new Date(NOW + HOUR)),
    ).toBe(0);
    expect((await sendDueEmails(pool, mailer, new Date(NOW + HOUR))).sent).toBe(
      0,
    );
    expect(mailbox.messages).toHaveLength(1);
    expect(await prisma.alert.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("stays quiet about a burst below the threshold", async () => {
    const shop = await createShop("alerts-few.myshopify.com", [
      "few@shop.test",
    ]);
    await seedHistory(shop);
    await injectRageBurst(shop.domain, 4);
    await detectFriction(pool, shop.id);
    expect(await detectShopAlerts(pool, shop, mailer, new Date(NOW))).toBe(0);
  });

  it("waits a week before calling friction new on a fresh shop", async () => {
    const shop = await createShop("alerts-fresh.myshopify.com", [
      "fresh@shop.test",
    ]);
    await injectRageBurst(shop.domain, 8);
    await detectFriction(pool, shop.id);
    expect(await detectShopAlerts(pool, shop, mailer, new Date(NOW))).toBe(0);
  });
});

describe("detection after new friction", () => {
  it("judges only shops whose detectors just ran", async () => {
    const shop = await createShop("alerts-stale.myshopify.com", []);
    await seedHistory(shop);
    await injectRageBurst(shop.domain, 6);
    await detectFriction(pool, shop.id);
    await prisma.frictionCursor.update({
      where: { shopId: shop.id },
      data: { updatedAt: new Date(NOW - HOUR) },
    });

    const recent = { recentFriction: true };
    await detectAllAlerts(pool, null, new Date(NOW), recent);
    expect(await prisma.alert.count({ where: { shopId: shop.id } })).toBe(0);
    await detectAllAlerts(pool, null, new Date(NOW));
    expect(await prisma.alert.count({ where: { shopId: shop.id } })).toBe(1);
  });
});

describe("alert email delivery", () => {
  async function shopWithAlert(domain: string, recipients: string[]) {
    const shop = await createShop(domain, recipients);
    await seedHistory(shop);
    await injectRageBurst(shop.domain, 6);
    await detectFriction(pool, shop.id);
    expect(await detectShopAlerts(pool, shop, mailer, new Date(NOW))).toBe(1);
    return shop;
  }

  it("retries through a 4xx outage and delivers once", async () => {
    const shop = await shopWithAlert("alerts-busy.myshopify.com", [
      "busy@shop.test",
    ]);
    mailbox.setMode("temporary-failure");
    const first = await sendDueEmails(pool, mailer, new Date(NOW));
    expect(first).toMatchObject({ sent: 0, retrying: 1 });
    const waiting = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(waiting.status).toBe("pending");
    expect(waiting.attempts).toBe(1);
    expect(waiting.lastError).toContain("451");
    expect(waiting.nextAttemptAt).toEqual(new Date(NOW + retryDelayMs(1)));

    // Not due yet: nothing is attempted before the backoff ends.
    mailbox.setMode("accept");
    expect(
      (await sendDueEmails(pool, mailer, new Date(NOW + 30_000))).sent,
    ).toBe(0);
    expect(mailbox.messages).toHaveLength(0);

    const later = new Date(NOW + retryDelayMs(1));
    expect((await sendDueEmails(pool, mailer, later)).sent).toBe(1);
    expect((await sendDueEmails(pool, mailer, new Date(NOW + DAY))).sent).toBe(
      0,
    );
    expect(mailbox.messages).toHaveLength(1);
    expect(mailbox.messages[0].envelopeTo).toEqual(["busy@shop.test"]);
  });

  it("retries while the server is down and delivers once", async () => {
    const shop = await shopWithAlert("alerts-down.myshopify.com", [
      "down@shop.test",
    ]);
    await mailbox.stop();
    try {
      const first = await sendDueEmails(pool, mailer, new Date(NOW));
      expect(first).toMatchObject({ sent: 0, retrying: 1 });
      const second = await sendDueEmails(
        pool,
        mailer,
        new Date(NOW + retryDelayMs(1)),
      );
      expect(second).toMatchObject({ sent: 0, retrying: 1 });
    } finally {
      await mailbox.start();
    }
    const row = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.attempts).toBe(2);
    // The second wait doubles the first.
    expect(row.nextAttemptAt).toEqual(
      new Date(NOW + retryDelayMs(1) + retryDelayMs(2)),
    );
    const recovered = new Date(NOW + retryDelayMs(1) + retryDelayMs(2));
    expect((await sendDueEmails(pool, mailer, recovered)).sent).toBe(1);
    expect(
      (await sendDueEmails(pool, mailer, new Date(recovered.getTime() + DAY)))
        .sent,
    ).toBe(0);
    expect(mailbox.messages).toHaveLength(1);
  });

  it("shows a rejected recipient in the inbox and keeps the others", async () => {
    const shop = await shopWithAlert("alerts-bounce.myshopify.com", [
      "bounce@shop.test",
      "owner@shop.test",
    ]);
    const summary = await sendDueEmails(pool, mailer, new Date(NOW));
    expect(summary).toMatchObject({ sent: 1, failed: 1, retrying: 0 });
    expect(mailbox.messages.map((m) => m.envelopeTo)).toEqual([
      ["owner@shop.test"],
    ]);
    const failed = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id, recipient: "bounce@shop.test" },
    });
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toContain("550");
    const inbox = await prisma.alert.findMany({
      where: { shopId: shop.id, kind: "email-failed" },
    });
    expect(inbox).toHaveLength(1);
    expect(inbox[0].subject).toBe("bounce@shop.test");
    // The failure is not emailed, and a later run does not retry it.
    expect(
      await prisma.alertEmail.count({ where: { alertId: inbox[0].id } }),
    ).toBe(0);
    expect(
      (await sendDueEmails(pool, mailer, new Date(NOW + DAY))).failed,
    ).toBe(0);
  });

  it("defers emails in quiet hours and skips those past the daily cap", async () => {
    const shop = await shopWithAlert("alerts-quiet.myshopify.com", [
      "quiet@shop.test",
    ]);
    // 15:00 UTC is inside quiet hours of 14:00 to 16:00.
    await prisma.alertSettings.update({
      where: { shopId: shop.id },
      data: { quietStartMinute: 14 * 60, quietEndMinute: 16 * 60 },
    });
    expect(await sendDueEmails(pool, mailer, new Date(NOW))).toMatchObject({
      sent: 0,
      deferred: 1,
    });
    const deferred = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(deferred.nextAttemptAt).toEqual(new Date(NOW + HOUR));
    expect(deferred.attempts).toBe(0);

    // A second alert the same day, with a cap of one email a day.
    await prisma.alertSettings.update({
      where: { shopId: shop.id },
      data: { dailyEmailCap: 1 },
    });
    const second = await prisma.alert.create({
      data: {
        shopId: shop.id,
        kind: "friction-spike",
        subject: "/cart #checkout",
        period: TODAY,
        severity: "warning",
        title: "Second alert",
        summary: "Second alert",
        currency: "USD",
        details: {},
        evidence: [],
      },
    });
    await prisma.alertEmail.create({
      data: {
        shopId: shop.id,
        alertId: second.id,
        recipient: "quiet@shop.test",
        messageId: "<second@storelens.test>",
        nextAttemptAt: new Date(NOW + HOUR),
        subject: "Second alert",
        text: "Second alert",
        html: "<p>Second alert</p>",
      },
    });
    const after = await sendDueEmails(pool, mailer, new Date(NOW + HOUR));
    expect(after).toMatchObject({ sent: 1, skipped: 1 });
    expect(mailbox.messages).toHaveLength(1);
    const skipped = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id, status: "skipped" },
    });
    expect(skipped.lastError).toMatch(/daily limit of 1/);
  });
});

describe("RPS and conversion drops", () => {
  /**
   * Stores `sessions` visits on `day` at noon UTC, `orders` of them with a
   * $50 order, as raw rows the rollup reads.
   */
  async function traffic(
    shopId: string,
    day: number,
    sessions: number,
    orders: number,
  ) {
    const at = new Date(NOW - day * DAY - 3 * HOUR);
    const ids = Array.from({ length: sessions }, () => randomUUID());
    await pool.query(
      `INSERT INTO "VisitorSession"
         ("shopId", id, "visitorId", "startedAt", "lastSeenAt", device)
       SELECT $1, id, gen_random_uuid(), $3, $3, 'desktop'
       FROM unnest($2::uuid[]) AS id`,
      [shopId, ids, at],
    );
    for (const id of ids.slice(0, orders)) {
      await order(shopId, id, at.getTime() + 60_000);
    }
  }

  async function dropShop(domain: string, sessions: number) {
    const shop = await createShop(domain, [
      `${domain.split(".")[0]}@shop.test`,
    ]);
    // Yesterday was a Thursday; the four Thursdays before convert at 10%.
    for (const week of [1, 2, 3, 4]) {
      await traffic(shop.id, 1 + 7 * week, sessions, sessions / 10);
    }
    // Yesterday converted at 2%.
    await traffic(shop.id, 1, sessions, sessions / 50);
    return shop;
  }

  it("alerts a large shop and leaves a small one alone", async () => {
    const large = await dropShop("drop-large.myshopify.com", 400);
    const small = await dropShop("drop-small.myshopify.com", 10 * 5);
    const tiny = await createShop("drop-tiny.myshopify.com", ["t@shop.test"]);
    for (const week of [1, 2, 3, 4]) await traffic(tiny.id, 1 + 7 * week, 5, 1);
    await traffic(tiny.id, 1, 5, 0);

    expect(await detectAllAlerts(pool, mailer, new Date(NOW))).toBe(2);

    const largeAlerts = await prisma.alert.findMany({
      where: { shopId: large.id },
      orderBy: { kind: "asc" },
    });
    expect(largeAlerts.map((alert) => alert.kind)).toEqual([
      "conversion-drop",
      "rps-drop",
    ]);
    const rps = largeAlerts[1];
    expect(rps.period).toBe("2026-11-19");
    expect(rps.title).toBe("Revenue per session fell 80% on 2026-11-19");
    // RPS $1.00 against $5.00 over 400 sessions.
    expect(rps.revenueAtStake?.toString()).toBe("1600");
    expect(rps.evidence).toEqual([
      {
        label: "Revenue report",
        path: "/app/revenue?from=2026-10-22&to=2026-11-19",
      },
      {
        label: "Friction that day",
        path: "/app/friction?from=2026-11-19&to=2026-11-19",
      },
    ]);
    // 50 sessions a day and 5 orders: under the 200-session minimum.
    expect(await prisma.alert.count({ where: { shopId: small.id } })).toBe(0);
    expect(await prisma.alert.count({ where: { shopId: tiny.id } })).toBe(0);

    // The same day again adds nothing, for either shop.
    expect(await detectAllAlerts(pool, mailer, new Date(NOW + HOUR))).toBe(0);
  });

  it("judges a small shop once its own minimum allows", async () => {
    const small = await dropShop("drop-opt-in.myshopify.com", 100);
    await prisma.alertSettings.update({
      where: { shopId: small.id },
      data: { dropMinSessions: 100 },
    });
    expect(await detectAllAlerts(pool, mailer, new Date(NOW))).toBe(2);
    expect(
      await detectShopAlerts(
        pool,
        { ...small, name: small.name },
        mailer,
        new Date(NOW),
      ),
    ).toBe(0);
  });
});

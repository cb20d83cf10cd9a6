import { pool, prisma } from "~/db.server";
import { startMailbox, type Mailbox } from "../../scripts/lib/mailbox";
import { createMailer, type Mailer } from "./mailer.server";
import { retryDelayMs, SENDING_LEASE_MS, sendDueEmails } from "./outbox.server";
import { enqueueWeeklyDigests } from "./weekly-digest.server";

// The weekly digest against real parts: alerts and the outbox in
// PostgreSQL, emails over SMTP to a local smtp-server. The week under test
// runs Monday 23 to Sunday 29 November 2026. Its digest is due on Monday
// 30 November at 09:00 local time, which is 00:00 UTC in Tokyo (UTC+9),
// 08:00 UTC in Berlin (UTC+1) and 14:00 UTC in New York (UTC-5).

const WEEK = "2026-11-23";
const TOKYO_DUE = new Date("2026-11-30T00:00:00Z");
const BERLIN_DUE = new Date("2026-11-30T08:00:00Z");
const NEW_YORK_DUE = new Date("2026-11-30T14:00:00Z");
const MINUTE = 60_000;

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

beforeEach(async () => {
  mailbox.setMode("accept");
  mailbox.messages.length = 0;
  // Each test starts with only its own shops installed.
  await prisma.shop.updateMany({ data: { uninstalledAt: new Date(0) } });
});

async function createShop(
  domain: string,
  timezone: string,
  settings: {
    recipients?: string[];
    weeklyDigestEnabled?: boolean;
    quietStartMinute?: number;
    quietEndMinute?: number;
  } = {},
) {
  const shop = await prisma.shop.create({
    data: { domain, name: domain.split(".")[0], timezone, currency: "USD" },
  });
  await prisma.alertSettings.create({
    data: {
      shopId: shop.id,
      recipients: [`owner@${domain}`],
      ...settings,
    },
  });
  return shop;
}

async function createAlert(
  shopId: string,
  period: string,
  fields: {
    kind?: string;
    severity?: string;
    revenueAtStake?: string | null;
    subject?: string;
    evidencePath?: string;
  } = {},
) {
  const subject = fields.subject ?? `/products/${period} #buy`;
  return prisma.alert.create({
    data: {
      shopId,
      kind: fields.kind ?? "friction-new",
      subject,
      period,
      severity: fields.severity ?? "warning",
      title: `Rage clicks on ${subject}`,
      summary: "Shoppers clicked repeatedly.",
      revenueAtStake:
        fields.revenueAtStake === undefined ? "10.00" : fields.revenueAtStake,
      currency: "USD",
      details: {},
      evidence: [
        {
          label: "Heatmap",
          path: fields.evidencePath ?? `/app/heatmaps?day=${period}`,
        },
      ],
    },
  });
}

/** Runs the digest job, then the email job, once at `now`. */
async function runJobs(now: Date) {
  const queued = await enqueueWeeklyDigests(pool, mailer, now);
  const sent = await sendDueEmails(pool, mailer, now);
  return { queued, sent };
}

function digestsTo(recipient: string) {
  return mailbox.messages.filter(
    (mail) =>
      mail.envelopeTo.includes(recipient) &&
      mail.parsed.headers.has("x-storelens-digest"),
  );
}

describe("weekly digest email", () => {
  it("sums up the stored alerts of the week", async () => {
    const shop = await createShop("digest-content.myshopify.com", "UTC", {
      recipients: ["owner@digest.test", "ops@digest.test"],
    });
    await createAlert(shop.id, "2026-11-23", {
      severity: "critical",
      revenueAtStake: "40.00",
      evidencePath: "/app/heatmaps?path=%2Fcart&mode=rage",
    });
    await createAlert(shop.id, "2026-11-26", { revenueAtStake: "25.50" });
    await createAlert(shop.id, "2026-11-29", {
      kind: "conversion-drop",
      subject: "shop",
      revenueAtStake: null,
    });
    // Outside the week: the Sunday before and the Monday after.
    await createAlert(shop.id, "2026-11-22", { revenueAtStake: "999.00" });
    await createAlert(shop.id, "2026-11-30", { revenueAtStake: "999.00" });

    const { queued, sent } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(queued).toBe(1);
    expect(sent.sent).toBe(2);
    const mails = digestsTo("owner@digest.test");
    expect(mails).toHaveLength(1);
    expect(digestsTo("ops@digest.test")).toHaveLength(1);

    const mail = mails[0].parsed;
    expect(mail.subject).toBe(
      "Weekly alert digest for digest-content: 3 alerts, 2026-11-23 to 2026-11-29",
    );
    expect(mail.headers.get("x-storelens-digest")).toBe(WEEK);
    const text = mail.text ?? "";
    expect(text).toContain(
      "3 alerts this week, with $65.50 of revenue at stake (estimate).",
    );
    expect(text).toContain("By severity: 1 critical, 2 warning.");
    expect(text).toContain("- New friction: 2");
    expect(text).toContain("- Conversion drop: 1");
    expect(text).not.toContain("999");
    const base =
      "https://admin.shopify.com/store/digest-content/apps/test-api-key";
    const topLink = `${base}/app/heatmaps?path=%2Fcart&mode=rage`;
    expect(text).toContain(
      "- 2026-11-23: Rage clicks on /products/2026-11-23 #buy ($40.00 at stake)",
    );
    expect(text).toContain(topLink);
    // The alert without money is counted but not listed among the top.
    expect(text).not.toContain("Rage clicks on shop");
    expect(text).toContain(`All alerts: ${base}/app/inbox?view=all`);
    expect(text).toContain(`Alert settings: ${base}/app/settings`);
    expect(mail.html).toContain(
      `<a href="${topLink.replaceAll("&", "&amp;")}">`,
    );
    expect(mail.html).toContain("<li>New friction: 2</li>");

    const stored = await prisma.alertEmail.findMany({
      where: { shopId: shop.id },
      orderBy: { recipient: "asc" },
    });
    expect(stored.map((row) => row.recipient)).toEqual([
      "ops@digest.test",
      "owner@digest.test",
    ]);
    expect(stored.every((row) => row.status === "sent")).toBe(true);
    expect(stored.every((row) => row.alertId === null)).toBe(true);
    expect(mail.messageId).toBe(stored[1].messageId);
  });

  it("sends once when the jobs run twice", async () => {
    const shop = await createShop("digest-twice.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-24");

    const at = new Date("2026-11-30T09:05:00Z");
    const [first, second] = await Promise.all([
      enqueueWeeklyDigests(pool, mailer, at),
      enqueueWeeklyDigests(pool, mailer, at),
    ]);
    expect(first + second).toBeGreaterThanOrEqual(1);
    await sendDueEmails(pool, mailer, at);
    await runJobs(at);
    await runJobs(new Date(at.getTime() + 15 * MINUTE));
    // Later in the week, and an alert raised for the week after the fact.
    await createAlert(shop.id, "2026-11-29", { subject: "late" });
    await runJobs(new Date("2026-12-03T12:00:00Z"));

    expect(digestsTo("owner@digest-twice.myshopify.com")).toHaveLength(1);
    expect(await prisma.alertEmail.count({ where: { shopId: shop.id } })).toBe(
      1,
    );
  });

  it("sends once after a crash before sending", async () => {
    const shop = await createShop("digest-crash.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-25");
    const at = new Date("2026-11-30T09:00:00Z");

    // The digest job queues the email, then the process stops before the
    // email job runs.
    expect(await enqueueWeeklyDigests(pool, mailer, at)).toBe(1);
    expect(mailbox.messages).toHaveLength(0);

    // After the restart both jobs run again on their schedules.
    const later = new Date(at.getTime() + 15 * MINUTE);
    const { queued, sent } = await runJobs(later);
    expect(queued).toBe(0);
    expect(sent.sent).toBe(1);
    await runJobs(new Date(later.getTime() + 15 * MINUTE));
    expect(digestsTo("owner@digest-crash.myshopify.com")).toHaveLength(1);
  });

  it("resends a digest abandoned mid-send once", async () => {
    const shop = await createShop("digest-abandoned.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-25");
    const at = new Date("2026-11-30T09:00:00Z");
    expect(await enqueueWeeklyDigests(pool, mailer, at)).toBe(1);
    // A worker claimed the email and stopped before sending it.
    await prisma.alertEmail.updateMany({
      where: { shopId: shop.id },
      data: { status: "sending", attempts: 1, lastAttemptAt: at },
    });

    const leaseEnd = at.getTime() + SENDING_LEASE_MS;
    expect((await runJobs(new Date(leaseEnd - MINUTE))).sent.sent).toBe(0);
    expect((await runJobs(new Date(leaseEnd))).sent.sent).toBe(1);
    await runJobs(new Date(leaseEnd + 15 * MINUTE));

    const mails = digestsTo("owner@digest-abandoned.myshopify.com");
    expect(mails).toHaveLength(1);
    const row = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(mails[0].parsed.messageId).toBe(row.messageId);
    expect(row.attempts).toBe(2);
  });

  it("sends at 09:00 in each shop's own zone", async () => {
    const tokyo = await createShop("digest-tokyo.myshopify.com", "Asia/Tokyo");
    const newYork = await createShop(
      "digest-new-york.myshopify.com",
      "America/New_York",
    );
    // Alerts on the last local day of the week in each zone.
    await createAlert(tokyo.id, "2026-11-29");
    await createAlert(newYork.id, "2026-11-29");
    const tokyoMails = () => digestsTo("owner@digest-tokyo.myshopify.com");
    const newYorkMails = () => digestsTo("owner@digest-new-york.myshopify.com");

    const early = await runJobs(new Date(TOKYO_DUE.getTime() - 15 * MINUTE));
    expect(early.queued).toBe(0);
    expect(tokyoMails()).toHaveLength(0);
    await runJobs(TOKYO_DUE);
    expect(tokyoMails()).toHaveLength(1);
    expect(newYorkMails()).toHaveLength(0);

    const before = await runJobs(
      new Date(NEW_YORK_DUE.getTime() - 15 * MINUTE),
    );
    expect(before.queued).toBe(0);
    expect(newYorkMails()).toHaveLength(0);
    await runJobs(NEW_YORK_DUE);
    expect(newYorkMails()).toHaveLength(1);
    expect(tokyoMails()).toHaveLength(1);

    const sentAt = async (shopId: string) =>
      (await prisma.alertEmail.findFirstOrThrow({ where: { shopId } })).sentAt;
    expect(await sentAt(tokyo.id)).toEqual(TOKYO_DUE);
    expect(await sentAt(newYork.id)).toEqual(NEW_YORK_DUE);
  });

  it("keeps 09:00 local after clocks go back", async () => {
    // Berlin falls back on Sunday 25 October 2026, so the Monday after is
    // UTC+1: 09:00 is 08:00 UTC, one hour later than the week before.
    const shop = await createShop(
      "digest-berlin.myshopify.com",
      "Europe/Berlin",
    );
    await createAlert(shop.id, "2026-10-25");
    await runJobs(new Date("2026-10-26T07:00:00Z"));
    expect(mailbox.messages).toHaveLength(0);
    await runJobs(new Date("2026-10-26T07:45:00Z"));
    expect(mailbox.messages).toHaveLength(0);
    await runJobs(new Date("2026-10-26T08:00:00Z"));
    const mails = digestsTo("owner@digest-berlin.myshopify.com");
    expect(mails).toHaveLength(1);
    expect(mails[0].parsed.headers.get("x-storelens-digest")).toBe(
      "2026-10-19",
    );
  });

  it("waits for the end of quiet hours", async () => {
    const shop = await createShop(
      "digest-quiet.myshopify.com",
      "Europe/Berlin",
      {
        quietStartMinute: 8 * 60,
        quietEndMinute: 10 * 60 + 30,
      },
    );
    await createAlert(shop.id, "2026-11-27");
    const { queued, sent } = await runJobs(BERLIN_DUE);
    expect(queued).toBe(1);
    expect(sent.deferred).toBe(1);
    expect(mailbox.messages).toHaveLength(0);
    const quietEnd = new Date("2026-11-30T09:30:00Z");
    await runJobs(new Date(quietEnd.getTime() - MINUTE));
    expect(mailbox.messages).toHaveLength(0);
    await runJobs(quietEnd);
    expect(digestsTo("owner@digest-quiet.myshopify.com")).toHaveLength(1);
  });

  it("sends nothing to a shop that turned it off", async () => {
    const off = await createShop("digest-off.myshopify.com", "UTC", {
      weeklyDigestEnabled: false,
    });
    await createAlert(off.id, "2026-11-24");
    const { queued } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(queued).toBe(0);
    expect(await prisma.alertEmail.count({ where: { shopId: off.id } })).toBe(
      0,
    );
    expect(mailbox.messages).toHaveLength(0);
  });

  it("skips a digest turned off after queueing", async () => {
    const shop = await createShop("digest-late-off.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-24");
    const at = new Date("2026-11-30T09:00:00Z");
    expect(await enqueueWeeklyDigests(pool, mailer, at)).toBe(1);
    await prisma.alertSettings.update({
      where: { shopId: shop.id },
      data: { weeklyDigestEnabled: false },
    });
    const summary = await sendDueEmails(pool, mailer, at);
    expect(summary.skipped).toBe(1);
    expect(mailbox.messages).toHaveLength(0);
    const row = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.status).toBe("skipped");
    expect(row.lastError).toBe("The weekly digest is turned off in settings.");
  });

  it("sends nothing for an empty week", async () => {
    const shop = await createShop("digest-empty.myshopify.com", "UTC");
    // Alerts before and after the week, and within it only an email
    // failure.
    await createAlert(shop.id, "2026-11-16");
    await createAlert(shop.id, "2026-11-30");
    await createAlert(shop.id, "2026-11-25", {
      kind: "email-failed",
      severity: "warning",
      subject: "old@digest-empty.test",
      revenueAtStake: null,
    });
    const { queued } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(queued).toBe(0);
    expect(await prisma.alertEmail.count({ where: { shopId: shop.id } })).toBe(
      0,
    );
    expect(mailbox.messages).toHaveLength(0);
  });

  it("sends nothing to an uninstalled shop", async () => {
    const shop = await createShop("digest-gone.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-24");
    await prisma.shop.update({
      where: { id: shop.id },
      data: { uninstalledAt: new Date("2026-11-28T00:00:00Z") },
    });
    const { queued } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(queued).toBe(0);
    expect(mailbox.messages).toHaveLength(0);
  });

  it("sends no queued digest after uninstall", async () => {
    const shop = await createShop("digest-left.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-24");
    const at = new Date("2026-11-30T09:00:00Z");
    expect(await enqueueWeeklyDigests(pool, mailer, at)).toBe(1);
    await prisma.shop.update({
      where: { id: shop.id },
      data: { uninstalledAt: at },
    });
    const { sent } = await runJobs(new Date(at.getTime() + MINUTE));
    expect(sent.sent).toBe(0);
    expect(mailbox.messages).toHaveLength(0);
  });

  it("sends nothing without a recipient", async () => {
    const shop = await createShop("digest-nobody.myshopify.com", "UTC", {
      recipients: [],
    });
    await createAlert(shop.id, "2026-11-24");
    const { queued } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(queued).toBe(0);
  });

  it("sends exactly once after an SMTP outage", async () => {
    const shop = await createShop("digest-outage.myshopify.com", "UTC");
    await createAlert(shop.id, "2026-11-24");
    const at = new Date("2026-11-30T09:00:00Z");

    await mailbox.stop();
    try {
      const down = await runJobs(at);
      expect(down.queued).toBe(1);
      expect(down.sent.retrying).toBe(1);
      // Before the backoff has passed, nothing is attempted.
      const early = await runJobs(
        new Date(at.getTime() + retryDelayMs(1) - MINUTE),
      );
      expect(early.sent.retrying).toBe(0);
    } finally {
      await mailbox.start();
    }
    mailbox.setMode("temporary-failure");
    const rejected = await runJobs(new Date(at.getTime() + retryDelayMs(1)));
    expect(rejected.sent.retrying).toBe(1);
    mailbox.setMode("accept");
    const recovered = new Date(
      at.getTime() + retryDelayMs(1) + retryDelayMs(2),
    );
    expect((await runJobs(recovered)).sent.sent).toBe(1);
    await runJobs(new Date(recovered.getTime() + 60 * MINUTE));

    const accepted = digestsTo("owner@digest-outage.myshopify.com");
    // The mailbox leaves the messages it rejected with 451 out of
    // `messages`, so this counts accepted mail only.
    expect(accepted).toHaveLength(1);
    const row = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id },
    });
    expect(row.status).toBe("sent");
    expect(row.attempts).toBe(3);
  });

  it("shows a rejected digest in the inbox", async () => {
    const shop = await createShop("digest-bounce.myshopify.com", "UTC", {
      recipients: ["bounce@shop.test"],
    });
    await createAlert(shop.id, "2026-11-24");
    const { sent } = await runJobs(new Date("2026-11-30T09:00:00Z"));
    expect(sent.failed).toBe(1);
    const failure = await prisma.alert.findFirstOrThrow({
      where: { shopId: shop.id, kind: "email-failed" },
    });
    expect(failure.subject).toBe("bounce@shop.test");
    expect(failure.summary).toContain("Weekly alert digest for digest-bounce");
    const row = await prisma.alertEmail.findFirstOrThrow({
      where: { shopId: shop.id, digestWeek: WEEK },
    });
    expect(row.status).toBe("failed");
  });
});

import PgBoss from "pg-boss";
import { addDays } from "~/analytics/date-range.server";
import { pool, prisma } from "~/db.server";
import { startMailbox, type Mailbox } from "../../scripts/lib/mailbox";
import { registerAlertJobs } from "./alert-jobs.server";
import { createMailer, type Mailer } from "./mailer.server";
import { sendDueEmails } from "./outbox.server";
import {
  registerWeeklyDigestJob,
  WEEKLY_DIGEST_QUEUE,
} from "./weekly-digest-job.server";
import { waitFor } from "../../test/support/wait-for";

// The digest queue as the server registers it, on the real clock: a run
// queues the last full week's digest once, however often it runs.

let boss: PgBoss;
let mailbox: Mailbox;
let mailer: Mailer;
// Kept rather than thrown: pg-boss can still hold a connection when this
// file's database is dropped after the tests, and reports its end.
const bossErrors: Error[] = [];

beforeAll(async () => {
  mailbox = await startMailbox();
  mailer = createMailer(mailbox.url, "Storelens <alerts@storelens.test>");
  boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 2 });
  boss.on("error", (error) => bossErrors.push(error));
  await boss.start();
  await registerAlertJobs(boss, pool);
  await registerWeeklyDigestJob(boss, pool, () => mailer);
});

afterAll(async () => {
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  mailer?.transport.close();
  await mailbox?.stop();
  expect(bossErrors).toEqual([]);
});

/** Monday (YYYY-MM-DD, UTC) of the last week whose digest is due `now`. */
function dueWeek(now: Date): string {
  const today = now.toISOString().slice(0, 10);
  const weekday = (now.getUTCDay() + 6) % 7;
  const monday = addDays(today, -weekday);
  const mondayNine = Date.parse(`${monday}T09:00:00Z`);
  return addDays(monday, now.getTime() >= mondayNine ? -7 : -14);
}

describe("weekly digest job", () => {
  it("is scheduled every 15 minutes", async () => {
    const schedules = await boss.getSchedules();
    const digest = schedules.find((row) => row.name === WEEKLY_DIGEST_QUEUE);
    expect(digest?.cron).toBe("*/15 * * * *");
  });

  it("queues one digest when run twice", async () => {
    const week = dueWeek(new Date());
    const shop = await prisma.shop.create({
      data: { domain: "digest-job.myshopify.com", timezone: "UTC" },
    });
    await prisma.alertSettings.create({
      data: { shopId: shop.id, recipients: ["owner@digest-job.test"] },
    });
    await prisma.alert.create({
      data: {
        shopId: shop.id,
        kind: "rps-drop",
        subject: "shop",
        period: addDays(week, 2),
        severity: "warning",
        title: "Revenue per session fell",
        summary: "RPS fell by 30%.",
        currency: "USD",
        details: {},
        evidence: [],
      },
    });

    await boss.send(WEEKLY_DIGEST_QUEUE, {});
    const row = await waitFor(
      () => prisma.alertEmail.findFirst({ where: { shopId: shop.id } }),
      "the weekly digest job",
    );
    expect(row.digestWeek).toBe(week);
    await boss.send(WEEKLY_DIGEST_QUEUE, {});
    // Waits until no digest job is queued or active.
    await waitFor(async () => {
      const unfinished = await boss.getQueueSize(WEEKLY_DIGEST_QUEUE, {
        before: "completed",
      });
      return unfinished === 0 ? true : null;
    }, "the weekly digest job");
    expect(await prisma.alertEmail.count({ where: { shopId: shop.id } })).toBe(
      1,
    );

    await sendDueEmails(pool, mailer);
    expect(mailbox.messages).toHaveLength(1);
    expect(mailbox.messages[0].parsed.headers.get("x-storelens-digest")).toBe(
      week,
    );
  });
});

import PgBoss from "pg-boss";
import { pool, prisma } from "~/db.server";
import {
  FRICTION_QUEUE,
  registerFrictionJobs,
} from "~/friction/friction-job.server";
import {
  createShop,
  injectRageBurst,
  seedHistory,
} from "../../test/support/alert-traffic";
import { ALERT_DETECTION_QUEUE, registerAlertJobs } from "./alert-jobs.server";
import { waitFor } from "../../test/support/wait-for";

// The queues as the server registers them: a friction run that stores new
// signals requests an alert detection run, which stores the alert.

let boss: PgBoss;
// Kept rather than thrown: pg-boss may still hold a connection when this
// file's database is dropped after the tests, and it reports that as an error.
const bossErrors: Error[] = [];

beforeAll(async () => {
  boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 2 });
  boss.on("error", (error) => bossErrors.push(error));
  await boss.start();
  await registerFrictionJobs(boss, pool);
  await registerAlertJobs(boss, pool);
});

afterAll(async () => {
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  expect(bossErrors).toEqual([]);
});

describe("alert jobs", () => {
  it("raise an alert after the friction job finds a burst", async () => {
    // Today's traffic, so the scheduled detection judges the right day.
    const now = Date.now();
    const shop = await createShop("jobs.myshopify.com", []);
    await seedHistory(shop, now);
    await injectRageBurst(shop.domain, 6, now);

    await boss.send(FRICTION_QUEUE, {});
    const alert = await waitFor(
      () => prisma.alert.findFirst({ where: { shopId: shop.id } }),
      "the alert jobs",
    );
    expect(alert.kind).toBe("friction-new");
    expect(alert.subject).toBe("/products/linen-shirt #add-to-cart");
  });

  it("keep one detection run waiting at most", async () => {
    const ids = await Promise.all(
      Array.from({ length: 5 }, () => boss.send(ALERT_DETECTION_QUEUE, {})),
    );
    expect(ids.filter((id) => id !== null).length).toBeLessThanOrEqual(2);
  });
});

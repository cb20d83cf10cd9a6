import PgBoss from "pg-boss";
import { prisma } from "~/db.server";
import {
  fixtureOrder,
  startAdminApiStandIn,
  type AdminApiStandIn,
} from "../../test/support/admin-api-stand-in";
import { storeOfflineSession } from "../../test/support/shopify";
import { ORDER_BACKFILL_QUEUE, registerOrderJobs } from "./backfill-job.server";
import {
  backfillStatus,
  setBackfillDispatcher,
  startBackfill,
  type BackfillStatus,
} from "./backfill.server";

const DAY_MS = 24 * 3600 * 1000;

let standIn: AdminApiStandIn;
let restoreFetch: () => void;
let boss: PgBoss;
const bossErrors: Error[] = [];

beforeAll(async () => {
  standIn = await startAdminApiStandIn();
  restoreFetch = standIn.install();
  boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 3 });
  boss.on("error", (error) => bossErrors.push(error));
  await boss.start();
  await registerOrderJobs(boss, {
    pollingIntervalSeconds: 0.5,
    retryDelaySeconds: 1,
  });
});

afterAll(async () => {
  setBackfillDispatcher(null);
  await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  restoreFetch();
  await standIn.stop();
  expect(bossErrors).toEqual([]);
});

async function installedShop(domain: string, count: number) {
  const shop = await prisma.shop.create({ data: { domain } });
  await storeOfflineSession(domain);
  const session = await prisma.session.findUniqueOrThrow({
    where: { id: `offline_${domain}` },
  });
  const start = new Date(Date.now() - 10 * DAY_MS);
  const orders = Array.from({ length: count }, (_, index) =>
    fixtureOrder(index + 1, start),
  );
  standIn.addShop(domain, session.accessToken, orders);
  return shop;
}

async function waitForStatus(
  shopId: string,
  expected: BackfillStatus["status"],
): Promise<BackfillStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await backfillStatus(shopId);
    if (status?.status === expected) return status;
    if (Date.now() > deadline) {
      throw new Error(
        `backfill of ${shopId} is ${status?.status}, not ${expected}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("order backfill job", () => {
  it("runs a started backfill on the pg-boss queue", async () => {
    const shop = await installedShop("queued.myshopify.com", 120);
    await startBackfill(shop);
    const status = await waitForStatus(shop.id, "done");
    expect(status.imported).toBe(120);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(120);
    const jobs = await boss.fetch(ORDER_BACKFILL_QUEUE);
    expect(jobs).toHaveLength(0);
  });

  it("retries a failed job from the saved cursor", async () => {
    const shop = await installedShop("retried.myshopify.com", 250);
    standIn.failOn({ page: 2, kind: "http500", times: 1 });
    await startBackfill(shop);
    const status = await waitForStatus(shop.id, "done");
    expect(status.imported).toBe(250);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(250);
    expect(
      standIn
        .requestsFor("retried.myshopify.com")
        .map((request) => [request.page, request.status]),
    ).toEqual([
      [1, "ok"],
      [2, "http500"],
      [2, "ok"],
      [3, "ok"],
    ]);
  });
});

import { randomUUID } from "node:crypto";
import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import { makeBatch, postJson } from "../../test/support/batches";
import {
  adminRequest,
  sessionToken,
  storeOfflineSession,
} from "../../test/support/shopify";
import {
  action as experimentAction,
  loader as experimentLoader,
} from "./app.hypotheses.$id";
import { loader as boardLoader } from "./app.hypotheses._index";
import {
  action as createAction,
  loader as newLoader,
} from "./app.hypotheses.new";

// The hypothesis board, the new-hypothesis form and the experiment page,
// called as Remix calls them with a signed session token, against data
// that came in through the real ingest endpoint.

const SHOP_A = "experiments-a.myshopify.com";
const SHOP_B = "experiments-b.myshopify.com";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// Yesterday noon, so exposures land inside every "recent days" window.
const NOW = Date.now();
const EXPOSED_AT = NOW - DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const shopIds: Record<string, string> = {};

function call<T>(
  handler: (args: any) => Promise<T>,
  request: Request,
  params: Record<string, string> = {},
) {
  return handler({ request, params, context: {} });
}

function postForm(shop: string, path: string, fields: Record<string, string>) {
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${sessionToken(shop)}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields),
  });
}

/** Sends one exposed visit through /collect and returns its session id. */
async function exposeVisit(shop: string, experiment: string, variant: string) {
  const batch = makeBatch(shop, {
    sentAt: EXPOSED_AT,
    pages: [],
    events: [{ type: "exposure", experiment, variant, at: EXPOSED_AT }],
    source: "pixel",
    clientId: "client",
  });
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger: pino({ level: "silent" }),
      now: () => new Date(EXPOSED_AT),
    },
  );
  expect(response.status).toBe(200);
  return batch.sessionId;
}

async function order(shop: string, sessionId: string, total: number) {
  await prisma.order.create({
    data: {
      shopId: shopIds[shop],
      id: String(Math.floor(Math.random() * 1e12)),
      processedAt: new Date(EXPOSED_AT + HOUR_MS),
      currency: "USD",
      totalPrice: total,
      sessionId,
    },
  });
}

async function hypothesis(shop: string, data: Record<string, unknown> = {}) {
  return prisma.hypothesis.create({
    data: {
      shopId: shopIds[shop],
      title: "Sticky add to cart",
      change: "keep the add-to-cart button visible while scrolling",
      expectedEffect: "more mobile shoppers add to cart",
      ...data,
    },
  });
}

beforeAll(async () => {
  for (const domain of [SHOP_A, SHOP_B]) {
    const shop = await prisma.shop.create({
      data: { domain, firstEventAt: new Date() },
    });
    shopIds[domain] = shop.id;
    await storeOfflineSession(domain);
  }
  // Shop A: 6 control visits (1 order of 80), 5 treatment visits (2 orders).
  for (let i = 0; i < 6; i++) {
    const session = await exposeVisit(SHOP_A, "sticky-cart", "control");
    if (i === 0) await order(SHOP_A, session, 80);
  }
  for (let i = 0; i < 5; i++) {
    const session = await exposeVisit(SHOP_A, "sticky-cart", "treatment");
    if (i < 2) await order(SHOP_A, session, 50);
  }
  await exposeVisit(SHOP_A, "sticky-cart", "unplanned");
  // Shop B uses the same experiment key; none of it may reach shop A.
  for (let i = 0; i < 4; i++) {
    const session = await exposeVisit(SHOP_B, "sticky-cart", "treatment");
    await order(SHOP_B, session, 999);
  }
});

describe("hypothesis board", () => {
  it("lists the shop's own hypotheses by revenue at stake", async () => {
    await hypothesis(SHOP_A, { title: "Small", revenueAtStake: 10 });
    await hypothesis(SHOP_A, { title: "Large", revenueAtStake: 900 });
    await hypothesis(SHOP_B, { title: "Other shop", revenueAtStake: 5000 });

    const data = await call(
      boardLoader,
      adminRequest(SHOP_A, "/app/hypotheses"),
    );
    const titles = data.hypotheses.map((item) => item.title);
    expect(titles.indexOf("Large")).toBeLessThan(titles.indexOf("Small"));
    expect(titles).not.toContain("Other shop");
  });

  it("rejects an unauthenticated request", async () => {
    const request = new Request(
      `${process.env.SHOPIFY_APP_URL}/app/hypotheses`,
    );
    const outcome = await call(boardLoader, request).catch((error) => error);
    expect(outcome).toBeInstanceOf(Response);
    expect([302, 401]).toContain((outcome as Response).status);
  });
});

describe("new hypothesis", () => {
  it("attaches a friction hotspot of the shop as evidence", async () => {
    const sessionId = randomUUID();
    await prisma.frictionSignal.create({
      data: {
        shopId: shopIds[SHOP_A],
        kind: "rage-click",
        sessionId,
        pageViewId: randomUUID(),
        path: "/products/shirt",
        device: "mobile",
        selector: "#size-m",
        x: 10,
        y: 10,
        offsetX: 0.5,
        offsetY: 0.5,
        fixed: false,
        clicks: 4,
        occurredAt: new Date(EXPOSED_AT),
      },
    });
    const query = `signal=rage-click&path=%2Fproducts%2Fshirt&device=mobile&selector=%23size-m&from=${dayOf(EXPOSED_AT - DAY_MS)}&to=${dayOf(NOW)}`;

    const own = await call(
      newLoader,
      adminRequest(SHOP_A, `/app/hypotheses/new?${query}`),
    );
    expect(own.draft.evidenceKind).toBe("friction");
    expect(own.draft.evidenceLabel).toContain("Rage clicks on #size-m");
    expect(own.draft.evidenceUrl).toContain("mode=rage");
    expect(own.draft.pages).toEqual(["/products/shirt"]);

    const forged = await call(
      newLoader,
      adminRequest(SHOP_B, `/app/hypotheses/new?${query}`),
    );
    expect(forged.draft.evidenceKind).toBeNull();
    expect(forged.draft.evidenceUrl).toBeNull();
  });

  it("attaches a signal that has no element", async () => {
    await prisma.frictionSignal.create({
      data: {
        shopId: shopIds[SHOP_A],
        kind: "u-turn",
        sessionId: randomUUID(),
        pageViewId: randomUUID(),
        path: "/cart",
        device: "desktop",
        selector: "",
        clicks: 1,
        occurredAt: new Date(EXPOSED_AT),
      },
    });
    const query = `signal=u-turn&path=%2Fcart&device=desktop&selector=&from=${dayOf(EXPOSED_AT - DAY_MS)}&to=${dayOf(NOW)}`;
    const data = await call(
      newLoader,
      adminRequest(SHOP_A, `/app/hypotheses/new?${query}`),
    );
    expect(data.draft.evidenceKind).toBe("friction");
    expect(data.draft.evidenceLabel).toMatch(
      /^Quick returns on \/cart \(desktop\)/,
    );
    expect(data.draft.evidenceUrl).toContain("mode=scroll");
  });

  it("creates a hypothesis and redirects to it", async () => {
    const response = (await call(
      createAction,
      postForm(SHOP_A, "/app/hypotheses/new", {
        title: "Bigger size buttons",
        change: "show sizes as buttons",
        expectedEffect: "more add to carts",
        metric: "conversion",
        pages: "/products/shirt, /products/dress",
        evidenceKind: "friction",
        evidenceLabel: "Rage clicks on #size-m",
        evidenceUrl: "/app/heatmaps?path=%2Fproducts%2Fshirt",
        revenueAtStake: "120.50",
      }),
    )) as Response;
    expect(response.status).toBe(302);
    const id = response.headers.get("Location")!.split("/").pop()!;
    const stored = await prisma.hypothesis.findUniqueOrThrow({
      where: { shopId_id: { shopId: shopIds[SHOP_A], id } },
    });
    expect(stored.pages).toEqual(["/products/shirt", "/products/dress"]);
    expect(stored.metric).toBe("conversion");
    expect(stored.state).toBe("idea");
    expect(stored.revenueAtStake.toFixed(2)).toBe("120.50");
  });

  it("rejects an empty change with its field", async () => {
    const before = await prisma.hypothesis.count();
    const response = (await call(
      createAction,
      postForm(SHOP_A, "/app/hypotheses/new", {
        title: "No change",
        change: "  ",
        expectedEffect: "something",
        metric: "rps",
      }),
    )) as Response;
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.field).toBe("change");
    expect(body.message).toMatch(/must not be empty/);
    expect(await prisma.hypothesis.count()).toBe(before);
  });

  it("rejects evidence that links outside the app", async () => {
    const response = (await call(
      createAction,
      postForm(SHOP_A, "/app/hypotheses/new", {
        title: "Phishing",
        change: "x",
        expectedEffect: "y",
        metric: "rps",
        evidenceUrl: "https://example.com/",
      }),
    )) as Response;
    expect(response.status).toBe(400);
    expect((await response.json()).field).toBe("evidenceUrl");
  });
});

describe("experiment page", () => {
  it("evaluates the shop's own exposures and orders", async () => {
    const created = await hypothesis(SHOP_A, {
      experimentKey: "sticky-cart",
      variants: [
        { key: "control", weight: 50 },
        { key: "treatment", weight: 50 },
      ],
      state: "running",
    });
    const data = await call(
      experimentLoader,
      adminRequest(SHOP_A, `/app/hypotheses/${created.id}`),
      { id: created.id },
    );
    const evaluation = data.report.evaluation!;
    const [control, treatment] = evaluation.arms;
    expect(control.sessions).toBe(6);
    expect(control.orders).toBe(1);
    expect(control.revenue).toBeCloseTo(80, 6);
    expect(treatment.sessions).toBe(5);
    expect(treatment.orders).toBe(2);
    expect(treatment.revenue).toBeCloseTo(100, 6);
    expect(treatment.rps.value).toBeCloseTo(20, 6);
    expect(data.report.unknownVariantSessions).toBe(1);
    expect(evaluation.srm?.degreesOfFreedom).toBe(1);
    expect(evaluation.verdict.kind).toBe("collecting");
    expect(data.report.planning.traffic.sessions).toBeGreaterThanOrEqual(12);
  });

  it("returns 404 for another shop's hypothesis", async () => {
    const other = await hypothesis(SHOP_B);
    const outcome = await call(
      experimentLoader,
      adminRequest(SHOP_A, `/app/hypotheses/${other.id}`),
      { id: other.id },
    ).catch((error) => error);
    expect((outcome as Response).status).toBe(404);
  });

  it("starts an A/B test with a planned size", async () => {
    const created = await hypothesis(SHOP_A);
    const response = (await call(
      experimentAction,
      postForm(SHOP_A, `/app/hypotheses/${created.id}`, {
        intent: "settings",
        mode: "ab",
        experimentKey: "hero-copy",
        variants: "control:50, b:50",
        relativeEffect: "0.2",
        alpha: "0.05",
        power: "0.8",
      }),
      { id: created.id },
    )) as Response;
    expect(response.status).toBe(200);
    const stored = await prisma.hypothesis.findUniqueOrThrow({
      where: { shopId_id: { shopId: shopIds[SHOP_A], id: created.id } },
    });
    expect(stored.state).toBe("running");
    expect(stored.startedAt).not.toBeNull();
    expect(stored.variants).toEqual([
      { key: "control", weight: 50 },
      { key: "b", weight: 50 },
    ]);
    expect(stored.plannedSessionsPerArm).toBeGreaterThan(0);
  });

  it("rejects a key another hypothesis uses", async () => {
    await hypothesis(SHOP_A, { experimentKey: "taken" });
    const created = await hypothesis(SHOP_A);
    const response = (await call(
      experimentAction,
      postForm(SHOP_A, `/app/hypotheses/${created.id}`, {
        intent: "settings",
        mode: "ab",
        experimentKey: "taken",
        variants: "control:50, b:50",
        relativeEffect: "0.1",
        alpha: "0.05",
        power: "0.8",
      }),
      { id: created.id },
    )) as Response;
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.field).toBe("experimentKey");
    expect(body.message).toMatch(/another hypothesis/);
  });

  it("rejects malformed variants", async () => {
    const created = await hypothesis(SHOP_A);
    const response = (await call(
      experimentAction,
      postForm(SHOP_A, `/app/hypotheses/${created.id}`, {
        intent: "settings",
        mode: "ab",
        experimentKey: "solo",
        variants: "control:100",
        relativeEffect: "0.1",
        alpha: "0.05",
        power: "0.8",
      }),
      { id: created.id },
    )) as Response;
    expect(response.status).toBe(400);
    expect((await response.json()).field).toBe("variants");
  });

  it("plans and shows a 1:3 split", async () => {
    const created = await hypothesis(SHOP_A);
    const path = `/app/hypotheses/${created.id}`;
    const response = (await call(
      experimentAction,
      postForm(SHOP_A, path, {
        intent: "settings",
        mode: "ab",
        experimentKey: "one-to-three",
        variants: "control:25, b:75",
        relativeEffect: "0.2",
        alpha: "0.05",
        power: "0.8",
      }),
      { id: created.id },
    )) as Response;
    expect(response.status).toBe(200);
    const stored = await prisma.hypothesis.findUniqueOrThrow({
      where: { shopId_id: { shopId: shopIds[SHOP_A], id: created.id } },
    });
    expect(stored.variants).toEqual([
      { key: "control", weight: 25 },
      { key: "b", weight: 75 },
    ]);

    const data = await call(experimentLoader, adminRequest(SHOP_A, path), {
      id: created.id,
    });
    const planning = data.report.planning;
    expect(planning.arms).toEqual([
      { key: "control", weight: 25 },
      { key: "b", weight: 75 },
    ]);
    const plan = planning.rps!;
    const equal = planning.equalSplit!.rps!;
    expect(stored.plannedSessionsPerArm).toBe(plan.arms[0].sessions);
    expect(plan.arms.map((arm) => arm.share)).toEqual([0.25, 0.75]);

    // Control sessions from the page traffic, computed here: variance
    // (1 + 1/3) (z_0.975 + z_0.8)^2 / (0.2 mean)^2; the treatment gets 3x.
    const { mean, variance } = planning.traffic.revenuePerSession;
    const control =
      (variance * (4 / 3) * (1.959963984540054 + 0.8416212335729143) ** 2) /
      (0.2 * mean) ** 2;
    expect(plan.arms[0].sessions).toBe(Math.ceil(control));
    expect(plan.arms[1].sessions).toBe(Math.ceil(control * 3));
    expect(plan.totalSessions).toBe(
      Math.ceil(control) + Math.ceil(control * 3),
    );
    expect(plan.days).toBe(
      Math.ceil(plan.totalSessions / planning.traffic.dailySessions),
    );
    expect(equal.arms.map((arm) => arm.share)).toEqual([0.5, 0.5]);
    expect(equal.totalSessions).toBeLessThan(plan.totalSessions);
  });

  it("plans three arms at the split alpha", async () => {
    const created = await hypothesis(SHOP_A);
    const path = `/app/hypotheses/${created.id}`;
    const response = (await call(
      experimentAction,
      postForm(SHOP_A, path, {
        intent: "settings",
        mode: "ab",
        experimentKey: "three-arms",
        variants: "control:1, b:1, c:1",
        relativeEffect: "0.2",
        alpha: "0.05",
        power: "0.8",
      }),
      { id: created.id },
    )) as Response;
    expect(response.status).toBe(200);

    const data = await call(experimentLoader, adminRequest(SHOP_A, path), {
      id: created.id,
    });
    const planning = data.report.planning;
    const plan = planning.rps!;
    // Two comparisons, each tested at 0.025: z_0.9875 replaces z_0.975.
    const { mean, variance } = planning.traffic.revenuePerSession;
    const control =
      (variance * 2 * (2.241402727604947 + 0.8416212335729143) ** 2) /
      (0.2 * mean) ** 2;
    expect(plan.arms.map((arm) => arm.sessions)).toEqual([
      Math.ceil(control),
      Math.ceil(control),
      Math.ceil(control),
    ]);
  });

  it("rejects bad weights with the variants field", async () => {
    const created = await hypothesis(SHOP_A, {
      experimentKey: "weights-kept",
      variants: [
        { key: "control", weight: 50 },
        { key: "b", weight: 50 },
      ],
    });
    const path = `/app/hypotheses/${created.id}`;
    const cases: [string, RegExp][] = [
      ["control:0, b:100", /"control" has the weight 0: .*at least 0.01/],
      ["control:50, b:-50", /"b" has the invalid weight "-50"/],
      ["control:half, b:50", /"control" has the invalid weight "half"/],
      ["control:50, b:", /"b" has no weight/],
      ["control:50, b:150", /"b" has the weight 150: .*at most 100/],
      // Weights this small plan NaN or infinite sessions.
      [`control:0.${"0".repeat(318)}1, b:100`, /"control" has the weight/],
      [`control:100, b:0.${"0".repeat(318)}1`, /"b" has the weight/],
      ["control:50, b:0.001", /"b" has the weight 0.001: .*at least 0.01/],
      ["control:100", /2 to 6 arms .*got 1/],
    ];
    for (const [variants, message] of cases) {
      const response = (await call(
        experimentAction,
        postForm(SHOP_A, path, {
          intent: "settings",
          mode: "ab",
          experimentKey: "weights-kept",
          variants,
          relativeEffect: "0.1",
          alpha: "0.05",
          power: "0.8",
        }),
        { id: created.id },
      )) as Response;
      expect(response.status, variants).toBe(400);
      const body = await response.json();
      expect(body.field, variants).toBe("variants");
      expect(body.message, variants).toMatch(message);
    }
    const stored = await prisma.hypothesis.findUniqueOrThrow({
      where: { shopId_id: { shopId: shopIds[SHOP_A], id: created.id } },
    });
    expect(stored.variants).toEqual([
      { key: "control", weight: 50 },
      { key: "b", weight: 50 },
    ]);
    expect(stored.state).toBe("idea");
  });

  it("checks the sample ratio against the split", async () => {
    for (let i = 0; i < 3; i++) {
      await exposeVisit(SHOP_A, "ratio-split", "control");
    }
    for (let i = 0; i < 9; i++) {
      await exposeVisit(SHOP_A, "ratio-split", "b");
    }
    const created = await hypothesis(SHOP_A, {
      experimentKey: "ratio-split",
      variants: [
        { key: "control", weight: 25 },
        { key: "b", weight: 75 },
      ],
      state: "running",
    });
    const data = await call(
      experimentLoader,
      adminRequest(SHOP_A, `/app/hypotheses/${created.id}`),
      { id: created.id },
    );
    const srm = data.report.evaluation!.srm!;
    // 3 and 9 visits are exactly 1:3; an equal split would expect 6 and 6.
    expect(srm.expected).toEqual([3, 9]);
    expect(srm.chiSquare).toBe(0);
    expect(srm.pValue).toBe(1);
    expect(srm.mismatch).toBe(false);
  });

  it("keeps the learning of a lost test", async () => {
    const created = await hypothesis(SHOP_A, { state: "running" });
    const path = `/app/hypotheses/${created.id}`;
    const missing = (await call(
      experimentAction,
      postForm(SHOP_A, path, { intent: "state", state: "lost", learning: "" }),
      { id: created.id },
    )) as Response;
    expect(missing.status).toBe(400);
    expect((await missing.json()).field).toBe("learning");

    const saved = (await call(
      experimentAction,
      postForm(SHOP_A, path, {
        intent: "state",
        state: "lost",
        learning: "Shoppers ignored the sticky bar on desktop",
      }),
      { id: created.id },
    )) as Response;
    expect(saved.status).toBe(200);
    const board = await call(
      boardLoader,
      adminRequest(SHOP_A, "/app/hypotheses"),
    );
    const item = board.hypotheses.find((entry) => entry.id === created.id)!;
    expect(item.state).toBe("lost");
    expect(item.learning).toBe("Shoppers ignored the sticky bar on desktop");
  });

  it("compares equal weeks before and after a change", async () => {
    const changeDay = dayOf(NOW - 14 * DAY_MS);
    const changeMs = Date.parse(`${changeDay}T12:00:00Z`);
    for (const [offsetDays, count] of [
      [-10, 3],
      [-20, 5],
      [3, 4],
    ]) {
      for (let i = 0; i < count; i++) {
        const at = new Date(changeMs + offsetDays * DAY_MS);
        await prisma.visitorSession.create({
          data: {
            shopId: shopIds[SHOP_B],
            id: randomUUID(),
            visitorId: randomUUID(),
            startedAt: at,
            lastSeenAt: at,
            device: "desktop",
          },
        });
      }
    }
    const created = await hypothesis(SHOP_B, {
      mode: "before_after",
      changedAt: new Date(`${changeDay}T00:00:00Z`),
    });
    const data = await call(
      experimentLoader,
      adminRequest(SHOP_B, `/app/hypotheses/${created.id}`),
      { id: created.id },
    );
    const report = data.report.beforeAfter!;
    expect(report.weeks).toBe(2);
    expect(report.before.sessions).toBe(3);
    expect(report.after.range.from).toBe(changeDay);
    expect(report.before.range.to < changeDay).toBe(true);
    expect(data.report.evaluation).toBeNull();
  });
});

import pino from "pino";
import { prisma, pool } from "~/db.server";
import { handleBatch } from "~/ingest/handle-batch.server";
import type { BatchPayload } from "~/ingest/payload-types";
import {
  NO_EFFECT,
  makeBatch,
  makeClick,
  makePage,
  postJson,
} from "../../test/support/batches";
import {
  adminRequest,
  sessionToken,
  storeOfflineSession,
} from "../../test/support/shopify";
import { action, loader } from "./app.friction";

// The friction page end to end through its loader and action: every kind
// of signal from real batches, scroll stops, repeat views, and the
// excluded-selector setting, for two shops side by side.

const SHOP_A = "friction-page-a.myshopify.com";
const SHOP_B = "friction-page-b.myshopify.com";
const HOUR = 3_600_000;
const DAY_MS = 24 * HOUR;
// Two days ago, so the visits have ended and the default range covers them.
const T = Date.now() - 2 * DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const RANGE = `from=${dayOf(T - 7 * DAY_MS)}&to=${dayOf(Date.now())}`;

const NOTHING = NO_EFFECT;

async function post(batch: BatchPayload) {
  const response = await handleBatch(
    postJson("https://storelens.test/collect", batch),
    {
      pool,
      logger: pino({ level: "silent" }),
      now: () => new Date(batch.sentAt),
    },
  );
  expect(response.status).toBe(200);
}

async function sendFrictionVisit(shop: string, at: number, selector: string) {
  const page = makePage({ path: "/products/kettle", startedAt: at });
  await post(
    makeBatch(shop, {
      sentAt: at + 10_000,
      pages: [page],
      events: [
        ...[0, 200, 400].map((offset) =>
          makeClick(page, {
            at: at + 1000 + offset,
            selector,
            outcome: NOTHING,
          }),
        ),
        {
          type: "scroll",
          page: page.id,
          at: at + 5000,
          maxDepthPx: 900,
          documentHeight: 4000,
        },
        { type: "error", page: page.id, at: at + 6000, message: "boom 42" },
      ],
    }),
  );
}

function call<T>(fn: (args: any) => Promise<T>, request: Request) {
  return fn({ request, params: {}, context: {} });
}

function postForm(shop: string, fields: Record<string, string>) {
  return new Request(`${process.env.SHOPIFY_APP_URL}/app/friction`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${sessionToken(shop)}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(fields).toString(),
  });
}

beforeAll(async () => {
  for (const domain of [SHOP_A, SHOP_B]) {
    await prisma.shop.create({ data: { domain, firstEventAt: new Date() } });
    await storeOfflineSession(domain);
  }
  for (let i = 0; i < 3; i++) {
    await sendFrictionVisit(SHOP_A, T + i * HOUR, "#add-to-cart");
  }
  await sendFrictionVisit(SHOP_B, T, "#shop-b-button");
});

describe("friction page", () => {
  it("lists each kind with its places and the scroll stops", async () => {
    const data = await call(
      loader,
      adminRequest(SHOP_A, `/app/friction?${RANGE}`),
    );
    expect(data.impacts.map((impact) => impact.kind).sort()).toEqual([
      "dead-click",
      "js-error",
      "rage-click",
    ]);
    const rage = data.places.find((place) => place.kind === "rage-click")!;
    expect([rage.selector, rage.sessions, rage.signals]).toEqual([
      "#add-to-cart",
      3,
      3,
    ]);
    const error = data.places.find((place) => place.kind === "js-error")!;
    expect([error.path, error.detail, error.sessions]).toEqual([
      "/products/kettle",
      "boom <n>",
      3,
    ]);
    // 900 of 4000 px is 22.5 %: every page view stopped in the 20-30 % band.
    const [kettle] = data.scroll;
    expect(kettle.path).toBe("/products/kettle");
    expect(kettle.pageViews).toBe(3);
    expect(kettle.stopBand).toMatchObject({ fromPercent: 20, pageViews: 3 });
    expect(
      data.places.some((place) => place.selector === "#shop-b-button"),
    ).toBe(false);
  });

  it("rejects a selector that is too long, naming the line", async () => {
    const result = await call(
      action,
      postForm(SHOP_A, { excludedSelectors: `#ok\n${"x".repeat(600)}` }),
    );
    expect(result.error).toBe(
      "Excluded selectors (line 2) must be at most 512 characters.",
    );
    expect(await prisma.frictionSettings.count()).toBe(0);
  });

  it.each([
    ["* alone", "#ok\n*", "(line 2) must name an element before the *"],
    [
      "a one-letter prefix",
      "a *",
      "(line 1) must name an element before the *",
    ],
    [
      "blank lines before the bad one",
      `#a\n\n\n${"x".repeat(600)}`,
      "(line 4) must be at most 512",
    ],
  ])("rejects %s", async (_name, text, message) => {
    const result = await call(
      action,
      postForm(SHOP_B, { excludedSelectors: text }),
    );
    expect(result.error).toContain(message);
    expect(await prisma.frictionSettings.count()).toBe(0);
  });

  it("counts repeated lines once against the limit", async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `#element-${i}`);
    const result = await call(
      action,
      postForm(SHOP_B, {
        excludedSelectors: [...lines, "#element-0"].join("\n"),
      }),
    );
    expect(result.error).toBeNull();
    await call(action, postForm(SHOP_B, { excludedSelectors: "" }));
  });

  it("saves exclusions and hides their signals in this shop only", async () => {
    const result = await call(
      action,
      postForm(SHOP_A, {
        excludedSelectors: " #add-to-cart \n\n#add-to-cart\n#shop-b-button",
      }),
    );
    // Three visits, each with one rage burst of three dead clicks.
    expect(result).toEqual({
      error: null,
      change: { hidden: 12, restored: 0 },
    });
    const data = await call(
      loader,
      adminRequest(SHOP_A, `/app/friction?${RANGE}`),
    );
    expect(data.excluded).toEqual(["#add-to-cart", "#shop-b-button"]);
    expect(data.impacts.map((impact) => impact.kind)).toEqual(["js-error"]);

    const other = await call(
      loader,
      adminRequest(SHOP_B, `/app/friction?${RANGE}`),
    );
    expect(other.excluded).toEqual([]);
    expect(
      other.places.filter((place) => place.selector === "#shop-b-button"),
    ).toHaveLength(2);
  });

  it("shows the signals again once the exclusion is gone", async () => {
    const result = await call(
      action,
      postForm(SHOP_A, { excludedSelectors: "#shop-b-button" }),
    );
    expect(result).toEqual({
      error: null,
      change: { hidden: 0, restored: 12 },
    });
    const data = await call(
      loader,
      adminRequest(SHOP_A, `/app/friction?${RANGE}`),
    );
    expect(data.excluded).toEqual(["#shop-b-button"]);
    expect(data.impacts.map((impact) => impact.kind).sort()).toEqual([
      "dead-click",
      "js-error",
      "rage-click",
    ]);
    expect(
      data.places
        .filter((place) => place.selector === "#add-to-cart")
        .map((place) => [place.kind, place.signals]),
    ).toEqual([
      ["dead-click", 9],
      ["rage-click", 3],
    ]);
  });
});

import type { BatchPayload } from "../../app/ingest/payload-types";
import { restOrder } from "../../app/orders/test-fixtures";
import { sendDemoOrders, type DemoOrderPlan } from "./demo-orders";
import {
  demoUserAgent,
  DemoRandom,
  generateDemoTraffic,
  type GenerateDemoTrafficOptions,
} from "./demo-traffic";

// A demo A/B test, sent through the app's real endpoints. Every demo visit
// that opens the product page is exposed to the control or to a sticky
// add-to-cart bar, 50/50 by its session id, as a theme that sets an
// `sl_variant` cookie would assign them. Treatment visits that reached the
// product page but did not buy convert now and then, so the test has an
// effect to find. The hypotheses are created through the admin's own forms.

export const DEMO_EXPERIMENT_KEY = "sticky-add-to-cart";
const PRODUCT_PATH = "/products/linen-shirt";
const PRICE = 68;
/** Extra chance that a non-buying treatment visit buys: the demo's lift. */
const TREATMENT_EXTRA_CONVERSION = 0.08;
/** Order numbers of the experiment, far from those of the other demo orders. */
const FIRST_ORDER_NUMBER = 500_000;

export interface SeedDemoExperimentOptions {
  traffic: GenerateDemoTrafficOptions & { origin: string };
  /** Orders the demo already sends; their visits keep their order. */
  plans: DemoOrderPlan[];
  ingestUrl: string;
  appUrl: string;
  secret: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ExposedVisit {
  batch: BatchPayload;
  variant: "control" | "sticky-bar";
  at: number;
}

function variantOf(sessionId: string): ExposedVisit["variant"] {
  const sum = [...sessionId].reduce((total, c) => total + c.charCodeAt(0), 0);
  return sum % 2 === 0 ? "control" : "sticky-bar";
}

/** First product page view of each demo visit, with its arm. */
export function exposedVisits(batches: BatchPayload[]): ExposedVisit[] {
  const visits = new Map<string, ExposedVisit>();
  for (const batch of batches) {
    const page = batch.pages.find((entry) => entry.path === PRODUCT_PATH);
    if (!page || visits.has(batch.sessionId)) continue;
    visits.set(batch.sessionId, {
      batch,
      variant: variantOf(batch.sessionId),
      at: page.startedAt,
    });
  }
  return [...visits.values()];
}

async function postExposure(
  options: SeedDemoExperimentOptions,
  visit: ExposedVisit,
) {
  const batch: BatchPayload = {
    v: 1,
    batchId: crypto.randomUUID(),
    shop: options.traffic.shop,
    visitorId: visit.batch.visitorId,
    sessionId: visit.batch.sessionId,
    sentAt: Date.now(),
    pages: [],
    events: [
      {
        type: "exposure",
        experiment: DEMO_EXPERIMENT_KEY,
        variant: visit.variant,
        // The page view's own time: with sentAt now, the endpoint keeps it.
        at: visit.at,
      },
    ],
  };
  const response = await fetch(options.ingestUrl, {
    method: "POST",
    headers: {
      "Content-Type": "text/plain",
      Origin: options.traffic.origin,
      // The visit's own browser, so the endpoint does not flag it as a bot.
      "User-Agent": demoUserAgent(visit.batch),
    },
    body: JSON.stringify(batch),
  });
  if (!response.ok) {
    throw new Error(
      `exposure batch failed with ${response.status}: ${await response.text()}`,
    );
  }
}

export function extraOrders(
  visits: ExposedVisit[],
  plans: DemoOrderPlan[],
  seed: number,
): DemoOrderPlan[] {
  const buyers = new Set(
    plans.flatMap((plan) => {
      const notes = plan.payload.note_attributes as
        { value: string }[] | undefined;
      return notes?.map((note) => note.value) ?? [];
    }),
  );
  const random = new DemoRandom(seed + 7);
  const orders: DemoOrderPlan[] = [];
  for (const visit of visits) {
    const eligible =
      visit.variant === "sticky-bar" && !buyers.has(visit.batch.sessionId);
    if (!eligible || random.next() >= TREATMENT_EXTRA_CONVERSION) continue;
    const quantity = 1 + Math.floor(random.next() * 2);
    const total = (PRICE * quantity).toFixed(2);
    const paidAt = new Date(visit.at + 4 * 60_000).toISOString();
    const payload = restOrder(FIRST_ORDER_NUMBER + orders.length, {
      created_at: paidAt,
      processed_at: paidAt,
      updated_at: paidAt,
      currency: "USD",
      presentment_currency: "USD",
      total_price: total,
      total_price_set: {
        shop_money: { amount: total, currency_code: "USD" },
        presentment_money: { amount: total, currency_code: "USD" },
      },
      note_attributes: [
        { name: "_storelens_session", value: visit.batch.sessionId },
      ],
    });
    orders.push({ topic: "orders/paid", payload });
  }
  return orders;
}

/** Submits an admin form the way the browser does, without following redirects. */
async function submit(
  appUrl: string,
  path: string,
  fields: Record<string, string>,
) {
  const response = await fetch(`${appUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
  if (response.status >= 400) {
    throw new Error(
      `${path} failed with ${response.status}: ${await response.text()}`,
    );
  }
  return response;
}

async function createHypotheses(appUrl: string) {
  const created = await submit(appUrl, "/app/hypotheses/new", {
    title: "Sticky add-to-cart bar on the product page",
    change:
      "keep a slim add-to-cart bar on screen while shoppers scroll the product page",
    expectedEffect: "more visits that read the details go on to buy",
    metric: "rps",
    pages: PRODUCT_PATH,
    evidenceKind: "heatmap",
    evidenceLabel:
      "Scroll map of /products/linen-shirt (mobile): most visits scroll past the button",
    evidenceUrl: `/app/heatmaps?path=${encodeURIComponent(PRODUCT_PATH)}&device=mobile&mode=scroll`,
    revenueAtStake: "1840",
  });
  const id = created.headers.get("Location")?.split("/").pop();
  if (!id) throw new Error("creating the demo hypothesis returned no location");
  await submit(appUrl, `/app/hypotheses/${id}`, {
    intent: "settings",
    mode: "ab",
    experimentKey: DEMO_EXPERIMENT_KEY,
    variants: "control:50, sticky-bar:50",
    relativeEffect: "0.2",
    alpha: "0.05",
    power: "0.8",
  });

  const lost = await submit(appUrl, "/app/hypotheses/new", {
    title: "Free-shipping banner on the home page",
    change: "show the free-shipping threshold above the hero image",
    expectedEffect: "larger carts",
    metric: "rps",
    pages: "/",
    revenueAtStake: "420",
  });
  const lostId = lost.headers.get("Location")?.split("/").pop();
  if (lostId) {
    await submit(appUrl, `/app/hypotheses/${lostId}`, {
      intent: "state",
      state: "lost",
      learning:
        "The banner pushed the collection links below the fold; fewer visits reached a product.",
    });
  }
  await submit(appUrl, "/app/hypotheses/new", {
    title: "Size guide next to the size selector",
    change: "link the size guide from the size selector",
    expectedEffect:
      "fewer dead clicks on the size labels and more add to carts",
    metric: "conversion",
    pages: PRODUCT_PATH,
    revenueAtStake: "960",
  });
}

/**
 * Seeds the demo experiment: exposures through `/collect`, the extra
 * treatment orders as signed webhooks, and three hypotheses (running, lost,
 * idea) through the admin's forms. Returns the exposed visits per arm.
 */
export async function seedDemoExperiment(
  options: SeedDemoExperimentOptions,
): Promise<Record<string, number>> {
  const visits = exposedVisits(generateDemoTraffic(options.traffic));
  let done = 0;
  for (const visit of visits) {
    await postExposure(options, visit);
    options.onProgress?.(++done, visits.length);
  }
  await sendDemoOrders({
    appUrl: options.appUrl,
    shop: options.traffic.shop,
    secret: options.secret,
    plans: extraOrders(visits, options.plans, options.traffic.seed),
  });
  await createHypotheses(options.appUrl);
  const counts: Record<string, number> = {};
  for (const visit of visits) {
    counts[visit.variant] = (counts[visit.variant] ?? 0) + 1;
  }
  return counts;
}

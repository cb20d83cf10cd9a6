// Demo pointer moves, hovers, form fields and JavaScript errors, added to
// each generated page view so the move map and the form, hover and error
// friction have data. Geometry comes from the demo element boxes.

import type {
  ClickPayload,
  EventPayload,
  PagePayload,
} from "../../app/ingest/payload-types";
import type { Box, DemoElement, DemoRandom } from "./demo-traffic";

export interface DemoView {
  page: PagePayload;
  device: PagePayload["device"];
  /** Elements on screen for this visitor, with their boxes. */
  elements: { element: DemoElement; box: Box }[];
  clicks: ClickPayload[];
  end: number;
}

/** Pointer samples before each click: the approach to the target. */
const MOVES_PER_CLICK = 4;
/** Sample spacing, as the storefront script samples at most every 250 ms. */
const MOVE_SPACING_MS = 300;
/** Share of product page views that hover Add to cart long and leave it. */
const HESITATION_SHARE = 0.12;
/** Share of newsletter starts left before the submit. */
const NEWSLETTER_LEFT_SHARE = 0.6;
const CALLS_TO_ACTION = new Set(["#add-to-cart", "#checkout"]);

/** Errors a buggy theme app throws, by page, with their share of views. */
const DEMO_ERRORS: { path: RegExp; share: number; message: string }[] = [
  {
    path: /^\/cart$/,
    share: 0.07,
    message: "TypeError: Cannot read properties of null (reading 'dataset')",
  },
  {
    path: /^\/products\//,
    share: 0.03,
    message: "ReferenceError: reviewsWidget is not defined",
  },
];

function pointIn(random: DemoRandom, box: Box) {
  const [x, y, width, height] = box;
  const offsetX = Math.round(random.between(0.1, 0.9) * 1000) / 1000;
  const offsetY = Math.round(random.between(0.1, 0.9) * 1000) / 1000;
  return {
    x: Math.round(x + offsetX * width),
    y: Math.round(y + offsetY * height),
    offsetX,
    offsetY,
  };
}

/** Returns the extra events of one page view, in no particular order. */
export function demoBehaviourEvents(
  random: DemoRandom,
  view: DemoView,
): EventPayload[] {
  const { page } = view;
  const events: EventPayload[] = [];
  const within = (at: number) =>
    Math.min(view.end, Math.max(page.startedAt + 1, Math.round(at)));
  const boxOf = new Map(
    view.elements.map((entry) => [entry.element.selector, entry]),
  );

  if (view.device === "desktop") {
    for (const click of view.clicks) {
      const entry = boxOf.get(click.selector);
      if (!entry) continue;
      for (let k = MOVES_PER_CLICK; k >= 1; k -= 1) {
        const near = random.pick(view.elements);
        const target = k === 1 ? entry : near;
        events.push({
          type: "move",
          page: page.id,
          at: within(click.at - k * MOVE_SPACING_MS),
          selector: target.element.selector,
          fixed: target.element.fixed === true,
          ...pointIn(random, target.box),
        });
      }
      if (random.chance(0.5)) {
        events.push({
          type: "hover",
          page: page.id,
          at: within(click.at - random.integer(1000, 2500)),
          durationMs: random.integer(1000, 2500),
          selector: click.selector,
          cta: CALLS_TO_ACTION.has(click.selector),
        });
      }
    }
    const addToCart = boxOf.get("#add-to-cart");
    const clicked = view.clicks.some(
      (click) => click.selector === "#add-to-cart",
    );
    if (addToCart && !clicked && random.chance(HESITATION_SHARE)) {
      events.push({
        type: "hover",
        page: page.id,
        at: within(page.startedAt + random.integer(2000, 8000)),
        durationMs: random.integer(3500, 9000),
        selector: "#add-to-cart",
        cta: true,
      });
    }
  }

  const emailClick = view.clicks.find(
    (c) => c.selector === "#newsletter-email",
  );
  if (emailClick) {
    events.push({
      type: "focus",
      page: page.id,
      at: emailClick.at,
      field: "#newsletter-email",
      form: "#newsletter-form",
    });
    if (!random.chance(NEWSLETTER_LEFT_SHARE)) {
      events.push({
        type: "submit",
        page: page.id,
        at: within(emailClick.at + random.integer(3000, 9000)),
        field: "#newsletter-form",
        form: "#newsletter-form",
      });
    }
  }
  const noteClick = view.clicks.find(
    (click) => click.selector === "#cart-note",
  );
  const checkout = view.clicks.find((click) => click.selector === "#checkout");
  if (noteClick) {
    events.push({
      type: "focus",
      page: page.id,
      at: noteClick.at,
      field: "#cart-note",
      form: "#cart-form",
    });
  }
  if (noteClick && checkout && checkout.at > noteClick.at) {
    events.push({
      type: "submit",
      page: page.id,
      at: checkout.at,
      field: "#cart-form",
      form: "#cart-form",
    });
  }

  for (const error of DEMO_ERRORS) {
    if (error.path.test(page.path) && random.chance(error.share)) {
      events.push({
        type: "error",
        page: page.id,
        at: within(page.startedAt + random.integer(300, 1500)),
        message: error.message,
      });
    }
  }
  return events;
}

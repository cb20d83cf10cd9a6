// Runs the built storefront script in Chromium against fixture pages. The
// pages come from one local server and the ingest endpoint from another,
// so every request is cross-origin, as on a real storefront.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type {
  Browser,
  BrowserContext,
  BrowserContextOptions,
  Page,
} from "playwright-core";
import {
  CLICK_OUTCOME_WINDOW_MS,
  type BatchPayload,
  type ClickPayload,
  type EventPayload,
  type ScrollPayload,
  type SnapshotPayload,
} from "../../app/ingest/payload-types";
import {
  CORE_ASSET,
  SNAPSHOT_ASSET,
  bundleEmbed,
} from "../../scripts/build-embed";
import { MOVE_SAMPLE_MS } from "../../extensions/storelens-embed/src/behaviour";
import {
  CHROMIUM_PATH,
  HAS_CHROMIUM,
  launchChromium,
} from "../support/browser";

const FIXTURES = fileURLToPath(
  new URL("../fixtures/capture/", import.meta.url),
);
/** Longer than one flush interval of the script (5 s). */
const FLUSH_WAIT_MS = 5_500;

interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
}

interface Recorded {
  batches: BatchPayload[];
  snapshots: { headers: http.IncomingHttpHeaders; body: SnapshotPayload }[];
  preflights: string[];
  /** Requests to the page server for the lazy snapshot bundle. */
  snapshotBundleLoads: number;
}

let browser: Browser;
/** Storefront bundles built from the current source, by asset path. */
let bundles: Map<string, string>;
/** Contexts opened by the current test, closed after it. */
let openContexts: BrowserContext[] = [];
let pageServer: http.Server;
let ingestServer: http.Server;
let pageOrigin = "";
let ingestOrigin = "";
let recorded: Recorded;
let scripted: ScriptedResponse[] = [];
let requestSnapshots = false;

function resetServers() {
  recorded = {
    batches: [],
    snapshots: [],
    preflights: [],
    snapshotBundleLoads: 0,
  };
  scripted = [];
  requestSnapshots = false;
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function servePage(
  request: http.IncomingMessage,
  response: http.ServerResponse,
) {
  const url = new URL(request.url ?? "/", pageOrigin);
  const assets: Record<string, string> = {
    "/assets/storelens.js": CORE_ASSET,
    "/assets/storelens-snapshot.js": SNAPSHOT_ASSET,
  };
  if (url.pathname === "/assets/storelens-snapshot.js") {
    recorded.snapshotBundleLoads++;
  }
  if (assets[url.pathname]) {
    const bundle = bundles.get(assets[url.pathname]);
    if (bundle === undefined) {
      throw new Error(`no bundle built for ${assets[url.pathname]}`);
    }
    response.writeHead(200, { "Content-Type": "text/javascript" });
    response.end(bundle);
    return;
  }
  const name = path.basename(url.pathname);
  const file = path.join(FIXTURES, name);
  if (!url.pathname.startsWith("/fixtures/") || !existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  const text = await readFile(file, "utf8");
  const html = name.endsWith(".html");
  response.writeHead(200, {
    "Content-Type": html ? "text/html" : "text/javascript",
  });
  response.end(text.replaceAll("{{ENDPOINT}}", `${ingestOrigin}/collect`));
}

async function serveIngest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
) {
  const url = new URL(request.url ?? "/", ingestOrigin);
  response.setHeader("Access-Control-Allow-Origin", "*");

  if (request.method === "OPTIONS") {
    recorded.preflights.push(url.pathname);
    response.writeHead(204, {
      "Access-Control-Allow-Methods": "POST",
      "Access-Control-Allow-Headers": "Content-Type, Content-Encoding",
    });
    response.end();
    return;
  }

  const body = await readBody(request);
  if (url.pathname === "/collect/snapshot") {
    const gzipped = request.headers["content-encoding"] === "gzip";
    const json = (gzipped ? gunzipSync(body) : body).toString("utf8");
    recorded.snapshots.push({
      headers: request.headers,
      body: JSON.parse(json),
    });
    response.writeHead(204).end();
    return;
  }

  if (url.pathname !== "/collect") {
    response.writeHead(404).end();
    return;
  }
  const batch = JSON.parse(body.toString("utf8")) as BatchPayload;
  recorded.batches.push(batch);

  const next = scripted.shift();
  if (next && next.status !== 200) {
    response.writeHead(next.status, next.headers).end("{}");
    return;
  }
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(
    JSON.stringify({
      ok: true,
      duplicate: false,
      snapshotPages: requestSnapshots ? batch.pages.map((p) => p.id) : [],
    }),
  );
}

async function listen(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
): Promise<[http.Server, string]> {
  const server = http.createServer((request, response) => {
    Promise.resolve(handler(request, response)).catch((error) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return [server, `http://127.0.0.1:${port}`];
}

/** Summarizes the batches received so far by event type, for failures. */
function describeBatches(): string {
  if (!recorded.batches.length) return "no batches received";
  return recorded.batches
    .map((batch, i) => {
      const counts = new Map<string, number>();
      for (const event of batch.events) {
        counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
      }
      const summary = [...counts].map(([type, n]) => `${n} ${type}`);
      return `batch ${i + 1}: ${summary.join(", ") || "no events"}`;
    })
    .join("; ");
}

async function waitFor(check: () => boolean, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms (${describeBatches()})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function newContext(options: BrowserContextOptions) {
  const context = await browser.newContext(options);
  openContexts.push(context);
  return context;
}

/**
 * Waits until the storefront script has run. It adds its listeners in the
 * same task that sets `__storelensStarted`, so a click after this is seen.
 */
async function scriptStarted(page: Page) {
  await page.waitForFunction(
    () =>
      (window as { __storelensStarted?: boolean }).__storelensStarted === true,
    undefined,
    { timeout: 8_000 },
  );
}

async function openFixture(
  name: string,
  consent = "allow",
  query = "",
): Promise<Page> {
  const context = await newContext({
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  await page.goto(`${pageOrigin}/fixtures/${name}?consent=${consent}${query}`);
  await page.waitForLoadState("load");
  await scriptStarted(page);
  return page;
}

/**
 * Leaves the page, which fires `pagehide` and the final flush. The context
 * stays open until the test ends, so a test waits for the batch it needs
 * without tearing down the browser side of the final keepalive request.
 */
async function leave(page: Page) {
  await page.goto("about:blank");
}

function clicks(): ClickPayload[] {
  return recorded.batches.flatMap((batch) =>
    batch.events.filter((e): e is ClickPayload => e.type === "click"),
  );
}

function clickOn(selector: string): ClickPayload | undefined {
  return clicks().find((click) => click.selector === selector);
}

/** Clicks, waits past the click's outcome window, then leaves the page. */
async function clickAndSettle(page: Page, selector: string) {
  await page.click(selector);
  await page.waitForTimeout(CLICK_OUTCOME_WINDOW_MS + 300);
  await leave(page);
  await waitFor(() => clickOn(selector) !== undefined);
  return clickOn(selector)!;
}

function eventsOf<T extends EventPayload["type"]>(
  type: T,
): (EventPayload & { type: T })[] {
  return recorded.batches.flatMap((batch) =>
    batch.events.filter(
      (e): e is EventPayload & { type: T } => e.type === type,
    ),
  );
}

function scrolls(): ScrollPayload[] {
  return recorded.batches.flatMap((batch) =>
    batch.events.filter((e): e is ScrollPayload => e.type === "scroll"),
  );
}

function deepestScroll(): ScrollPayload | undefined {
  return scrolls().sort((a, b) => b.maxDepthPx - a.maxDepthPx)[0];
}

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? "storefront capture in Chromium"
    : `storefront capture in Chromium (skipped: ${CHROMIUM_PATH} not found)`,
  () => {
    beforeAll(async () => {
      // Built in memory: the demo storefront of the other end-to-end tests
      // reads the asset files on every request, so rewriting them here
      // could hand those tests a half-written script.
      bundles = await bundleEmbed();
      [pageServer, pageOrigin] = await listen(servePage);
      [ingestServer, ingestOrigin] = await listen(serveIngest);
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      pageServer?.close();
      ingestServer?.close();
    });

    beforeEach(() => {
      resetServers();
    });

    afterEach(async () => {
      const contexts = openContexts;
      openContexts = [];
      await Promise.all(contexts.map((context) => context.close()));
    });

    it("maps a click to document y when body scrolls", async () => {
      const page = await openFixture("body-scroll.html");
      const target = await page.evaluate(() => {
        document.body.scrollTop = 1000;
        const box = document.querySelector(".buy")!.getBoundingClientRect();
        return {
          left: box.left,
          top: box.top,
          scrollTop: document.body.scrollTop,
          scrollHeight: document.body.scrollHeight,
        };
      });
      expect(target.scrollTop).toBe(1000);
      await page.mouse.click(target.left + 50, target.top + 10);
      await page.waitForTimeout(400);
      await leave(page);
      await waitFor(() => clicks().length > 0);

      const [click] = clicks();
      expect(click.selector).toBe(
        "body > main:nth-of-type(1) > section:nth-of-type(1) > " +
          "button:nth-of-type(1)",
      );
      expect(click.fixed).toBe(false);
      expect(Math.abs(click.y - (target.top + 1000 + 10))).toBeLessThanOrEqual(
        1,
      );
      expect(Math.abs(click.x - (target.left + 50))).toBeLessThanOrEqual(1);
      expect(click.offsetX).toBeCloseTo(0.25, 2);
      expect(click.offsetY).toBeCloseTo(0.25, 2);
      expect(click.touch).toBe(false);
      expect(click.viewportWidth).toBe(1280);
      expect(click.viewportHeight).toBe(800);
      const deepest = deepestScroll()!;
      expect(deepest.maxDepthPx).toBe(1800);
      expect(deepest.documentHeight).toBe(target.scrollHeight);
    });

    it("keeps viewport y for a sticky header", async () => {
      const page = await openFixture("sticky-header.html");
      const link = await page.evaluate(() => {
        window.scrollTo(0, 1500);
        const box = document.querySelector("header a")!.getBoundingClientRect();
        return { left: box.left, top: box.top, scrollY: window.scrollY };
      });
      expect(link.scrollY).toBe(1500);
      await page.mouse.click(link.left + 5, link.top + 5);
      await leave(page);
      await waitFor(() => clicks().length > 0);

      const [click] = clicks();
      expect(click.fixed).toBe(true);
      expect(Math.abs(click.y - (link.top + 5))).toBeLessThanOrEqual(1);
      expect(click.y).toBeLessThan(100);
      expect(click.selector).toBe(
        "#site-header > nav:nth-of-type(1) > a:nth-of-type(1)",
      );
    });

    it("reports a short page as fully read", async () => {
      const page = await openFixture("short.html");
      const height = await page.evaluate(
        () => document.documentElement.scrollHeight,
      );
      await waitFor(() => scrolls().length > 0);
      await leave(page);

      const deepest = deepestScroll()!;
      expect(deepest.documentHeight).toBe(height);
      expect(deepest.maxDepthPx).toBe(deepest.documentHeight);
    });

    it("reports the bottom of a long page", async () => {
      const page = await openFixture("long.html");
      const height = await page.evaluate(() => {
        window.scrollTo(0, document.documentElement.scrollHeight);
        return document.documentElement.scrollHeight;
      });
      await page.waitForTimeout(400);
      await leave(page);
      await waitFor(() => (deepestScroll()?.maxDepthPx ?? 0) > 800);

      const deepest = deepestScroll()!;
      expect(deepest.documentHeight).toBe(height);
      expect(Math.abs(deepest.maxDepthPx - height)).toBeLessThanOrEqual(1);
    });

    it("marks a tap on a phone as touch", async () => {
      const context = await newContext({
        viewport: { width: 390, height: 844 },
        hasTouch: true,
        isMobile: true,
      });
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/fixtures/long.html?consent=allow`);
      await scriptStarted(page);
      await page.tap("#top-buy");
      await leave(page);
      await waitFor(() => clicks().length > 0);

      const [click] = clicks();
      expect(click.touch).toBe(true);
      expect(click.viewportWidth).toBe(390);
      expect(recorded.batches[0].pages[0].device).toBe("mobile");
    });

    it("sends one batch without a preflight", async () => {
      const page = await openFixture("long.html");
      await page.click("#top-buy");
      await leave(page);
      await waitFor(() => clicks().length > 0);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(recorded.preflights).toEqual([]);
      const batch = recorded.batches[0];
      expect(batch.v).toBe(1);
      expect(batch.shop).toBe("demo.myshopify.com");
      expect(batch.pages).toHaveLength(1);
      expect(batch.pages[0].path).toBe("/fixtures/long.html");
      expect(batch.pages[0].device).toBe("desktop");
      expect(clicks()[0].selector).toBe("#top-buy");
    });

    it("sends the landing page's UTM parameters", async () => {
      const page = await openFixture(
        "long.html",
        "allow",
        "&utm_source=newsletter&utm_medium=email&utm_campaign=spring",
      );
      await page.click("#top-buy");
      await leave(page);
      await waitFor(() => clicks().length > 0);

      const landing = recorded.batches[0].landing;
      expect(landing?.path).toBe("/fixtures/long.html");
      expect(landing?.utmSource).toBe("newsletter");
      expect(landing?.utmMedium).toBe("email");
      expect(landing?.utmCampaign).toBe("spring");
    });

    it("sends a final flush over the keepalive quota", async () => {
      // 400 clicks still in their outcome window at exit make about 160 KiB
      // of batches, more than the 64 KiB that keepalive requests may carry.
      const page = await openFixture("long.html");
      const box = (await page.locator("#top-buy").boundingBox())!;
      for (let i = 0; i < 400; i++) {
        await page.mouse.click(box.x + 2 + (i % 40), box.y + 5);
      }
      await leave(page);
      await waitFor(() => clicks().length > 0);
      expect(clicks().length).toBeLessThan(400);

      // The next page of the visit sends what the keepalive quota left.
      const next = await page.context().newPage();
      await next.goto(`${pageOrigin}/fixtures/short.html?consent=allow`);
      await waitFor(() => clicks().length >= 400);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const xs = clicks().map((click) => click.x);
      expect(xs).toHaveLength(400);
      const batchIds = recorded.batches.map((batch) => batch.batchId);
      expect(new Set(batchIds).size).toBe(batchIds.length);
      expect(
        await next.evaluate(() => localStorage.getItem("storelens:unsent")),
      ).toBeNull();
    });

    it("deletes stored batches after consent is withdrawn", async () => {
      // Leaves a page with more batches than the keepalive quota takes.
      const page = await openFixture("long.html");
      const box = (await page.locator("#top-buy").boundingBox())!;
      for (let i = 0; i < 400; i++) {
        await page.mouse.click(box.x + 2 + (i % 40), box.y + 5);
      }
      const leftAt = Date.now();
      await leave(page);
      await waitFor(() => clicks().length > 0);
      // The exit batches are in flight together: let all of them land.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const exitClicks = () => clicks().filter((c) => c.at < leftAt).length;
      const sentAtExit = exitClicks();
      expect(sentAtExit).toBeLessThan(400);

      // The shopper withdraws consent on a page of the same origin without
      // the script, as at checkout (a plain file here): the next page's API
      // no longer allows analytics.
      const next = await page.context().newPage();
      await next.goto(`${pageOrigin}/fixtures/shopify-stub.js`);
      expect(
        await next.evaluate(() => localStorage.getItem("storelens:unsent")),
      ).not.toBeNull();
      await next.goto(`${pageOrigin}/fixtures/short.html?consent=pending`);
      await scriptStarted(next);
      expect(
        await next.evaluate(() => localStorage.getItem("storelens:unsent")),
      ).toBeNull();

      // Consent given again later sends only this page's own events.
      await next.click("body");
      await next.evaluate(() =>
        (
          window as unknown as { setConsent(allowed: boolean): void }
        ).setConsent(true),
      );
      await waitFor(() =>
        recorded.batches.some((batch) =>
          batch.pages.some((p) => p.path === "/fixtures/short.html"),
        ),
      );
      await next.waitForTimeout(FLUSH_WAIT_MS);
      expect(exitClicks()).toBe(sentAtExit);
    });

    it("counts a label click once", async () => {
      const page = await openFixture("long.html");
      await page.click("label[for=size-s]");
      await page.click("#sizes label:nth-of-type(2)", {
        position: { x: 30, y: 5 },
      });
      await page.click("#size-m");
      await leave(page);
      await waitFor(() => clicks().length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(clicks().map((click) => click.selector)).toEqual([
        "#sizes > label:nth-of-type(1)",
        "#sizes > label:nth-of-type(2)",
        "#size-m",
      ]);
    });

    it("sends nothing when consent is denied", async () => {
      const page = await openFixture("long.html", "deny");
      await page.click("#top-buy");
      await page.evaluate(() => window.scrollTo(0, 3000));
      await page.waitForTimeout(FLUSH_WAIT_MS);
      const stored = await page.evaluate(() => localStorage.length);
      await leave(page);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(stored).toBe(0);
      expect(recorded.batches).toEqual([]);
      expect(recorded.preflights).toEqual([]);
    });

    it("sends nothing without a consent API", async () => {
      const page = await openFixture("long.html", "missing");
      await page.click("#top-buy");
      await page.waitForTimeout(FLUSH_WAIT_MS);
      const stored = await page.evaluate(() => localStorage.length);
      await leave(page);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(stored).toBe(0);
      expect(recorded.batches).toEqual([]);
    });

    it("sends buffered clicks once consent is given", async () => {
      const page = await openFixture("long.html", "pending");
      await page.click("#top-buy");
      await page.waitForTimeout(300);
      expect(recorded.batches).toEqual([]);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);

      await page.evaluate(() =>
        (
          window as unknown as { setConsent(allowed: boolean): void }
        ).setConsent(true),
      );
      await waitFor(() => clicks().length > 0);
      const visitorId = await page.evaluate(() =>
        localStorage.getItem("storelens:vid"),
      );
      await leave(page);

      expect(clicks()[0].selector).toBe("#top-buy");
      expect(recorded.batches[0].visitorId).toBe(visitorId);
    });

    it("retries a 429 with the same batch", async () => {
      scripted = [{ status: 429, headers: { "Retry-After": "1" } }];
      const page = await openFixture("short.html");
      await waitFor(() => recorded.batches.length >= 2, 6_000);
      await page.context().close();

      const [first, second] = recorded.batches;
      expect(second.batchId).toBe(first.batchId);
      expect(second.events).toEqual(first.events);
      expect(first.events.length).toBeGreaterThan(0);
    });

    it("reports each click once when included twice", async () => {
      const page = await openFixture("included-twice.html");
      await page.click("#one");
      await page.click("#two");
      await page.click("#three");
      await leave(page);
      await waitFor(() => clicks().length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(clicks().map((click) => click.selector)).toEqual([
        "#one",
        "#two",
        "#three",
      ]);
      const scrollEvents = scrolls();
      expect(scrollEvents).toHaveLength(1);
    });

    it("times a DOM change after a click", async () => {
      const page = await openFixture("outcomes.html");
      const click = await clickAndSettle(page, "#reveal");

      const outcome = click.outcome!;
      expect(outcome.targetKind).toBe("button");
      expect(outcome.domChangeMs).not.toBeNull();
      expect(outcome.domChangeMs!).toBeGreaterThanOrEqual(0);
      expect(outcome.domChangeMs!).toBeLessThanOrEqual(CLICK_OUTCOME_WINDOW_MS);
      expect(outcome.hidden).toBe(false);
    });

    it("reports nulls for an inert button", async () => {
      const page = await openFixture("outcomes.html");
      const click = await clickAndSettle(page, "#inert");

      expect(click.outcome).toEqual({
        targetKind: "button",
        opensNewTab: false,
        domChangeMs: null,
        scrollMs: null,
        selectionChangeMs: null,
        navigationMs: null,
        visibilityChangeMs: null,
        focusChangeMs: null,
        hidden: false,
      });
    });

    it("classifies a plus button as stepper", async () => {
      const page = await openFixture("outcomes.html");
      const click = await clickAndSettle(page, "#plus");

      expect(click.outcome!.targetKind).toBe("stepper");
      expect(click.outcome!.opensNewTab).toBe(false);
    });

    it("marks a target=_blank link as new tab", async () => {
      const page = await openFixture("outcomes.html");
      const click = await clickAndSettle(page, "#new-tab");

      expect(click.outcome!.targetKind).toBe("link");
      expect(click.outcome!.opensNewTab).toBe(true);
    });

    it("marks a ctrl-click as new tab", async () => {
      const page = await openFixture("outcomes.html");
      await page.click("#inert", { modifiers: ["Control"] });
      await leave(page);
      await waitFor(() => clickOn("#inert") !== undefined);

      expect(clickOn("#inert")!.outcome!.opensNewTab).toBe(true);
    });

    it("sends a click when the page is left", async () => {
      const page = await openFixture("outcomes.html");
      await page.click("#inert");
      await page.waitForTimeout(200);
      await leave(page);
      // Well before the outcome window ends plus a flush interval.
      await waitFor(() => clickOn("#inert") !== undefined, 1_500);

      const outcome = clickOn("#inert")!.outcome!;
      expect(outcome.targetKind).toBe("button");
      expect(outcome.navigationMs).not.toBeNull();
      expect(outcome.navigationMs!).toBeGreaterThanOrEqual(200);
      expect(outcome.navigationMs!).toBeLessThan(CLICK_OUTCOME_WINDOW_MS);
    });

    it("gives a client-side navigation its own page view and depth", async () => {
      const page = await openFixture("long.html");
      await page.evaluate(() => {
        const height = document.documentElement.scrollHeight;
        window.scrollTo(0, height * 0.9 - innerHeight);
      });
      await page.waitForTimeout(400);
      // What a theme's router does: new URL, new content, back to the top.
      await page.evaluate(() => {
        history.pushState({}, "", "/fixtures/next-page?tab=2");
        document.querySelector<HTMLElement>(".content")!.style.height =
          "1200px";
        window.scrollTo(0, 0);
      });
      await page.waitForTimeout(900);
      await page.click("#top-buy");
      await leave(page);
      await waitFor(() => clicks().length > 0 && scrolls().length >= 2);

      const last = recorded.batches[recorded.batches.length - 1];
      expect(last.pages.map((p) => p.path)).toEqual([
        "/fixtures/long.html",
        "/fixtures/next-page",
      ]);
      const [first, second] = last.pages;
      expect(second.referrer).toBe(`${pageOrigin}/fixtures/long.html`);
      const deepest = (id: string) =>
        Math.max(
          ...scrolls()
            .filter((s) => s.page === id)
            .map((s) => s.maxDepthPx),
        );
      expect(deepest(first.id)).toBe(5400);
      // The new page was never scrolled: its depth is the first screen.
      expect(deepest(second.id)).toBe(800);
      expect(clickOn("#top-buy")!.page).toBe(second.id);
    });

    it("records moves, hovers, fields and errors without values", async () => {
      const page = await openFixture("behaviour.html");
      await page.mouse.move(10, 10);
      for (let step = 1; step <= 8; step++) {
        await page.mouse.move(10 + step * 30, 10 + step * 20);
        await page.waitForTimeout(80);
      }
      await page.hover("#add");
      await page.waitForTimeout(1300);
      await page.mouse.move(600, 700);
      await page.fill("#email", "jane@example.com");
      await page.fill("#first-name", "Jane");
      await page.click("#broken");
      await page.click("#join");
      await page.waitForTimeout(300);
      await leave(page);
      await waitFor(() => eventsOf("error").length > 0);

      const moves = eventsOf("move");
      // Sampled: never two positions within MOVE_SAMPLE_MS.
      expect(moves.length).toBeGreaterThanOrEqual(2);
      const gaps = moves.slice(1).map((move, i) => move.at - moves[i].at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MOVE_SAMPLE_MS);
      expect(moves.every((move) => move.page === moves[0].page)).toBe(true);
      const hover = eventsOf("hover").find((h) => h.selector === "#add")!;
      expect(hover.cta).toBe(true);
      expect(hover.durationMs).toBeGreaterThanOrEqual(1300);
      expect(eventsOf("focus").map((f) => [f.field, f.form])).toEqual([
        ["#email", "#newsletter"],
        ["#first-name", "#newsletter"],
      ]);
      expect(eventsOf("blur").map((f) => f.field)).toEqual([
        "#email",
        "#first-name",
      ]);
      expect(eventsOf("submit").map((f) => f.form)).toEqual(["#newsletter"]);
      const [error] = eventsOf("error");
      expect(error.message).toContain("missingFunction");
      const sent = JSON.stringify(recorded.batches);
      expect(sent).not.toContain("jane@example.com");
      expect(sent).not.toContain("secret-token-123");
    });

    it("uploads a masked snapshot when asked", async () => {
      requestSnapshots = true;
      const page = await openFixture("form.html");
      await waitFor(() => recorded.snapshots.length > 0);
      await page.context().close();

      expect(recorded.snapshotBundleLoads).toBe(1);
      const [{ headers, body }] = recorded.snapshots;
      expect(headers["content-type"]).toBe("application/json");
      expect(headers["content-encoding"]).toBe("gzip");
      expect(body.v).toBe(1);
      expect(body.shop).toBe("demo.myshopify.com");
      expect(body.page).toBe(recorded.batches[0].pages[0].id);
      expect(body.path).toBe("/fixtures/form.html");
      expect(body.viewportWidth).toBe(1280);
      expect(body.documentHeight).toBeGreaterThan(0);
      const json = JSON.stringify(body.node);
      expect(json).toContain("Save");
      expect(json).toContain("rgb(10, 20, 30)");
      expect(json).not.toContain("secret-token-123");
      expect(json).not.toContain("jane@example.com");
      expect(json).not.toContain("Leave at the door");
    });
  },
);

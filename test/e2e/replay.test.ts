import { gunzipSync } from "node:zlib";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { detectFriction } from "~/friction/detect-friction.server";
import { saveRecordingSettings } from "~/replay/recording-settings.server";
import { CSS_REFERENCE } from "~/replay/stylesheet-nodes";
import { NODE_MUTATION_INTERVAL_MS } from "../../extensions/storelens-embed/src/mutation-throttle";
import type { DemoStack } from "../../scripts/lib/demo-stack";
import { HAS_CHROMIUM, launchChromium } from "../support/browser";
import { assertBuilt, root } from "../support/built-app";

// Session replay in a real browser: the demo storefront records a visit
// with typed secrets and a rage click, the server stores it, and the admin
// player replays it with every secret masked and the rage click marked.

const DEMO_SHOP_ID = "demo-shop";
const EMAIL = "replay.shopper@example.com";
const PASSWORD = "Hunter2-replay";
const PASSWORD_AFTER_TYPE_CHANGE = "Visible-after-change";
const HIDDEN = "hidden-token-5531";
const FRAMEWORK_VALUE = "framework-set-9923";
const CARD = "4242424242424242";
const NOTE = "deliver-to-back-door";
const MASKED_TEXT = "Loyalty-LN-771";
/** A rule of the demo theme's stylesheet, public/storefront/assets/theme.css. */
const THEME_CSS_RULE = "--color-accent: #2f4a3a";
const SECRETS = [
  EMAIL,
  PASSWORD,
  PASSWORD_AFTER_TYPE_CHANGE,
  HIDDEN,
  FRAMEWORK_VALUE,
  CARD,
  NOTE,
  MASKED_TEXT,
];

let browser: Browser;
let stack: DemoStack;
let pool: pg.Pool;

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

async function storedChunks(sessionId: string): Promise<string[]> {
  const result = await pool.query<{ data: Buffer }>(
    `SELECT data FROM "RecordingChunk" WHERE "sessionId" = $1`,
    [sessionId],
  );
  return result.rows.map((row) => gunzipSync(row.data).toString("utf8"));
}

/** Adds fields and text that must never reach a recording. */
async function addPrivacyFixtures(page: Page) {
  await page.evaluate(
    ({ hidden, frameworkValue, maskedText }) => {
      const box = document.createElement("div");
      box.id = "privacy-fixtures";
      box.innerHTML = `
        <input id="fixture-password" type="password">
        <input id="fixture-hidden" type="hidden" value="${hidden}">
        <input id="fixture-framework" type="text">
        <input id="fixture-card" autocomplete="cc-number">
        <textarea id="fixture-note"></textarea>
        <p id="fixture-loyalty">${maskedText}</p>`;
      document.getElementById("newsletter")!.append(box);
      document
        .getElementById("fixture-framework")!
        .setAttribute("value", frameworkValue);
    },
    {
      hidden: HIDDEN,
      frameworkValue: FRAMEWORK_VALUE,
      maskedText: MASKED_TEXT,
    },
  );
}

describe.skipIf(!HAS_CHROMIUM)("session replay (Chromium)", () => {
  beforeAll(async () => {
    assertBuilt();
    process.env.STORELENS_DEMO = "1";
    const { startDemoStack } = await import("../../scripts/lib/demo-stack");
    stack = await startDemoStack({
      root,
      databaseUrl: process.env.DATABASE_URL!,
      appPort: 0,
      storefrontPort: 0,
      jobs: false,
    });
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await pool?.end();
  });

  it("replays a visit masked, with its rage click marked", async () => {
    await saveRecordingSettings(pool, DEMO_SHOP_ID, {
      sampleRate: 1,
      frictionCapture: true,
      retentionDays: 30,
      maskSelectors: "#fixture-loyalty",
    });
    const shopper = await browser.newPage({
      viewport: { width: 1280, height: 800 },
    });
    // Recording chunks as uploaded, decompressed.
    const uploads: string[] = [];
    shopper.on("request", (request) => {
      const body = request.postDataBuffer();
      if (!request.url().includes("/collect/recording") || !body) return;
      uploads.push(gunzipSync(body).toString("utf8"));
    });
    const recorderLoaded = shopper.waitForResponse((response) =>
      response.url().endsWith("/storelens-recorder.js"),
    );
    await shopper.goto(`${stack.storefront.url}/?consent=granted`);
    await shopper.mouse.wheel(0, 400);
    await recorderLoaded;
    await addPrivacyFixtures(shopper);
    await shopper.locator("#newsletter-email").click();
    await shopper.keyboard.type(EMAIL, { delay: 20 });
    await shopper.locator("#fixture-password").fill(PASSWORD);
    await shopper.evaluate(() => {
      (document.getElementById("fixture-password") as HTMLInputElement).type =
        "text";
    });
    await shopper.locator("#fixture-password").fill(PASSWORD_AFTER_TYPE_CHANGE);
    await shopper.locator("#fixture-card").fill(CARD);
    await shopper.locator("#fixture-note").fill(NOTE);
    await shopper.waitForTimeout(6000);

    await shopper.goto(`${stack.storefront.url}/products/linen-shirt`);
    await shopper.waitForResponse((response) =>
      response.url().endsWith("/storelens-recorder.js"),
    );
    await shopper.waitForTimeout(1000);
    const zoom = shopper.locator("#gallery-main");
    for (let i = 0; i < 4; i++) {
      await zoom.click({ position: { x: 100 + i * 3, y: 100 }, delay: 10 });
    }
    await shopper.waitForTimeout(3500);
    // The product page's snapshot goes up with the theme's CSS as a hash
    // of the copy that the home page sent.
    const withReference = () =>
      uploads.filter((text) => text.includes(`"${CSS_REFERENCE}":`));
    await waitFor(
      async () => withReference().length,
      (count) => count > 0,
      10_000,
    );
    expect(withReference().length).toBeGreaterThan(0);
    expect(
      uploads.filter((text) => text.includes(THEME_CSS_RULE)),
    ).toHaveLength(1);
    const sessionId = await shopper.evaluate(() =>
      localStorage.getItem("storelens:sid"),
    );
    await shopper.goto("about:blank");
    await shopper.close();
    expect(sessionId).toBeTruthy();
    // Stored as "<session id> <last activity>".
    const id = sessionId!.split(" ")[0];

    // Two page views, each with a full snapshot; the second has the clicks.
    const chunks = await waitFor(
      () => storedChunks(id),
      (texts) => texts.join("").split('"source":2,"type":2').length > 4,
    );
    const everything = chunks.join("\n");
    expect(everything).toContain('"source":2,"type":2');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);

    await detectFriction(pool, DEMO_SHOP_ID);
    const rage = await pool.query(
      `SELECT selector FROM "FrictionSignal"
       WHERE "sessionId" = $1 AND kind = 'rage-click'`,
      [id],
    );
    expect(rage.rows.map((row) => row.selector)).toContain("#gallery-main");

    const admin = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
    });
    const errors: string[] = [];
    admin.on("pageerror", (error) => errors.push(error.message));
    await admin.goto(`${stack.app.url}/app/recordings?signal=rage-click`);
    await admin.locator(`a[href="/app/recordings/${id}"]`).click();
    const player = admin.locator(
      '[data-testid="replay-player"][data-state="ready"]',
    );
    await player.waitFor({ timeout: 30_000 });
    const rageMarker = admin.locator('[data-marker-kind="rage-click"]');
    expect(await rageMarker.count()).toBe(1);
    expect(await rageMarker.textContent()).toContain("#gallery-main");
    const pageMarkers = admin.locator('[data-marker-kind="page"]');
    expect(await pageMarkers.count()).toBe(2);

    // Seek to just before the second page starts: the home page with every
    // field typed in.
    const duration = Number(await player.getAttribute("data-duration-ms"));
    const secondPage = Number(
      await pageMarkers.nth(1).getAttribute("data-offset-ms"),
    );
    const progress = admin.locator(".rr-progress");
    const box = (await progress.boundingBox())!;
    await admin.mouse.click(
      box.x + (box.width * (secondPage - 700)) / duration,
      box.y + box.height / 2,
    );
    const frame = admin.frameLocator(".replayer-wrapper iframe");
    const emailValue = await frame
      .locator("#newsletter-email")
      .evaluate((input) => (input as HTMLInputElement).value);
    expect(emailValue).toMatch(/^\*+$/);
    const html = await frame
      .locator("html")
      .evaluate((element) => element.outerHTML);
    for (const secret of SECRETS) expect(html).not.toContain(secret);
    expect(html).toContain("rr-block");

    await rageMarker.locator("button").click();
    await frame.locator("#gallery-main").waitFor();
    // The replay of the product page still has the theme's styles.
    const accent = await frame
      .locator("body")
      .evaluate((body) =>
        getComputedStyle(body).getPropertyValue("--color-accent").trim(),
      );
    expect(accent).toBe("#2f4a3a");
    expect(errors).toEqual([]);
    await admin.close();
  }, 120_000);

  it("delivers exit batches and a tail over the quota", async () => {
    await saveRecordingSettings(pool, DEMO_SHOP_ID, {
      sampleRate: 1,
      frictionCapture: false,
      retentionDays: 30,
      maskSelectors: "",
    });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
    });
    const shopper = await context.newPage();
    const recorderLoaded = shopper.waitForResponse((response) =>
      response.url().endsWith("/storelens-recorder.js"),
    );
    await shopper.goto(`${stack.storefront.url}/?consent=granted`);
    await recorderLoaded;
    const id = (await shopper.evaluate(() =>
      localStorage.getItem("storelens:sid"),
    ))!.split(" ")[0];
    const homeView = async () => {
      const result = await pool.query<{ id: string }>(
        `SELECT id FROM "PageView" WHERE "sessionId" = $1 AND path = '/'`,
        [id],
      );
      return result.rows[0]?.id;
    };
    await waitFor(homeView, (view) => view !== undefined);
    const pageViewId = (await homeView())!;

    // Clicks still in their outcome window at exit fill the keepalive
    // quota with event batches.
    const heading = (await shopper.locator("h1").boundingBox())!;
    const CLICKS = 300;
    for (let i = 0; i < CLICKS; i++) {
      await shopper.mouse.click(heading.x + 5 + (i % 50), heading.y + 5);
    }
    // Random text gzips to about 150 kB: the final chunk cannot fit in
    // the 64 KiB that keepalive requests may carry.
    const marker = await shopper.evaluate(() => {
      let text = "";
      while (text.length < 200_000) text += Math.random().toString(36);
      const block = document.createElement("pre");
      block.id = "exit-tail";
      block.textContent = "tail-marker " + text;
      document.body.append(block);
      return text.slice(0, 40);
    });
    await shopper.waitForTimeout(300);
    await shopper.goto(`${stack.storefront.url}/products/linen-shirt`);

    const clickCount = async () => {
      const result = await pool.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM "InteractionEvent"
         WHERE "pageViewId" = $1 AND type = 'click'`,
        [pageViewId],
      );
      return result.rows[0].count;
    };
    expect(await waitFor(clickCount, (count) => count >= CLICKS)).toBe(CLICKS);

    const homeChunks = async () => {
      const result = await pool.query<{ seq: number; data: Buffer }>(
        `SELECT seq, data FROM "RecordingChunk"
         WHERE "pageViewId" = $1 ORDER BY seq`,
        [pageViewId],
      );
      return result.rows;
    };
    const chunks = await waitFor(homeChunks, (rows) =>
      rows.some((row) => gunzipSync(row.data).includes(marker)),
    );
    const texts = chunks.map((row) => gunzipSync(row.data).toString("utf8"));
    expect(texts.some((text) => text.includes(marker))).toBe(true);
    // Every chunk of the page view arrived, the tail included.
    expect(chunks.map((row) => row.seq)).toEqual(
      chunks.map((_row, index) => index),
    );
    // The next page deletes the stored tail once the server has taken it.
    const storedTail = await waitFor(
      () =>
        shopper.evaluate(() =>
          localStorage.getItem("storelens:unsent-recording"),
        ),
      (value) => value === null,
    );
    expect(storedTail).toBeNull();
    await context.close();
  }, 120_000);

  it("uploads the buffer before a rage click in unsampled visits", async () => {
    await saveRecordingSettings(pool, DEMO_SHOP_ID, {
      sampleRate: 0,
      frictionCapture: true,
      retentionDays: 30,
      maskSelectors: "",
    });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
    });
    const shopper = await context.newPage();
    const recorderLoaded = (page: Page) =>
      page.waitForResponse((response) =>
        response.url().endsWith("/storelens-recorder.js"),
      );
    const onHome = recorderLoaded(shopper);
    await shopper.goto(`${stack.storefront.url}/?consent=granted`);
    await shopper.mouse.wheel(0, 400);
    await onHome;
    await shopper.waitForTimeout(1500);
    const onProduct = recorderLoaded(shopper);
    await shopper.goto(`${stack.storefront.url}/products/linen-shirt`);
    await onProduct;
    await shopper.waitForTimeout(1500);
    const beforeClicks = Date.now();
    for (let i = 0; i < 4; i++) {
      await shopper
        .locator("#gallery-main")
        .click({ position: { x: 90, y: 90 + i * 2 }, delay: 10 });
    }
    const sessionId = (await shopper.evaluate(() =>
      localStorage.getItem("storelens:sid"),
    ))!.split(" ")[0];
    const recording = await waitFor(
      () =>
        pool.query<{ reason: string }>(
          `SELECT reason FROM "Recording" WHERE "sessionId" = $1`,
          [sessionId],
        ),
      (result) => result.rowCount === 1,
    );
    expect(recording.rows[0].reason).toBe("friction");
    await context.close();

    const pages = await pool.query<{ path: string }>(
      `SELECT DISTINCT p.path FROM "RecordingChunk" c
       JOIN "PageView" p ON p."shopId" = c."shopId" AND p.id = c."pageViewId"
       WHERE c."sessionId" = $1`,
      [sessionId],
    );
    // The home page had no friction, so its buffer never left the browser.
    expect(pages.rows.map((row) => row.path)).toEqual([
      "/products/linen-shirt",
    ]);
    const events = (await storedChunks(sessionId)).flatMap(
      (text) => JSON.parse(text) as { type: number; timestamp: number }[],
    );
    const snapshot = events.find((event) => event.type === 2);
    expect(snapshot).toBeDefined();
    expect(snapshot!.timestamp).toBeLessThan(beforeClicks);
  }, 60_000);

  it("throttles a ticker and keeps its removal", async () => {
    await saveRecordingSettings(pool, DEMO_SHOP_ID, {
      sampleRate: 1,
      frictionCapture: false,
      retentionDays: 30,
      maskSelectors: "",
    });
    const context = await browser.newContext();
    const shopper = await context.newPage();
    const recorderLoaded = shopper.waitForResponse((response) =>
      response.url().endsWith("/storelens-recorder.js"),
    );
    await shopper.goto(`${stack.storefront.url}/?consent=granted`);
    await shopper.mouse.wheel(0, 300);
    await recorderLoaded;
    await shopper.waitForTimeout(500);
    // A countdown that rewrites its text every 50 ms for 6 s, then goes.
    // Returns how long the changes took, which a busy machine stretches.
    const tickingMs = await shopper.evaluate(async () => {
      const ticker = document.createElement("span");
      ticker.id = "sale-countdown";
      ticker.textContent = "0";
      document.body.append(ticker);
      const started = performance.now();
      for (let tick = 1; tick <= 120; tick++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ticker.firstChild!.nodeValue = String(tick);
      }
      const elapsed = performance.now() - started;
      // A later task, so the last value is a mutation of its own that the
      // throttle holds until the removal comes.
      await new Promise((resolve) => setTimeout(resolve, 100));
      ticker.remove();
      return elapsed;
    });
    await shopper.waitForTimeout(300);
    const sessionId = (await shopper.evaluate(() =>
      localStorage.getItem("storelens:sid"),
    ))!.split(" ")[0];
    await shopper.goto("about:blank");
    await context.close();

    type Node = {
      id: number;
      attributes?: { id?: string };
      childNodes?: Node[];
    };
    type Mutation = {
      source: number;
      adds?: { parentId: number; node: Node }[];
      removes?: { id: number }[];
      texts?: { id: number; value: string }[];
    };
    const mutations = async () =>
      (await storedChunks(sessionId))
        .flatMap(
          (text) => JSON.parse(text) as { type: number; data: Mutation }[],
        )
        .filter((event) => event.type === 3 && event.data.source === 0)
        .map((event) => event.data);
    const found = await waitFor(mutations, (list) =>
      list.some((data) => (data.removes ?? []).length > 0),
    );
    const added = found
      .flatMap((data) => data.adds ?? [])
      .find((add) => add.node.attributes?.id === "sale-countdown")!;
    expect(added).toBeDefined();
    // rrweb adds the text node inside as an entry of its own.
    const textId = found
      .flatMap((data) => data.adds ?? [])
      .find((add) => add.parentId === added.node.id)!.node.id;
    const writes = found
      .flatMap((data) => data.texts ?? [])
      .filter((text) => text.id === textId);
    // 120 changes in about 6 s: at most one per node in each throttle
    // interval they span, plus the last value, held until the removal.
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(writes.length).toBeLessThanOrEqual(
      Math.floor(tickingMs / NODE_MUTATION_INTERVAL_MS) + 2,
    );
    expect(writes[writes.length - 1].value).toBe("120");
    const removed = found.flatMap((data) => data.removes ?? []);
    expect(removed.map((removal) => removal.id)).toContain(added.node.id);
  }, 60_000);
});

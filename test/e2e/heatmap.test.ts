import pg from "pg";
import type { Browser } from "playwright-core";
import { HAS_CHROMIUM, launchChromium } from "../support/browser";
import type { DemoStack } from "../../scripts/lib/demo-stack";
import { assertBuilt, root } from "../support/built-app";

// The whole path in a real browser: the demo storefront's product page with
// the built embed script, the real ingest endpoint and database, and the
// admin heatmap page drawing what was captured.

const PRODUCT = "/products/linen-shirt";
const ADD_TO_CART_CLICKS = 6;

let browser: Browser;
let stack: DemoStack;
let pool: pg.Pool;

/** Polls the database until `sql` returns `expected` in column n. */
async function stored(sql: string, expected: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const result = await pool.query<{ n: number }>(sql);
    last = result.rows[0].n;
    if (last === expected) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

const ADD_TO_CART_STORED = `SELECT count(*)::int AS n FROM "InteractionEvent"
  WHERE type = 'click' AND selector = '#add-to-cart'`;
const SCROLLED_VIEWS = `SELECT count(*)::int AS n FROM "PageView"
  WHERE "documentHeight" > 0`;

describe.skipIf(!HAS_CHROMIUM)(
  "storefront click to admin heatmap (Chromium)",
  () => {
    beforeAll(async () => {
      assertBuilt();
      // Demo mode: the admin is served without a Shopify login.
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

    it("draws the hottest cell over Add to cart and the depth reached", async () => {
      // A desktop visitor with a tall window: clicks, scrolls to the bottom.
      const visitor = await browser.newPage({
        viewport: { width: 1440, height: 900 },
      });
      const snapshotStored = visitor.waitForResponse(
        (response) => new URL(response.url()).pathname === "/collect/snapshot",
        { timeout: 30_000 },
      );
      await visitor.goto(`${stack.storefront.url}${PRODUCT}?consent=granted`);
      const addToCart = visitor.locator("#add-to-cart");
      for (let i = 0; i < ADD_TO_CART_CLICKS; i++) {
        await addToCart.click({ position: { x: 40 + i * 8, y: 20 } });
      }
      await visitor.locator("#quantity-plus").click();
      await visitor.locator("#quantity-plus").click();
      await visitor.mouse.wheel(0, 20_000);
      await visitor.waitForTimeout(400);
      expect((await snapshotStored).status()).toBe(200);
      // Leaving the page flushes what is left (pagehide, keepalive).
      await visitor.goto("about:blank");
      expect(await stored(ADD_TO_CART_STORED, ADD_TO_CART_CLICKS)).toBe(
        ADD_TO_CART_CLICKS,
      );
      expect(await stored(SCROLLED_VIEWS, 1)).toBe(1);
      await visitor.close();

      // A second visitor with a shorter window: the raw y of the same button
      // differs, the element anchor does not.
      const shortWindow = await browser.newPage({
        viewport: { width: 1440, height: 700 },
      });
      await shortWindow.goto(
        `${stack.storefront.url}${PRODUCT}?consent=granted`,
      );
      await shortWindow.locator("#add-to-cart").click();
      await shortWindow.locator("#add-to-cart").click();
      await shortWindow.goto("about:blank");
      expect(await stored(ADD_TO_CART_STORED, ADD_TO_CART_CLICKS + 2)).toBe(
        ADD_TO_CART_CLICKS + 2,
      );
      expect(await stored(SCROLLED_VIEWS, 2)).toBe(2);
      await shortWindow.close();

      const admin = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      const errors: string[] = [];
      admin.on("pageerror", (error) => errors.push(error.message));
      await admin.goto(
        `${stack.app.url}/app/heatmaps?path=${encodeURIComponent(PRODUCT)}&device=desktop`,
      );
      const summary = admin.getByTestId("heatmap-summary");
      await summary.waitFor({ timeout: 30_000 });
      expect(await summary.getAttribute("data-hottest-selector")).toBe(
        "#add-to-cart",
      );
      const hottest = {
        x: Number(await summary.getAttribute("data-hottest-x")),
        y: Number(await summary.getAttribute("data-hottest-y")),
      };

      const frame = admin.frameLocator('[data-testid="heatmap-frame"] iframe');
      const box = await frame.locator("#add-to-cart").evaluate((element) => {
        const rect = element.getBoundingClientRect();
        const view = element.ownerDocument.defaultView!;
        return {
          left: rect.left + view.scrollX,
          top: rect.top + view.scrollY,
          right: rect.right + view.scrollX,
          bottom: rect.bottom + view.scrollY,
        };
      });
      expect(hottest.x).toBeGreaterThanOrEqual(box.left);
      expect(hottest.x).toBeLessThanOrEqual(box.right);
      expect(hottest.y).toBeGreaterThanOrEqual(box.top);
      expect(hottest.y).toBeLessThanOrEqual(box.bottom);

      await admin.goto(
        `${stack.app.url}/app/heatmaps?path=${encodeURIComponent(PRODUCT)}&device=desktop&mode=scroll`,
      );
      const scroll = admin.getByTestId("scroll-summary");
      await scroll.waitFor({ timeout: 30_000 });
      // One page view scrolled to the bottom, one that never scrolled.
      const depths = await pool.query<{ percent: number }>(
        `SELECT floor(LEAST("maxScrollPx"::float8 / "documentHeight", 1) * 100)::int
           AS percent
         FROM "PageView" WHERE "documentHeight" > 0 ORDER BY percent`,
      );
      const percents = depths.rows.map((row) => row.percent);
      expect(percents).toHaveLength(2);
      expect(percents[1]).toBe(100);
      expect(percents[0]).toBeLessThan(50);
      const average = Number(await scroll.getAttribute("data-average-percent"));
      expect(average).toBe(Math.round((percents[0] + percents[1]) / 2));
      const rows = await admin
        .locator("tbody tr")
        .evaluateAll((elements) =>
          elements.map((row) =>
            Array.from(row.querySelectorAll("th, td")).map((cell) =>
              cell.textContent?.trim(),
            ),
          ),
        );
      expect(rows).toContainEqual(["0%", "100%"]);
      expect(rows).toContainEqual(["100%", "50%"]);

      // Two sessions clicked Add to cart and none bought: a dashed ring.
      await admin.goto(
        `${stack.app.url}/app/heatmaps?path=${encodeURIComponent(PRODUCT)}&device=desktop&mode=conversion`,
      );
      const conversion = admin.getByTestId("conversion-summary");
      await conversion.waitFor({ timeout: 30_000 });
      expect(await conversion.textContent()).toContain(
        "No element has enough sessions for a conversion rate yet.",
      );
      const conversionRows = await admin
        .locator("tbody tr")
        .evaluateAll((elements) =>
          elements.map((row) =>
            Array.from(row.querySelectorAll("th, td")).map((cell) =>
              cell.textContent?.trim(),
            ),
          ),
        );
      expect(conversionRows).toContainEqual([
        "#add-to-cart",
        "2",
        "0",
        "Too few sessions",
        "–",
      ]);
      expect(errors).toEqual([]);
      await admin.close();
    }, 120_000);

    it("answers cross-origin posts to pages with 403", async () => {
      const post = (path: string, origin: string) =>
        fetch(`${stack.app.url}${path}`, {
          method: "POST",
          headers: { Origin: origin, "Content-Type": "text/plain" },
          body: "{}",
        });
      for (const path of ["/nothing", "//collect", "/app/settings"]) {
        for (const origin of ["https://elsewhere.example", "null"]) {
          const response = await post(path, origin);
          expect({ path, origin, status: response.status }).toEqual({
            path,
            origin,
            status: 403,
          });
          expect(await response.json()).toMatchObject({
            error: { code: "cross_origin_request" },
          });
        }
      }
      // Resource routes keep their own responses for other origins.
      const snapshot = await post(
        "/collect/snapshot",
        "https://elsewhere.example",
      );
      expect(snapshot.status).toBe(400);
      const collect = await post("/collect", "https://elsewhere.example");
      expect(collect.status).toBe(400);
    });

    it("renders every admin page without a browser error", async () => {
      const admin = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      const errors: string[] = [];
      admin.on("pageerror", (error) => errors.push(error.message));
      admin.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      for (const path of [
        "/app",
        "/app/revenue",
        "/app/heatmaps",
        "/app/heatmaps?mode=scroll&device=mobile",
        "/app/heatmaps?mode=rage",
        "/app/heatmaps?mode=moves&band=1920%2B",
        "/app/heatmaps?mode=conversion&device=tablet",
        "/app/friction",
      ]) {
        const response = await admin.goto(`${stack.app.url}${path}`);
        expect(response?.status()).toBe(200);
        // Hydration runs right after load; "networkidle" is not used
        // because pages that poll for new data may never go idle.
        await admin.waitForLoadState("load");
        await admin.locator("h1").first().waitFor();
        await admin.waitForTimeout(1000);
      }
      // Hydration mismatches surface as page errors, e.g. a value imported
      // from a .server module that is undefined in the browser.
      expect(errors).toEqual([]);
      await admin.close();
    }, 60_000);
  },
);

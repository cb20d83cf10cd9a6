import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { isbot } from "isbot";
import { JSDOM } from "jsdom";
import { buildSelector } from "../../extensions/storelens-embed/src/capture-maths";
import {
  MAX_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  type BatchPayload,
  type ClickPayload,
  type ScrollPayload,
  type SnapshotPayload,
} from "../../app/ingest/payload-types";
import {
  DEMO_ELEMENTS,
  DEMO_PAGES,
  DEMO_PATHS,
  DemoRandom,
  demoSnapshotPayloads,
  demoUserAgent,
  generateDemoTraffic,
  seedDemoTraffic,
  type DemoPath,
} from "./demo-traffic";

const SHOP = "fernwood-demo.myshopify.com";
const NOW = new Date("2025-06-30T12:00:00Z");
const DAYS = 14;
const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const PAGE_FILES: Record<DemoPath, string> = {
  "/": "index.html",
  "/collections/all": "collections/all.html",
  "/products/linen-shirt": "products/linen-shirt.html",
  "/cart": "cart.html",
};

function readPage(path: DemoPath): string {
  const url = new URL(
    `../../public/storefront/${PAGE_FILES[path]}`,
    import.meta.url,
  );
  return readFileSync(url, "utf8");
}

function parsePage(path: DemoPath): Document {
  return new JSDOM(readPage(path)).window.document;
}

const CLICK_TARGETS =
  "a,button,input,select,textarea,label,summary,[role=button],[role=link]";

/** Builds the selector the storefront script records for `target`. */
function captureSelector(target: Element): string {
  const document = target.ownerDocument;
  return buildSelector(
    target,
    (id) => document.querySelectorAll(`[id="${id}"]`).length === 1,
  );
}

function clicksOf(batches: BatchPayload[]): ClickPayload[] {
  return batches.flatMap((batch) =>
    batch.events.filter((e): e is ClickPayload => e.type === "click"),
  );
}

function pathOfPage(batches: BatchPayload[]): Map<string, string> {
  return new Map(
    batches.flatMap((batch) => batch.pages.map((p) => [p.id, p.path])),
  );
}

describe("generateDemoTraffic", () => {
  const options = {
    shop: SHOP,
    sessions: 1500,
    seed: 42,
    now: NOW,
    days: DAYS,
  };
  const batches = generateDemoTraffic(options);

  it("returns identical output for the same seed", () => {
    expect(generateDemoTraffic(options)).toEqual(batches);
  });

  it("returns different output for another seed", () => {
    const other = generateDemoTraffic({ ...options, seed: 43 });
    expect(other).not.toEqual(batches);
  });

  it("adds moves and hovers on desktop only, fields and errors", () => {
    const devices = new Map(
      batches.flatMap((batch) => batch.pages.map((p) => [p.id, p.device])),
    );
    const events = batches.flatMap((batch) => batch.events);
    const count = (type: string) =>
      events.filter((event) => event.type === type).length;
    for (const type of ["move", "hover", "focus", "submit", "error"]) {
      expect(count(type), type).toBeGreaterThan(0);
    }
    const pointer = events.filter(
      (event) => event.type === "move" || event.type === "hover",
    );
    expect(
      pointer.every(
        (event) => "page" in event && devices.get(event.page) === "desktop",
      ),
    ).toBe(true);
    // Long hovers on Add to cart that never became a click.
    expect(
      events.some(
        (event) =>
          event.type === "hover" &&
          event.cta &&
          event.durationMs >= 3500 &&
          event.selector === "#add-to-cart",
      ),
    ).toBe(true);
  });

  it("keeps every batch within the ingest limits", () => {
    for (const batch of batches) {
      expect(batch.v).toBe(1);
      expect(batch.shop).toBe(SHOP);
      expect(batch.events.length).toBeGreaterThan(0);
      expect(batch.events.length).toBeLessThanOrEqual(MAX_EVENTS_PER_BATCH);
      const bytes = Buffer.byteLength(JSON.stringify(batch));
      expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
  });

  it("draws clicks with valid coordinates and offsets", () => {
    const clicks = clicksOf(batches);
    expect(clicks.length).toBeGreaterThan(1000);
    for (const click of clicks) {
      expect(Number.isFinite(click.x)).toBe(true);
      expect(Number.isFinite(click.y)).toBe(true);
      expect(click.x).toBeGreaterThanOrEqual(0);
      expect(click.y).toBeGreaterThanOrEqual(0);
      expect(click.x).toBeLessThan(click.viewportWidth);
      expect(click.offsetX).toBeGreaterThanOrEqual(0);
      expect(click.offsetX).toBeLessThanOrEqual(1);
      expect(click.offsetY).toBeGreaterThanOrEqual(0);
      expect(click.offsetY).toBeLessThanOrEqual(1);
      expect(click.touch).toBe(click.viewportWidth < 1024);
      if (click.fixed) expect(click.y).toBeLessThan(click.viewportHeight);
    }
  });

  it("dates events inside their page view and batch", () => {
    const earliest = NOW.getTime() - DAYS * 24 * 60 * 60 * 1000;
    for (const batch of batches) {
      const [page] = batch.pages;
      expect(batch.pages).toHaveLength(1);
      expect(page.startedAt).toBeGreaterThanOrEqual(earliest);
      expect(batch.sentAt).toBeLessThanOrEqual(NOW.getTime());
      let previous = page.startedAt;
      for (const event of batch.events) {
        expect("page" in event ? event.page : null).toBe(page.id);
        expect(event.at).toBeGreaterThanOrEqual(previous);
        previous = event.at;
      }
      expect(batch.sentAt).toBeGreaterThan(previous);
    }
  });

  it("orders page views within each session", () => {
    const lastEnd = new Map<string, number>();
    for (const batch of [...batches].sort(
      (a, b) => a.pages[0].startedAt - b.pages[0].startedAt,
    )) {
      const previousEnd = lastEnd.get(batch.sessionId) ?? 0;
      expect(batch.pages[0].startedAt).toBeGreaterThan(previousEnd);
      lastEnd.set(batch.sessionId, batch.events.at(-1)!.at);
    }
  });

  it("uses UUIDs and unique batch and page ids", () => {
    const batchIds = new Set(batches.map((b) => b.batchId));
    const pageIds = new Set(batches.map((b) => b.pages[0].id));
    expect(batchIds.size).toBe(batches.length);
    expect(pageIds.size).toBe(batches.length);
    for (const batch of batches) {
      expect(batch.batchId).toMatch(UUID);
      expect(batch.sessionId).toMatch(UUID);
      expect(batch.visitorId).toMatch(UUID);
      expect(batch.pages[0].id).toMatch(UUID);
    }
  });

  it("keeps one visitor and device per session", () => {
    const sessions = new Map<string, string>();
    for (const batch of batches) {
      const page = batch.pages[0];
      const identity = `${batch.visitorId} ${page.device} ${page.viewportWidth}`;
      expect(sessions.get(batch.sessionId) ?? identity).toBe(identity);
      sessions.set(batch.sessionId, identity);
    }
    expect(sessions.size).toBe(options.sessions);
  });

  it("mixes devices mostly mobile", () => {
    const devices = new Map<string, string>();
    for (const batch of batches) {
      devices.set(batch.sessionId, batch.pages[0].device);
    }
    const share = (device: string) =>
      [...devices.values()].filter((d) => d === device).length / devices.size;
    expect(share("mobile")).toBeGreaterThan(0.45);
    expect(share("mobile")).toBeLessThan(0.65);
    expect(share("tablet")).toBeGreaterThan(0.05);
    expect(share("tablet")).toBeLessThan(0.15);
    expect(share("desktop")).toBeGreaterThan(0.25);
    expect(share("desktop")).toBeLessThan(0.45);
  });

  it("shapes sessions into a funnel", () => {
    const reached = (path: DemoPath) =>
      new Set(
        batches.filter((b) => b.pages[0].path === path).map((b) => b.sessionId),
      ).size;
    expect(reached("/collections/all")).toBeLessThan(reached("/"));
    expect(reached("/products/linen-shirt")).toBeLessThan(
      reached("/collections/all"),
    );
    expect(reached("/cart")).toBeLessThan(reached("/products/linen-shirt"));
    expect(reached("/cart")).toBeGreaterThan(0);
  });

  it("makes add to cart the top product click", () => {
    const paths = pathOfPage(batches);
    const counts = new Map<string, number>();
    for (const click of clicksOf(batches)) {
      if (paths.get(click.page) !== "/products/linen-shirt") continue;
      counts.set(click.selector, (counts.get(click.selector) ?? 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1]);
    expect(ranked[0][0]).toBe("#add-to-cart");
    expect(ranked[0][1]).toBeGreaterThan(2 * ranked[1][1]);
    const runnersUp = ranked.slice(1, 8).map(([selector]) => selector);
    expect(runnersUp.some((s) => s.startsWith("#size-picker"))).toBe(true);
    expect(runnersUp.some((s) => s.startsWith("#quantity-"))).toBe(true);
    expect(runnersUp.some((s) => s.startsWith("#gallery-"))).toBe(true);
  });

  it("includes rapid repeated add to cart clicks", () => {
    let rapidRepeats = 0;
    for (const batch of batches) {
      const clicks = batch.events.filter(
        (e): e is ClickPayload => e.type === "click",
      );
      for (let i = 1; i < clicks.length; i += 1) {
        const sameTarget = clicks[i].selector === clicks[i - 1].selector;
        const quick = clicks[i].at - clicks[i - 1].at < 400;
        if (sameTarget && quick && clicks[i].selector === "#add-to-cart") {
          rapidRepeats += 1;
        }
      }
    }
    expect(rapidRepeats).toBeGreaterThan(20);
  });

  it("sends one scroll event per page view", () => {
    const fractions: number[] = [];
    for (const batch of batches) {
      const scrolls = batch.events.filter(
        (e): e is ScrollPayload => e.type === "scroll",
      );
      expect(scrolls).toHaveLength(1);
      const [scroll] = scrolls;
      const page = batch.pages[0];
      expect(scroll.maxDepthPx).toBeLessThanOrEqual(scroll.documentHeight);
      expect(scroll.maxDepthPx).toBeGreaterThanOrEqual(
        Math.min(page.viewportHeight, scroll.documentHeight),
      );
      fractions.push(scroll.maxDepthPx / scroll.documentHeight);
    }
    fractions.sort((a, b) => a - b);
    const median = fractions[Math.floor(fractions.length / 2)];
    const bottom = fractions.filter((f) => f === 1).length / fractions.length;
    expect(median).toBeGreaterThan(0.3);
    expect(median).toBeLessThan(0.55);
    expect(bottom).toBeGreaterThan(0.02);
    expect(bottom).toBeLessThan(0.15);
  });

  it("clicks only what the shopper scrolled to", () => {
    const scrollDepth = new Map<string, number>();
    for (const batch of batches) {
      for (const event of batch.events) {
        if (event.type === "scroll")
          scrollDepth.set(event.page, event.maxDepthPx);
      }
    }
    for (const click of clicksOf(batches)) {
      if (click.fixed) continue;
      expect(click.y).toBeLessThanOrEqual(scrollDepth.get(click.page)!);
    }
  });

  it("rejects invalid options", () => {
    expect(() => generateDemoTraffic({ ...options, sessions: -1 })).toThrow(
      /sessions must be a whole number/,
    );
    expect(() => generateDemoTraffic({ ...options, days: 0 })).toThrow(
      /days must be a whole number/,
    );
    expect(() =>
      generateDemoTraffic({ ...options, now: new Date("nonsense") }),
    ).toThrow(/invalid Date/);
  });
});

describe("DemoRandom", () => {
  it("draws version 4 UUIDs", () => {
    const random = new DemoRandom(1);
    for (let i = 0; i < 100; i += 1) expect(random.uuid()).toMatch(UUID);
  });

  it("draws floats in [0, 1)", () => {
    const random = new DemoRandom(99);
    for (let i = 0; i < 10_000; i += 1) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("element table", () => {
  const groups = ["header", ...DEMO_PATHS] as const;

  for (const group of groups) {
    const paths = group === "header" ? DEMO_PATHS : [group];
    for (const path of paths) {
      it(`matches ${group} rows to ${path}`, () => {
        const document = parsePage(path);
        for (const element of DEMO_ELEMENTS[group]) {
          const target = document.querySelector(element.selector);
          expect(target, element.selector).not.toBeNull();
          expect(target!.matches(CLICK_TARGETS), element.selector).toBe(true);
          expect(captureSelector(target!)).toBe(element.selector);
        }
      });
    }
  }

  it("has a box for some device on every row", () => {
    for (const group of groups) {
      for (const element of DEMO_ELEMENTS[group]) {
        expect(element.box.some((box) => box !== null)).toBe(true);
        expect(element.weight).toBeGreaterThan(0);
      }
    }
  });

  it("names after-rows that exist on the page", () => {
    for (const path of DEMO_PATHS) {
      const selectors = DEMO_ELEMENTS[path].map((e) => e.selector);
      for (const element of DEMO_ELEMENTS[path]) {
        if (element.after) expect(selectors).toContain(element.after);
      }
    }
  });

  for (const path of DEMO_PATHS) {
    it(`has unique ids and the title on ${path}`, () => {
      const document = parsePage(path);
      const ids = Array.from(document.querySelectorAll("[id]"), (e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(document.title).toBe(DEMO_PAGES[path].title);
    });

    it(`puts the embed placeholder last on ${path}`, () => {
      const html = readPage(path);
      expect(html).toMatch(/<!-- storelens-embed -->\s*<\/body>/);
      expect(html.indexOf('src="/assets/consent.js"')).toBeLessThan(
        html.indexOf("<!-- storelens-embed -->"),
      );
    });
  }
});

describe("demoSnapshotPayloads", () => {
  it("builds one snapshot per path and device", async () => {
    const batches = generateDemoTraffic({
      shop: SHOP,
      sessions: 300,
      seed: 5,
      now: NOW,
      days: 7,
    });
    const pages = batches.flatMap((batch) => batch.pages);
    const snapshots = await demoSnapshotPayloads({
      shop: SHOP,
      origin: "http://127.0.0.1:4000",
      pages,
    });

    expect(snapshots).toHaveLength(DEMO_PATHS.length * 3);
    const pairs = new Set(snapshots.map((s) => `${s.path} ${s.device}`));
    expect(pairs.size).toBe(snapshots.length);
    for (const snapshot of snapshots) {
      const page = pages.find((p) => p.id === snapshot.page)!;
      expect(page.path).toBe(snapshot.path);
      expect(page.device).toBe(snapshot.device);
      expect(snapshot.viewportWidth).toBe(page.viewportWidth);
      expect(snapshot.documentHeight).toBeGreaterThan(page.viewportHeight);
    }

    const text = JSON.stringify(
      snapshots.find((s) => s.path === "/products/linen-shirt")!.node,
    );
    expect(text).toContain('"_cssText"');
    expect(text).toContain("@media (max-width: 767.98px)");
    expect(text).not.toContain('"tagName":"script"');
    expect(text).not.toContain("storelens-embed");
    expect(text).toMatch(/"id":"quantity-input"[^}]*"value":"\*"/);
    expect(text).toContain('"href":"http://127.0.0.1:4000/cart"');
  });
});

interface ReceivedRequest {
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/** Local stand-in for the ingest endpoint with a scripted status sequence. */
async function startFakeIngest(
  respond: (
    request: ReceivedRequest,
    index: number,
  ) => {
    status: number;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<{
  url: string;
  requests: ReceivedRequest[];
  maxInFlight: () => number;
  close: () => Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      const reply = respond(request, requests.length - 1);
      // A short delay lets requests overlap, so concurrency is observable.
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? "");
      }, 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/collect`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const OK_BODY = JSON.stringify({
  ok: true,
  duplicate: false,
  snapshotPages: [],
});
const ORIGIN = "http://127.0.0.1:4100";

describe("seedDemoTraffic", () => {
  const seedOptions = { shop: SHOP, sessions: 40, seed: 9, now: NOW, days: 3 };

  it("posts every batch as text with the storefront origin", async () => {
    const ingest = await startFakeIngest(() => ({
      status: 200,
      body: OK_BODY,
    }));
    const progress: Array<[number, number]> = [];
    const startedAt = Date.now();
    try {
      const result = await seedDemoTraffic({
        ...seedOptions,
        ingestUrl: ingest.url,
        origin: ORIGIN,
        snapshots: false,
        onProgress: (done, total) => progress.push([done, total]),
      });

      const expected = generateDemoTraffic({ ...seedOptions, origin: ORIGIN });
      expect(result.batches).toBe(expected.length);
      expect(result.events).toBe(
        expected.reduce((sum, b) => sum + b.events.length, 0),
      );
      expect(result.snapshots).toBe(0);
      expect(ingest.requests).toHaveLength(expected.length);
      for (const request of ingest.requests) {
        expect(request.url).toBe("/collect");
        expect(request.headers["content-type"]).toBe("text/plain");
        expect(request.headers.origin).toBe(ORIGIN);
      }
      const received = new Map(
        ingest.requests.map((r) => {
          const batch = JSON.parse(r.body.toString()) as BatchPayload;
          return [batch.batchId, batch];
        }),
      );
      for (const batch of expected) {
        const sent = received.get(batch.batchId);
        expect(sent).toEqual({ ...batch, sentAt: sent!.sentAt });
        expect(sent!.sentAt).toBeGreaterThanOrEqual(startedAt);
      }
      expect(ingest.maxInFlight()).toBeLessThanOrEqual(4);
      expect(ingest.maxInFlight()).toBeGreaterThan(1);
      expect(progress.at(-1)).toEqual([expected.length, expected.length]);
    } finally {
      await ingest.close();
    }
  });

  it("retries 429 and 503 after Retry-After", async () => {
    const ingest = await startFakeIngest((_request, index) => {
      if (index === 0) {
        return { status: 429, headers: { "Retry-After": "0" } };
      }
      if (index === 1) return { status: 503 };
      return { status: 200, body: OK_BODY };
    });
    try {
      const result = await seedDemoTraffic({
        ...seedOptions,
        sessions: 3,
        concurrency: 1,
        ingestUrl: ingest.url,
        origin: ORIGIN,
        snapshots: false,
      });
      expect(ingest.requests).toHaveLength(result.batches + 2);
      const ids = ingest.requests.map(
        (r) => (JSON.parse(r.body.toString()) as BatchPayload).batchId,
      );
      expect(ids[1]).toBe(ids[0]);
      expect(ids[2]).toBe(ids[0]);
    } finally {
      await ingest.close();
    }
  });

  it("throws with status and body on a 400", async () => {
    const error = JSON.stringify({
      error: { code: "invalid_batch", message: "x is invalid" },
    });
    const ingest = await startFakeIngest(() => ({ status: 400, body: error }));
    try {
      await expect(
        seedDemoTraffic({
          ...seedOptions,
          ingestUrl: ingest.url,
          origin: ORIGIN,
          snapshots: false,
        }),
      ).rejects.toThrow(/returned 400 Bad Request: .*invalid_batch/);
      expect(ingest.requests.length).toBeLessThanOrEqual(4);
    } finally {
      await ingest.close();
    }
  });

  it("uploads the snapshots the endpoint requests", async () => {
    // Like the real endpoint: one claim per path and device, and 409 for
    // a snapshot nobody requested.
    const claims = new Map<string, string>();
    const ingest = await startFakeIngest((request) => {
      const body = JSON.parse(
        request.url?.split("?")[0] === "/collect/snapshot"
          ? gunzipSync(request.body).toString()
          : request.body.toString(),
      ) as BatchPayload | SnapshotPayload;
      if ("node" in body) {
        const claimed = [...claims.values()].includes(body.page);
        return { status: claimed ? 200 : 409, body: "{}" };
      }
      const snapshotPages = body.pages
        .filter((page) => !claims.has(`${page.path} ${page.device}`))
        .map((page) => {
          claims.set(`${page.path} ${page.device}`, page.id);
          return page.id;
        });
      const reply = { ok: true, duplicate: false, snapshotPages };
      return { status: 200, body: JSON.stringify(reply) };
    });
    try {
      const result = await seedDemoTraffic({
        ...seedOptions,
        ingestUrl: `${ingest.url}/`,
        origin: ORIGIN,
      });

      const posts = ingest.requests.filter(
        (r) => r.url?.split("?")[0] === "/collect/snapshot",
      );
      expect(posts).toHaveLength(claims.size);
      expect(result.snapshots).toBe(claims.size);
      const payloads = posts.map((post) => {
        expect(post.headers["content-encoding"]).toBe("gzip");
        expect(post.headers["content-type"]).toBe("application/json");
        expect(post.headers.origin).toBe(ORIGIN);
        return JSON.parse(gunzipSync(post.body).toString()) as SnapshotPayload;
      });
      expect(new Set(payloads.map((p) => p.page))).toEqual(
        new Set(claims.values()),
      );
      for (const payload of payloads) {
        expect(payload.shop).toBe(SHOP);
        expect(claims.get(`${payload.path} ${payload.device}`)).toBe(
          payload.page,
        );
      }
    } finally {
      await ingest.close();
    }
  });

  it("sends browser user agents", async () => {
    const ingest = await startFakeIngest(() => ({
      status: 200,
      body: OK_BODY,
    }));
    try {
      await seedDemoTraffic({
        ...seedOptions,
        ingestUrl: ingest.url,
        origin: ORIGIN,
        snapshots: false,
      });
      const agents = new Set(
        ingest.requests.map((r) => r.headers["user-agent"]),
      );
      expect(agents.size).toBeGreaterThan(1);
      for (const agent of agents) {
        expect(agent).toMatch(/^Mozilla\/5\.0 /);
        expect(isbot(agent)).toBe(false);
      }
      for (const request of ingest.requests) {
        const batch = JSON.parse(request.body.toString()) as BatchPayload;
        expect(request.headers["user-agent"]).toBe(demoUserAgent(batch));
      }
    } finally {
      await ingest.close();
    }
  });

  it("refuses an ingest URL on another host", async () => {
    // The stub keeps a regression from sending anything over the network.
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockRejectedValue(new Error("fetch must not be called"));
    try {
      await expect(
        seedDemoTraffic({
          ...seedOptions,
          ingestUrl: "http://shop.example/collect",
          origin: ORIGIN,
        }),
      ).rejects.toThrow(/must be an http\(s\) URL on this machine/);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("explains an unreachable ingest endpoint", async () => {
    const ingest = await startFakeIngest(() => ({ status: 200 }));
    await ingest.close();
    await expect(
      seedDemoTraffic({
        ...seedOptions,
        ingestUrl: ingest.url,
        origin: ORIGIN,
        snapshots: false,
      }),
    ).rejects.toThrow(/Is the app server running\?/);
  });
});

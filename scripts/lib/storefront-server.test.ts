import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import {
  EMBED_PLACEHOLDER,
  decodePathname,
  startStorefrontServer,
  type StorefrontServer,
} from "./storefront-server";

const EMBED_TAG =
  '<script src="/storelens-assets/storelens.js" data-shop="x$&y" defer></script>';

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Sends `target` exactly as written. fetch() would normalise `/../x` to
 * `/x` before sending, which hides traversal bugs.
 */
function get(
  server: StorefrontServer,
  target: string,
  method = "GET",
): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: target, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("startStorefrontServer", () => {
  let workDir: string;
  let server: StorefrontServer;

  beforeAll(async () => {
    // assets/ is served; secret.txt beside it must stay out of reach.
    workDir = await mkdtemp(path.join(tmpdir(), "storefront-server-"));
    const assetsDir = path.join(workDir, "assets");
    await mkdir(assetsDir);
    await writeFile(path.join(assetsDir, "storelens.js"), "/* embed */\n");
    await writeFile(path.join(workDir, "secret.txt"), "do not serve\n");
    server = await startStorefrontServer({
      embedScriptTag: EMBED_TAG,
      assetsDir,
      logger: pino({ level: "silent" }),
    });
  });

  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  const pages: Array<[string, string]> = [
    ["/", "Fernwood | Linen and cotton clothing"],
    ["/collections/all", "All products | Fernwood"],
    ["/products/linen-shirt", "Linen shirt | Fernwood"],
    ["/cart", "Your cart | Fernwood"],
    ["/products/linen-shirt?variant=2&consent=granted", "Linen shirt"],
  ];
  for (const [target, title] of pages) {
    it(`serves ${target} with the embed tag`, async () => {
      const response = await get(server, target);
      expect(response.status).toBe(200);
      expect(response.contentType).toBe("text/html; charset=utf-8");
      expect(response.body).toContain(`<title>${title}`);
      expect(response.body).toContain(`${EMBED_TAG}\n  </body>`);
      expect(response.body).not.toContain(EMBED_PLACEHOLDER);
    });
  }

  it("serves the theme stylesheet and scripts", async () => {
    const css = await get(server, "/assets/theme.css");
    expect(css.status).toBe(200);
    expect(css.contentType).toBe("text/css; charset=utf-8");
    const js = await get(server, "/assets/consent.js");
    expect(js.status).toBe(200);
    expect(js.contentType).toBe("text/javascript; charset=utf-8");
    expect(js.body).toContain("visitorConsentCollected");
  });

  it("serves the embed from the assets folder", async () => {
    const response = await get(server, "/storelens-assets/storelens.js");
    expect(response.status).toBe(200);
    expect(response.contentType).toBe("text/javascript; charset=utf-8");
    expect(response.body).toBe("/* embed */\n");
  });

  it("returns the 404 page for unknown paths", async () => {
    for (const target of [
      "/nope",
      "/products/oxford-shirt",
      "/assets/missing.css",
      "/storelens-assets/missing.js",
      "/storelens-assets/",
    ]) {
      const response = await get(server, target);
      expect(response.status, target).toBe(404);
      expect(response.contentType).toBe("text/html; charset=utf-8");
      expect(response.body).toContain("Page not found");
      expect(response.body).toContain(EMBED_TAG);
    }
  });

  it("returns 404 for directory traversal", async () => {
    for (const target of [
      "/../package.json",
      "/../../package.json",
      "/%2e%2e/package.json",
      "/..%2fpackage.json",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/assets/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/storelens-assets/../secret.txt",
      "/storelens-assets/..%2fsecret.txt",
      "/storelens-assets/%2e%2e%2fsecret.txt",
      "/storelens-assets/..%5csecret.txt",
      "/%00index.html",
      "/%E0%A4%A",
    ]) {
      const response = await get(server, target);
      expect(response.status, target).toBe(404);
      expect(response.body, target).not.toContain('"name": "storelens"');
      expect(response.body, target).not.toContain("do not serve");
    }
  });

  it("sends no body for HEAD", async () => {
    const response = await get(server, "/cart", "HEAD");
    expect(response.status).toBe(200);
    expect(response.body).toBe("");
  });

  it("rejects other methods with 405", async () => {
    const response = await get(server, "/cart", "POST");
    expect(response.status).toBe(405);
  });
});

describe("decodePathname", () => {
  it("decodes a plain path", () => {
    expect(decodePathname("/products/linen-shirt?x=1#top")).toBe(
      "/products/linen-shirt",
    );
    expect(decodePathname("/caf%C3%A9")).toBe("/café");
  });

  it("rejects unsafe paths", () => {
    for (const target of [
      "/../x",
      "/a/./b",
      "/%2E%2E/x",
      "/a%2f..%2fb",
      "/a%5cb",
      "/a%00",
      "/%ZZ",
      "x",
    ]) {
      expect(decodePathname(target), target).toBeNull();
    }
  });
});

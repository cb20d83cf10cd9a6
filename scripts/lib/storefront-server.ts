import { readFile } from "node:fs/promises";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino, type Logger } from "pino";

/** Pages of the demo storefront, served with Shopify-style clean URLs. */
export const STOREFRONT_DIR = fileURLToPath(
  new URL("../../public/storefront/", import.meta.url),
);

/** Comment in every page where Shopify would render the app embed block. */
export const EMBED_PLACEHOLDER = "<!-- storelens-embed -->";

/** URL prefix under which files from `assetsDir` are served. */
export const EMBED_ASSETS_PREFIX = "/storelens-assets/";

const NOT_FOUND_PAGE = "404.html";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export interface StorefrontServerOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  /** Bind address. The server binds to 127.0.0.1 whatever is passed. */
  host?: "127.0.0.1";
  /** HTML that replaces {@link EMBED_PLACEHOLDER} in every page. */
  embedScriptTag: string;
  /** Folder served under {@link EMBED_ASSETS_PREFIX}, e.g. the built embed. */
  assetsDir: string;
  /** Folder of the storefront pages; defaults to {@link STOREFRONT_DIR}. */
  storefrontDir?: string;
  logger?: Logger;
}

export interface StorefrontServer {
  /** Origin of the storefront, e.g. `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

interface ServedFile {
  body: Buffer;
  contentType: string;
}

/**
 * Starts the demo storefront on 127.0.0.1 and resolves once it listens.
 * `/products/linen-shirt` serves `products/linen-shirt.html`, `/` serves
 * `index.html`, and unknown paths get the 404 page with status 404.
 */
export async function startStorefrontServer(
  options: StorefrontServerOptions,
): Promise<StorefrontServer> {
  const host = "127.0.0.1";
  const storefrontDir = path.resolve(options.storefrontDir ?? STOREFRONT_DIR);
  const assetsDir = path.resolve(options.assetsDir);
  const logger = options.logger ?? pino({ name: "demo-storefront" });

  async function loadPage(file: string): Promise<ServedFile> {
    const html = await readFile(file, "utf8");
    // A function replacement keeps `$&` and similar in the tag literal.
    const body = html.replace(EMBED_PLACEHOLDER, () => options.embedScriptTag);
    return { body: Buffer.from(body), contentType: CONTENT_TYPES[".html"] };
  }

  async function resolveRequest(pathname: string): Promise<ServedFile | null> {
    if (pathname.startsWith(EMBED_ASSETS_PREFIX)) {
      const relative = pathname.slice(EMBED_ASSETS_PREFIX.length);
      return readStatic(assetsDir, [relative]);
    }
    const relative = pathname.slice(1);
    const candidates =
      relative === "" || relative.endsWith("/")
        ? [`${relative}index.html`]
        : path.posix.extname(relative) === ""
          ? [`${relative}.html`, `${relative}/index.html`]
          : [relative];
    return readStatic(storefrontDir, candidates);
  }

  async function readStatic(
    root: string,
    candidates: string[],
  ): Promise<ServedFile | null> {
    for (const candidate of candidates) {
      const file = resolveInside(root, candidate);
      if (file === null) return null;
      const extension = path.extname(file).toLowerCase();
      const contentType = CONTENT_TYPES[extension];
      if (contentType === undefined) continue;
      try {
        if (extension === ".html" && root === storefrontDir) {
          return await loadPage(file);
        }
        return { body: await readFile(file), contentType };
      } catch (error) {
        if (isMissingFile(error)) continue;
        throw error;
      }
    }
    return null;
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, {
        Allow: "GET, HEAD",
        "Content-Type": CONTENT_TYPES[".txt"],
      });
      response.end("Method not allowed\n");
      return;
    }

    const pathname = decodePathname(request.url ?? "/");
    let served = pathname === null ? null : await resolveRequest(pathname);
    let status = 200;
    if (served === null) {
      status = 404;
      served = await readStatic(storefrontDir, [NOT_FOUND_PAGE]);
    }
    const body = served?.body ?? Buffer.from("Not found\n");

    response.writeHead(status, {
      "Content-Type": served?.contentType ?? CONTENT_TYPES[".txt"],
      "Content-Length": body.length,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error(
        { err: error, url: request.url },
        "storefront request failed",
      );
      if (!response.headersSent) {
        response.writeHead(500, { "Content-Type": CONTENT_TYPES[".txt"] });
      }
      response.end("Internal server error\n");
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port, storefrontDir, assetsDir }, "demo storefront started");

  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Returns the percent-decoded path of a request target. Returns null when
 * the path fails to decode or contains a NUL, a backslash or a `.` or `..`
 * segment, also when these are percent-encoded (`%2e%2e`, `..%2f`).
 */
export function decodePathname(target: string): string | null {
  const rawPath = target.split(/[?#]/, 1)[0];
  if (!rawPath.startsWith("/")) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    return null;
  }
  return decoded;
}

/** Joins `relative` onto `root`, or returns null when it would leave root. */
function resolveInside(root: string, relative: string): string | null {
  const file = path.resolve(root, relative);
  const fromRoot = path.relative(root, file);
  const outside =
    fromRoot === ".." ||
    fromRoot.startsWith(`..${path.sep}`) ||
    path.isAbsolute(fromRoot);
  return outside ? null : file;
}

function isMissingFile(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

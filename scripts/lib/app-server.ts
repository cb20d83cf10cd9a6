import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express, {
  type NextFunction,
  type Request,
  type Response,
} from "express";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** The server build's entry module, which also exports the job starter. */
interface EntryWithJobs {
  startJobs?: () => Promise<() => Promise<void>>;
  createCollectHandler?: () => (
    request: IncomingMessage,
    response: ServerResponse,
  ) => boolean;
}

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Max time a closing connection goes on reading a body its reply did not wait for. */
const LINGER_MS = 2000;
/** Max bytes of such a body read and dropped before the socket closes. */
const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * Closes connections whose reply went out before the request body ended
 * (a 413 for an oversized body) with a lingering close. Node destroys a
 * `Connection: close` socket as soon as the reply is written, and closing
 * a socket with unread bytes makes the kernel send a reset, which can
 * discard the reply before the client reads it. Such a socket instead
 * sends its FIN and goes on reading and dropping the body, for LINGER_MS
 * or LINGER_BYTES at most, before it is destroyed.
 */
function lingerBeforeClosing(server: Server) {
  const current = new WeakMap<Socket, IncomingMessage>();
  server.on("request", (request: IncomingMessage) => {
    current.set(request.socket, request);
  });
  server.on("connection", (socket: Socket & { destroySoon?: () => void }) => {
    const destroySoon = socket.destroySoon;
    if (typeof destroySoon !== "function") return;
    socket.destroySoon = () => {
      const request = current.get(socket);
      if (!request || request.complete) {
        destroySoon.call(socket);
        return;
      }
      socket.end();
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      socket.once("close", () => clearTimeout(timer));
      // The rest of the body is read from the socket itself and dropped.
      // Read through Node's parser into the dropped request instead, it
      // stopped after about 4 MiB (see lingering-close.test.ts), likely
      // because the request's abandoned body stream keeps it paused.
      socket.removeAllListeners("data");
      let dropped = 0;
      socket.on("data", (chunk: Buffer) => {
        dropped += chunk.byteLength;
        if (dropped > LINGER_BYTES) socket.destroy();
      });
      socket.resume();
    };
  });
}

/**
 * Path patterns of the build's resource routes, the routes without a
 * component: webhooks, the ingest uploads, auth and the index redirect.
 */
export function resourceRoutePatterns(build: ServerBuild): RegExp[] {
  const fullPath = (id: string): string => {
    const route = build.routes[id];
    const parent = route.parentId ? fullPath(route.parentId) : "";
    return [parent, route.path ?? ""].filter(Boolean).join("/");
  };
  return Object.entries(build.routes)
    .filter(([, route]) => route.module.default === undefined)
    .map(([id]) => {
      const segments = fullPath(id)
        .split("/")
        .filter(Boolean)
        .map((segment) => {
          if (segment === "*") return ".*";
          if (segment.startsWith(":")) return "[^/]+";
          return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        });
      return new RegExp(`^/${segments.join("/")}/?$`);
    });
}

/**
 * Returns middleware that rejects a cross-origin POST (PUT, PATCH, DELETE)
 * to a page route with 403. Remix 2 rejects such a request too, but with a
 * 500 and a stack trace in the log, so a flood of them would look like an
 * outage. Resource routes, which storefronts and Shopify call from other
 * origins, pass through.
 */
function rejectCrossOriginDocumentPosts(build: ServerBuild) {
  const resourceRoutes = resourceRoutePatterns(build);
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.get("origin");
    if (!MUTATIONS.has(request.method) || origin === undefined) return next();
    let originHost: string = origin;
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" and malformed origins match no host.
    }
    const host =
      request.get("x-forwarded-host")?.split(",")[0]?.trim() ||
      request.get("host");
    if (originHost === host) return next();
    if (resourceRoutes.some((pattern) => pattern.test(request.path))) {
      return next();
    }
    response.status(403).json({
      error: {
        code: "cross_origin_request",
        message: `${request.method} from ${origin} is not accepted at ${request.path}: only the ingest and webhook endpoints take requests from other origins`,
      },
    });
  };
}

/** Loads the Remix server build that `remix build` wrote to build/. */
export async function loadServerBuild(root: string): Promise<ServerBuild> {
  const file = path.join(root, "build", "index.js");
  return (await import(pathToFileURL(file).href)) as ServerBuild;
}

/**
 * Serves the Remix app (admin, ingest, webhooks) with express: hashed
 * assets from public/build with a long cache, then everything else through
 * Remix.
 */
export async function startAppServer(options: {
  root: string;
  host: string;
  port: number;
  build?: ServerBuild;
  /** Start the pg-boss workers (order imports, rollup refresh). */
  jobs?: boolean;
}): Promise<AppServer> {
  const build = options.build ?? (await loadServerBuild(options.root));
  const entry = build.entry.module as EntryWithJobs;
  const stopJobs =
    options.jobs && entry.startJobs ? await entry.startJobs() : null;
  const app = express();
  app.disable("x-powered-by");
  app.use(compression());
  app.use(
    "/build",
    express.static(path.join(options.root, "public", "build"), {
      immutable: true,
      maxAge: "1y",
    }),
  );
  app.use(rejectCrossOriginDocumentPosts(build));
  app.all(
    "*",
    createRequestHandler({
      build,
      mode: build.mode,
      // Socket address unless `trust proxy` is set; rate limits key on it.
      getLoadContext: (request) => ({ clientIp: request.ip }),
    }),
  );

  // The collect handler takes `POST /collect` before Express and Remix see it.
  const collect = entry.createCollectHandler?.();
  const server: Server = createServer((request, response) => {
    if (collect?.(request, response)) return;
    app(request, response);
  });
  lingerBeforeClosing(server);
  // A client that trickles its headers or body keeps a socket busy, so it
  // gets 408 after these limits rather than Node 20's five-minute default.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port =
    address && typeof address === "object" ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}`,
    close: async () => {
      await stopJobs?.();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

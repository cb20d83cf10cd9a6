import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

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
  app.all(
    "*",
    createRequestHandler({
      build,
      mode: build.mode,
      // Socket address unless `trust proxy` is set; rate limits key on it.
      getLoadContext: (request) => ({ clientIp: request.ip }),
    }),
  );

  // `POST /collect` is answered before express and Remix see it.
  const collect = entry.createCollectHandler?.();
  const server: Server = createServer((request, response) => {
    if (collect?.(request, response)) return;
    app(request, response);
  });
  // A client that trickles its headers or body holds a socket: it gets
  // 408 after these, well before Node's five-minute default.
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

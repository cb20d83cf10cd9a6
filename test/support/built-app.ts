// The end-to-end tests serve the Remix build in build/, which `npm test`
// writes before vitest starts. A single file run needs `npm run build`.
import { existsSync } from "node:fs";
import path from "node:path";
import type { AppServer } from "../../scripts/lib/app-server";

export const root = path.resolve(import.meta.dirname, "../..");

/** Throws a clear error when build/ has no server build. */
export function assertBuilt() {
  if (!existsSync(path.join(root, "build", "index.js"))) {
    throw new Error("build/index.js is missing: run npm run build first");
  }
}

/** Starts the built app server on a free loopback port. */
export async function startBuiltApp(): Promise<{
  server: AppServer;
  port: number;
}> {
  assertBuilt();
  const { startAppServer } = await import("../../scripts/lib/app-server");
  const server = await startAppServer({ root, host: "127.0.0.1", port: 0 });
  return { server, port: Number(new URL(server.url).port) };
}

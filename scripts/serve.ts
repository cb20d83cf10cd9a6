// Production entry point: `npm run build` first, then `npm start`.
import path from "node:path";
import { startAppServer } from "./lib/app-server";
import { EnvError, env } from "../app/env.server";

const root = path.resolve(import.meta.dirname, "..");
let config;
try {
  config = env();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
// Demo mode serves the admin without a login, so it never listens beyond
// this machine.
const host = config.STORELENS_DEMO
  ? "127.0.0.1"
  : (process.env.HOST ?? "0.0.0.0");

const server = await startAppServer({ root, host, port, jobs: true });
console.log(`Storelens listening on ${server.url}`);

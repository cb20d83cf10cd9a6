import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { TestProject } from "vitest/node";
import {
  startEmbeddedPostgres,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres";

const run = promisify(execFile);
export const TEMPLATE_DATABASE = "storelens_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let postgres: RunningPostgres | undefined;
let postgresDir: string | undefined;

/**
 * Starts one PostgreSQL for the whole run and migrates a template database
 * with `prisma migrate deploy`. Each test file then clones the template
 * (see database-per-file.ts), so files never see each other's rows.
 */
export async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, "../..");
  const externalUrl = process.env.STORELENS_TEST_POSTGRES_URL;
  let adminUrl: string;
  if (externalUrl) {
    adminUrl = externalUrl;
  } else {
    postgresDir = path.join(root, ".tmp", `test-postgres-${process.pid}`);
    postgres = await startEmbeddedPostgres({
      dataDir: postgresDir,
      fresh: true,
    });
    adminUrl = postgres.adminUrl;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  await run("npx", ["prisma", "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: templateUrl.toString() },
  });
  project.provide("postgresUrl", adminUrl);
}

export async function teardown() {
  if (postgres) {
    await postgres.stop();
  }
  // Each run makes a new cluster of some hundred megabytes; none is reused.
  if (postgresDir) await rm(postgresDir, { recursive: true, force: true });
}

import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
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
 * Generates the Prisma client when it is missing or was generated from
 * another schema (its copy of the schema differs). `npm test` generates it
 * first, but a single file run with `npx vitest run FILE` in a fresh clone
 * would otherwise load the stub that npm installs, which throws on first use.
 */
async function ensurePrismaClient(root: string) {
  // The generated copy is reformatted, so the two compare without spaces.
  const read = (file: string) =>
    readFile(file, "utf8").then(
      (text) => text.replace(/\s+/g, ""),
      () => null,
    );
  const [schema, generated] = await Promise.all([
    read(path.join(root, "prisma", "schema.prisma")),
    read(path.join(root, "node_modules", ".prisma", "client", "schema.prisma")),
  ]);
  if (schema !== null && schema === generated) return;
  await run("npx", ["prisma", "generate"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL:
        process.env.DATABASE_URL ?? "postgresql://unused@127.0.0.1:1/unused",
    },
  });
}

/**
 * Starts one PostgreSQL for the whole run and migrates a template database
 * with `prisma migrate deploy`. Each test file then clones the template
 * (see database-per-file.ts), so files never see each other's rows.
 */
export async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, "../..");
  await ensurePrismaClient(root);
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

import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";

// Runs before each test file, in its worker, before the file's imports: the
// file gets a fresh database cloned from the migrated template, and the app
// modules it imports read DATABASE_URL from here.
const adminUrl = inject("postgresUrl");
const name = `storelens_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name} TEMPLATE storelens_template`);
await admin.end();

const url = new URL(adminUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SHOPIFY_APP_URL ??= "https://storelens.test";
process.env.SCOPES ??= "read_orders,write_pixels,read_customer_events";
process.env.LOG_LEVEL ??= "silent";
process.env.NODE_ENV = "test";

afterAll(async () => {
  const db = globalThis.storelensDb;
  if (db) {
    await Promise.all([db.prisma.$disconnect(), db.pool.end()]);
    globalThis.storelensDb = undefined;
  }
  const cleanup = new pg.Client({ connectionString: adminUrl });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await cleanup.end();
});

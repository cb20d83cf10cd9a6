import type pg from "pg";
import { inject } from "vitest";
import {
  createMigrationDatabase,
  type MigrationDatabase,
} from "../../test/support/migration-database";
import {
  parseTimestamp,
  partitionName,
  weekStart,
} from "./event-partitions.server";

// Applies the migrations one by one to a database of its own, with rows in
// InteractionEvent before the partitioning migration.

const PARTITIONING = "20261205010000_partition_interaction_events";
const DAY_MS = 86_400_000;

let database: MigrationDatabase;
let client: pg.Client;
const migrationsWhere = (keep: (name: string) => boolean) =>
  database.migrationsWhere(keep);
const apply = (names: string[]) => database.apply(names);

beforeAll(async () => {
  database = await createMigrationDatabase(inject("postgresUrl"));
  client = database.client;
});

afterAll(async () => {
  await database?.drop();
});

describe("partitioning migration", () => {
  it("moves existing rows into weeks and keeps ids", async () => {
    await apply(await migrationsWhere((name) => name < PARTITIONING));
    await client.query(
      `INSERT INTO "Shop" (id, domain, timezone, "updatedAt")
       VALUES ('one', 'one.myshopify.com', 'UTC', now()),
              ('two', 'two.myshopify.com', 'UTC', now())`,
    );
    const now = Date.now();
    const dates = [400, 200, 3, 0].map((days) => new Date(now - days * DAY_MS));
    for (const [index, at] of dates.entries()) {
      await client.query(
        `INSERT INTO "InteractionEvent"
           ("shopId", "pageViewId", "sessionId", type, "occurredAt",
            "clientAt", path, device, "viewportWidth", "viewportHeight",
            selector, x, y, outcome, "batchId")
         VALUES ($1, gen_random_uuid(), gen_random_uuid(), 'click', $2, $2,
                 '/', 'mobile', 390, 800, '#buy', 1, 2, '{"a": 1}',
                 gen_random_uuid())`,
        [index % 2 === 0 ? "one" : "two", at],
      );
    }
    const rowsSql = `SELECT * FROM "InteractionEvent" ORDER BY id`;
    const before = (await client.query(rowsSql)).rows;

    await apply([PARTITIONING]);

    const after = await client.query(
      `SELECT *, tableoid::regclass::text AS partition,
              "occurredAt"::text AS at
       FROM "InteractionEvent" ORDER BY id`,
    );
    expect(after.rows.map(({ partition: _, at: __, ...row }) => row)).toEqual(
      before,
    );
    for (const row of after.rows) {
      const week = partitionName(weekStart(parseTimestamp(row.at)));
      expect(row.partition).toBe(`"${week}"`);
    }

    const next = await client.query<{ id: string }>(
      `INSERT INTO "InteractionEvent"
         ("shopId", "pageViewId", "sessionId", type, "occurredAt", "clientAt",
          path, device, "viewportWidth", "viewportHeight", "batchId")
       VALUES ('one', gen_random_uuid(), gen_random_uuid(), 'click', now(),
               now(), '/', 'mobile', 390, 800, gen_random_uuid())
       RETURNING id::text`,
    );
    expect(next.rows[0].id).toBe("5");
  });

  it("builds the key, indexes and foreign key on the parent", async () => {
    const indexes = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS kind
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = '"InteractionEvent"'::regclass ORDER BY 1`,
    );
    expect(indexes.rows).toEqual([
      { name: "InteractionEvent_pkey", kind: "I" },
      { name: "InteractionEvent_shopId_occurredAt_idx", kind: "I" },
      {
        name: "InteractionEvent_shopId_path_device_type_occurredAt_idx",
        kind: "I",
      },
      { name: "InteractionEvent_shopId_sessionId_idx", kind: "I" },
    ]);
    const key = await client.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conname = 'InteractionEvent_pkey'`,
    );
    expect(key.rows[0].definition).toBe(
      'PRIMARY KEY ("shopId", id, "occurredAt")',
    );

    await client.query(`DELETE FROM "Shop" WHERE id = 'two'`);
    const left = await client.query<{ shop: string }>(
      `SELECT DISTINCT "shopId" AS shop FROM "InteractionEvent"`,
    );
    expect(left.rows).toEqual([{ shop: "one" }]);
    const old = await client.query(
      `SELECT 1 FROM pg_class WHERE relname = 'InteractionEvent_unpartitioned'`,
    );
    expect(old.rowCount).toBe(0);
  });

  it("lets the later migrations apply", async () => {
    await apply(await migrationsWhere((name) => name > PARTITIONING));
    const partitions = await client.query<{ count: string }>(
      `SELECT count(*) FROM pg_inherits
       WHERE inhparent = '"InteractionEvent"'::regclass`,
    );
    // The weeks with rows, the live weeks and DEFAULT: at least 11.
    expect(Number(partitions.rows[0].count)).toBeGreaterThanOrEqual(11);
  });
});

import { inject } from "vitest";
import {
  createMigrationDatabase,
  type MigrationDatabase,
} from "../../test/support/migration-database";

// Rows written while amounts were numeric(18, 2) must read back unchanged
// once the three-decimal migration has run.

const THREE_DECIMALS = "20261207040000_three_decimal_money";

let database: MigrationDatabase;

beforeAll(async () => {
  database = await createMigrationDatabase(inject("postgresUrl"));
});

afterAll(async () => {
  await database?.drop();
});

const AMOUNTS = ["0.00", "0.01", "10.10", "12.35", "9999999999999999.99"];

describe("three-decimal money migration", () => {
  it("converts two-decimal rows exactly", async () => {
    const { client } = database;
    await database.apply(
      await database.migrationsWhere((name) => name < THREE_DECIMALS),
    );
    await client.query(
      `INSERT INTO "Shop" (id, domain, timezone, currency, "updatedAt")
       VALUES ('one', 'one.myshopify.com', 'UTC', 'KWD', now()),
              ('two', 'two.myshopify.com', 'UTC', 'USD', now())`,
    );
    for (const [index, amount] of AMOUNTS.entries()) {
      const shop = index % 2 === 0 ? "one" : "two";
      const currency = shop === "one" ? "KWD" : "USD";
      await client.query(
        `INSERT INTO "Order" ("shopId", id, "processedAt", currency,
           "totalPrice", "financialStatus", "updatedAt")
         VALUES ($1, $2, '2026-11-20 10:00', $3, $4::numeric, 'paid', now())`,
        [shop, String(index + 1), currency, amount],
      );
      await client.query(
        `INSERT INTO "OrderRefund" ("shopId", id, "orderId", amount,
           "createdAt")
         VALUES ($1, $2, $3, $4::numeric, '2026-11-21 10:00')`,
        [shop, `r${index + 1}`, String(index + 1), amount],
      );
      await client.query(
        `INSERT INTO "DailyRevenueStat" ("shopId", day, dimension, key,
           sessions, "convertingSessions", orders, "netRevenue")
         VALUES ($1, '2026-11-20', 'device', $2, 1, 1, 1, $3::numeric)`,
        [shop, `key-${index}`, amount],
      );
    }

    await database.apply([THREE_DECIMALS]);

    const orders = await client.query<{ id: string; total: string }>(
      `SELECT id, "totalPrice"::text AS total FROM "Order" ORDER BY id`,
    );
    const expected = AMOUNTS.map((amount) => `${amount}0`);
    expect(orders.rows.map((row) => row.total)).toEqual(expected);
    const refunds = await client.query<{ amount: string }>(
      `SELECT amount::text FROM "OrderRefund" ORDER BY id`,
    );
    expect(refunds.rows.map((row) => row.amount)).toEqual(expected);
    const stats = await client.query<{ net: string }>(
      `SELECT "netRevenue"::text AS net FROM "DailyRevenueStat" ORDER BY key`,
    );
    expect(stats.rows.map((row) => row.net)).toEqual(expected);
  });

  it("stores a third decimal after the migration", async () => {
    const { client } = database;
    await client.query(
      `INSERT INTO "Order" ("shopId", id, "processedAt", currency,
         "totalPrice", "financialStatus", "updatedAt")
       VALUES ('one', '100', '2026-11-20 11:00', 'KWD', 12.345, 'paid', now())`,
    );
    await client.query(
      `INSERT INTO "OrderRefund" ("shopId", id, "orderId", amount, "createdAt")
       VALUES ('one', 'r100', '100', 0.005, '2026-11-21 10:00')`,
    );
    const net = await client.query<{ gross: string; net: string }>(
      `SELECT gross::text, net::text FROM "OrderNet"
       WHERE "shopId" = 'one' AND "orderId" = '100'`,
    );
    expect(net.rows).toEqual([{ gross: "12.345", net: "12.340" }]);
  });

  it("keeps the view's columns", async () => {
    const columns = await database.client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_name = 'OrderNet' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((row) => row.name)).toEqual([
      "shopId",
      "orderId",
      "sessionId",
      "processedAt",
      "currency",
      "counted",
      "gross",
      "refunds",
      "net",
    ]);
  });
});

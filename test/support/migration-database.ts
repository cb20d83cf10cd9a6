import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

// A database of its own to which a test applies the migrations one by one,
// the way `prisma migrate deploy` sends each file: as one query. Tests use
// it to write rows the way an older schema stored them and check what a
// later migration makes of them.

const MIGRATIONS = path.resolve(import.meta.dirname, "../../prisma/migrations");

export interface MigrationDatabase {
  client: pg.Client;
  /** Names of the migration folders that `keep` accepts, in order. */
  migrationsWhere(keep: (name: string) => boolean): Promise<string[]>;
  apply(names: string[]): Promise<void>;
  drop(): Promise<void>;
}

/** Creates an empty database on the server at `adminUrl` and connects. */
export async function createMigrationDatabase(
  adminUrl: string,
): Promise<MigrationDatabase> {
  const database = `storelens_migration_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({
    connectionString: url.toString(),
    options: "-c TimeZone=UTC",
  });
  await client.connect();

  return {
    client,
    async migrationsWhere(keep) {
      const entries = await readdir(MIGRATIONS, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isDirectory() && keep(entry.name))
        .map((entry) => entry.name)
        .sort();
    },
    async apply(names) {
      for (const name of names) {
        const file = path.join(MIGRATIONS, name, "migration.sql");
        await client.query(await readFile(file, "utf8"));
      }
    },
    async drop() {
      await client.end();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

import type pg from "pg";

/**
 * One read of a group's combined query: a SELECT whose parameters are
 * numbered from $1, and how its rows become the caller's value. The rows
 * arrive as JSON objects keyed by column name, so timestamps should be
 * selected as epoch milliseconds.
 */
export interface ReadPart<T> {
  sql: string;
  params: unknown[];
  /** True when the part has nothing to look up. */
  empty: boolean;
  read: (rows: Record<string, unknown>[]) => T;
}

type Results<P extends readonly ReadPart<unknown>[]> = {
  -readonly [K in keyof P]: P[K] extends ReadPart<infer T> ? T : never;
};

/**
 * Runs several reads as one statement, each aggregated into a JSON column.
 * A group's statements run one after another on one connection, and each
 * costs a round trip that every batch of the group waits for, so reads
 * that do not depend on each other share one. When every part is empty,
 * nothing is sent.
 */
export async function readTogether<
  const P extends readonly ReadPart<unknown>[],
>(client: pg.PoolClient, parts: P): Promise<Results<P>> {
  if (parts.every((part) => part.empty)) {
    return parts.map((part) => part.read([])) as Results<P>;
  }
  const params: unknown[] = [];
  const columns = parts.map((part, index) => {
    const offset = params.length;
    params.push(...part.params);
    const sql = part.sql.replace(
      /\$(\d+)/g,
      (_, number: string) => `$${Number(number) + offset}`,
    );
    return `(SELECT coalesce(json_agg(r), '[]'::json) FROM (${sql}) r) AS r${index}`;
  });
  const result = await client.query<Record<string, Record<string, unknown>[]>>(
    `SELECT ${columns.join(",\n")}`,
    params,
  );
  const [row] = result.rows;
  return parts.map((part, index) => part.read(row[`r${index}`])) as Results<P>;
}

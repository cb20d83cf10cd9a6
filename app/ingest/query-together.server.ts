import type pg from "pg";

/**
 * One part of a group's combined statement: a SELECT, or a write with
 * RETURNING, whose parameters are numbered from $1, and how its rows become
 * the caller's value. The rows arrive as JSON objects keyed by column name,
 * so timestamps should be selected as epoch milliseconds.
 */
export interface QueryPart<T> {
  sql: string;
  params: unknown[];
  /** Set when the part has no rows to read or write, so it is not sent. */
  empty: boolean;
  /**
   * Turns the part's rows into its value. A write that returns nothing has
   * none: it needs no RETURNING, and its value is undefined.
   */
  read?: (rows: Record<string, unknown>[]) => T;
}

type Results<P extends readonly QueryPart<unknown>[]> = {
  -readonly [K in keyof P]: P[K] extends QueryPart<infer T> ? T : never;
};

/**
 * Runs several parts as one statement, each a CTE whose rows come back
 * aggregated into a JSON column. A group's statements run one after another
 * on one connection, and each costs a round trip that every batch of the
 * group waits for, so parts that do not depend on each other share one.
 * A part may write (INSERT or UPDATE). The CTEs share one snapshot, so
 * none reads what another writes. Empty parts are not sent,
 * and when every part is empty, nothing is.
 */
export async function queryTogether<
  const P extends readonly QueryPart<unknown>[],
>(client: pg.PoolClient, parts: P): Promise<Results<P>> {
  const sent = parts.flatMap((part, index) => (part.empty ? [] : [index]));
  const rows = new Map<number, Record<string, unknown>[]>();
  if (sent.length > 0) {
    const params: unknown[] = [];
    const ctes = sent.map((index) => {
      const part = parts[index];
      const offset = params.length;
      params.push(...part.params);
      const sql = part.sql.replace(
        /\$(\d+)/g,
        (_, number: string) => `$${Number(number) + offset}`,
      );
      return `p${index} AS (${sql})`;
    });
    // PostgreSQL runs every data-modifying CTE to completion, read or not.
    const read = sent.filter((index) => parts[index].read);
    const columns = read.map(
      (index) =>
        `(SELECT coalesce(json_agg(p${index}), '[]'::json) FROM p${index}) AS p${index}`,
    );
    const result = await client.query<
      Record<string, Record<string, unknown>[]>
    >(`WITH ${ctes.join(",\n")}\nSELECT ${columns.join(",\n") || "1"}`, params);
    for (const index of read) rows.set(index, result.rows[0][`p${index}`]);
  }
  return parts.map((part, index) =>
    part.read?.(rows.get(index) ?? []),
  ) as Results<P>;
}

import { type Expression, sql } from 'kysely';
import type { Db } from './db.ts';

/** One set of rows to read inside a combined statement: a select and the columns to carry. */
export interface JsonSet<Row> {
  query: Expression<unknown>;
  columns: readonly string[];
  /** Type only: the row each element of the set's array becomes. */
  readonly row?: Row;
}

export function jsonSet<Row>(
  query: Expression<unknown>,
  columns: readonly (keyof Row & string)[],
): JsonSet<Row> {
  return { query, columns };
}

type RowsOf<S> = { [K in keyof S]: S[K] extends JsonSet<infer Row> | null ? Row[] : never };

/**
 * Several small reads as ONE statement: each set becomes a column holding its rows as a JSON array
 * (json_group_array of json_object over the set's select), so a request that needs five kinds of
 * row pays one D1 statement and one round trip instead of five. A set given as null is not read and
 * comes back empty; with every set null nothing is sent. Values come back as SQLite's JSON gives
 * them (numbers, text, null), which is what D1 returns for the same columns. For small sets: the
 * whole answer is one row, and D1 caps a value at 2 MB.
 */
export async function readJsonSets<S extends Record<string, JsonSet<unknown> | null>>(
  db: Db,
  sets: S,
): Promise<RowsOf<S>> {
  const read = Object.entries(sets).filter(
    (entry): entry is [string, JsonSet<unknown>] => entry[1] !== null,
  );
  const rows: Record<string, unknown[]> = Object.fromEntries(
    Object.keys(sets).map((name) => [name, []]),
  );
  if (read.length === 0) return rows as RowsOf<S>;
  const selections = read.map(([name, set]) => {
    const pairs = sql.join(
      set.columns.map((column) => sql`${sql.lit(column)}, ${sql.ref(`t.${column}`)}`),
    );
    return sql<string>`(SELECT json_group_array(json_object(${pairs})) FROM (${set.query}) AS t)`.as(
      name,
    );
  });
  const answer = (await db.selectNoFrom(selections).executeTakeFirstOrThrow()) as Record<
    string,
    string
  >;
  for (const [name] of read) rows[name] = JSON.parse(answer[name] as string) as unknown[];
  return rows as RowsOf<S>;
}

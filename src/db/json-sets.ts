import { type Expression, type RawBuilder, sql } from 'kysely';
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
    return sql<string>`(SELECT json_group_array(${rowObject(set.columns)}) FROM (${set.query}) AS t)`.as(
      name,
    );
  });
  const answer = (await db.selectNoFrom(selections).executeTakeFirstOrThrow()) as Record<
    string,
    string
  >;
  for (const [name, set] of read) {
    const parsed = JSON.parse(answer[name] as string) as Record<string, unknown>[];
    // json_patch (RFC 7396) drops null members: put them back.
    for (const row of parsed) for (const column of set.columns) row[column] ??= null;
    rows[name] = parsed;
  }
  return rows as RowsOf<S>;
}

/** Pairs per json_object: D1 allows at most 32 arguments per SQL function (SQLite here: 127). */
const PAIRS_PER_OBJECT = 16;

/** One row of `t` as a JSON object, in json_object calls of at most 16 pairs merged by json_patch. */
function rowObject(columns: readonly string[]): RawBuilder<unknown> {
  const objects: RawBuilder<unknown>[] = [];
  for (let start = 0; start < columns.length; start += PAIRS_PER_OBJECT) {
    const pairs = columns
      .slice(start, start + PAIRS_PER_OBJECT)
      .map((column) => sql`${sql.lit(column)}, ${sql.ref(`t.${column}`)}`);
    objects.push(sql`json_object(${sql.join(pairs)})`);
  }
  return objects.reduce((merged, next) => sql`json_patch(${merged}, ${next})`);
}

import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Db } from '../db/db.ts';
import type { PageRequest } from './paging.ts';

/**
 * One keyset page per parent, for a whole level of parents in one statement: a window numbers each
 * group's rows in id order (reversed for `last`), the cursor bounds apply inside the window's input,
 * and the outer query keeps the first `limit` of each group, ordered by group then position. Each
 * row comes back with `group_id` (the parent it belongs to) and `rn` (its position in the page).
 *
 * `rows` is the filtered selection (table, its columns, the parent-key and organization filters);
 * `group` and `id` name its partition and order columns, qualified when the selection joins.
 */
export function selectGroupedPages<Row>(
  db: Db,
  // biome-ignore lint/suspicious/noExplicitAny: the selection's tables and row type vary per caller.
  rows: SelectQueryBuilder<Database, any, any>,
  columns: { group: string; id: string },
  page: PageRequest,
): Promise<(Row & { group_id: string; rn: number })[]> {
  const direction = page.inverted ? 'desc' : 'asc';
  const group = db.dynamic.ref(columns.group);
  const id = db.dynamic.ref(columns.id);
  let inner = rows.select((eb) => [
    eb.ref(columns.group).as('group_id'),
    eb.fn
      .agg<number>('row_number')
      .over((over) => over.partitionBy(group).orderBy(id, direction))
      .as('rn'),
  ]);
  if (page.after) inner = inner.where(id, '>', page.after);
  if (page.before) inner = inner.where(id, '<', page.before);
  return db
    .selectFrom(inner.as('grouped'))
    .selectAll()
    .where('rn', '<=', page.limit)
    .orderBy('group_id')
    .orderBy('rn')
    .execute() as Promise<(Row & { group_id: string; rn: number })[]>;
}

import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Db } from '../db/db.ts';
import { jsonKeys } from './keys.ts';
import type { PageRequest } from './paging.ts';

/** Node tables whose rows carry an id, an organization and a name unique within it. */
type NamedOrgTable = 'dataset' | 'deployment' | 'experiment' | 'model';

/** The columns every NamedOrgTable has, which is all the shared look-ups below touch. */
interface NamedOrgRow {
  id: string;
  org_id: string;
  name: string;
  deleted_at: string | null;
}

/** Tables whose deleted rows stay as tombstones (migration 0011), which no look-up returns. */
const TOMBSTONED: ReadonlySet<NamedOrgTable> = new Set(['model', 'dataset']);

// Kysely cannot resolve column references on a generic table name, so the shared look-ups compile
// against one stand-in table with the columns the tables have in common (the real name is what is
// sent) and hand back the concrete row type.
function common(db: Db, table: NamedOrgTable) {
  return (db as unknown as Kysely<{ named: NamedOrgRow }>).selectFrom(table as unknown as 'named');
}

/** Leaves tombstones out (after the other conditions, so that statements read as before). */
function live<Q extends { where: (column: 'deleted_at', op: 'is', value: null) => Q }>(
  query: Q,
  table: NamedOrgTable,
): Q {
  return TOMBSTONED.has(table) ? query.where('deleted_at', 'is', null) : query;
}

/**
 * Rows of `table` with these ids in the caller's organization (others' ids find nothing);
 * tombstones too with `withTombstones`, for what history still points at.
 */
export function findOrgRowsByIds<T extends NamedOrgTable>(
  db: Db,
  table: T,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
): Promise<Selectable<Database[T]>[]> {
  return orgRowsByIdsQuery(db, table, orgId, ids, options).execute() as Promise<
    Selectable<Database[T]>[]
  >;
}

/** findOrgRowsByIds' select, not yet run (for src/db/json-sets.ts readJsonSets). */
export function orgRowsByIdsQuery(
  db: Db,
  table: NamedOrgTable,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
) {
  const query = common(db, table)
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId);
  return options.withTombstones ? query : live(query, table);
}

/** Rows of `table` with these names in the caller's organization. */
export function findOrgRowsByNames<T extends NamedOrgTable>(
  db: Db,
  table: T,
  orgId: string,
  names: readonly string[],
): Promise<Selectable<Database[T]>[]> {
  // No names, no statement: an OTLP export whose spans name no deployment reads none.
  if (names.length === 0) return Promise.resolve([]);
  return live(
    common(db, table).selectAll().where('name', 'in', jsonKeys(names)).where('org_id', '=', orgId),
    table,
  ).execute() as Promise<Selectable<Database[T]>[]>;
}

/** The row of `table` with this name in the caller's organization. */
export function findOrgRowByName<T extends NamedOrgTable>(
  db: Db,
  table: T,
  orgId: string,
  name: string,
): Promise<Selectable<Database[T]> | undefined> {
  return live(
    common(db, table).selectAll().where('org_id', '=', orgId).where('name', '=', name),
    table,
  ).executeTakeFirst() as Promise<Selectable<Database[T]> | undefined>;
}

/**
 * One keyset page of `table` in id order, optionally narrowed by one more equality (a
 * deployment's environment, say).
 */
export function findOrgRowPage<T extends NamedOrgTable>(
  db: Db,
  table: T,
  orgId: string,
  page: PageRequest,
  filter?: { column: Exclude<keyof Database[T] & string, 'id' | 'org_id'>; value: string },
): Promise<Selectable<Database[T]>[]> {
  let query = live(common(db, table).selectAll().where('org_id', '=', orgId), table);
  if (filter) query = query.where(filter.column as 'name', '=', filter.value);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute() as Promise<Selectable<Database[T]>[]>;
}

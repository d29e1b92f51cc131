// SQL of the local VectorIndex (src/ports/local-vector-index.ts).
import { sql } from 'kysely';
import type { Db } from '../db/db.ts';
import { jsonKeys } from '../registry/keys.ts';
import type { VectorEntryTable } from './local-vector-index.table.ts';

/**
 * Inserts or replaces many vectors in ONE statement: the rows travel as one JSON parameter, read
 * back with json_each. Callers keep a statement's rows to a few hundred KiB (VECTOR_WRITE_CHUNK).
 */
export function upsertVectorEntries(db: Db, rows: readonly VectorEntryTable[]) {
  const payload = JSON.stringify(
    rows.map((row) => [
      row.org_id,
      row.id,
      row.model_id,
      row.dimensions,
      row.vector,
      row.updated_at,
    ]),
  );
  // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
  return sql`
    INSERT INTO vector_entry (org_id, id, model_id, dimensions, vector, updated_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
      json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]')
    FROM json_each(${payload}) WHERE true
    ON CONFLICT (org_id, id) DO UPDATE SET model_id = excluded.model_id,
      dimensions = excluded.dimensions, vector = excluded.vector, updated_at = excluded.updated_at
  `.compile(db);
}

/** Vectors per upsertVectorEntries statement: ~4 KiB of base64 each at 768 dimensions. */
export const VECTOR_WRITE_CHUNK = 100;

export function deleteVectorEntries(db: Db, orgId: string, ids: readonly string[]) {
  return db.deleteFrom('vector_entry').where('org_id', '=', orgId).where('id', 'in', jsonKeys(ids));
}

/** One chunk of an organization's vectors in id order, after `afterId`, for a full scan. */
export function scanVectorEntries(
  db: Db,
  scan: {
    orgId: string;
    dimensions: number;
    afterId: string | null;
    limit: number;
    modelIds: readonly string[] | null;
    excludeModelIds: readonly string[] | null;
  },
) {
  let query = db
    .selectFrom('vector_entry')
    .select(['id', 'model_id', 'vector'])
    .where('org_id', '=', scan.orgId)
    .where('dimensions', '=', scan.dimensions);
  if (scan.afterId !== null) query = query.where('id', '>', scan.afterId);
  if (scan.modelIds) query = query.where('model_id', 'in', jsonKeys(scan.modelIds));
  if (scan.excludeModelIds?.length) {
    query = query.where('model_id', 'not in', jsonKeys(scan.excludeModelIds));
  }
  return query.orderBy('org_id').orderBy('id').limit(scan.limit).execute();
}

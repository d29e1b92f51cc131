// SQL of the local VectorIndex (src/ports/local-vector-index.ts).
import type { Db } from '../../db/client.ts';
import { jsonKeys } from '../keys.ts';
import type { VectorEntryTable } from './search.table.ts';

export function upsertVectorEntry(db: Db, row: VectorEntryTable) {
  return db
    .insertInto('vector_entry')
    .values(row)
    .onConflict((conflict) =>
      conflict.columns(['org_id', 'id']).doUpdateSet({
        model_id: row.model_id,
        dimensions: row.dimensions,
        vector: row.vector,
        updated_at: row.updated_at,
      }),
    );
}

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

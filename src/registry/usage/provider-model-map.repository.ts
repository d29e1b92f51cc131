import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { ProviderModelMapTable } from './usage.table.ts';

/** Every mapping of these providers; matching the GLOBs happens in code, as for prices. */
export function findProviderModelMapsOfProviders(
  db: Db,
  orgId: string,
  providers: readonly string[],
) {
  return db
    .selectFrom('provider_model_map')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('provider', 'in', jsonKeys(providers))
    .orderBy('provider')
    .orderBy('provider_model')
    .orderBy('id')
    .execute();
}

/** An organization's mappings in (provider, provider model) order; there are few of them. */
export function findProviderModelMaps(db: Db, orgId: string, limit: number) {
  return db
    .selectFrom('provider_model_map')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('provider')
    .orderBy('provider_model')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function findProviderModelMap(
  db: Db,
  orgId: string,
  key: { provider: string; providerModel: string },
) {
  return db
    .selectFrom('provider_model_map')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('provider', '=', key.provider)
    .where('provider_model', '=', key.providerModel)
    .executeTakeFirst();
}

export function findProviderModelMapById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('provider_model_map')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Sets the target of a (provider, provider model) pair; the row keeps its id when it existed. */
export function upsertProviderModelMap(db: Db, row: ProviderModelMapTable) {
  return db
    .insertInto('provider_model_map')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['org_id', 'provider', 'provider_model']).doUpdateSet({
        model_id: row.model_id,
        version_id: row.version_id,
        created_at: row.created_at,
        created_by: row.created_by,
      }),
    );
}

export function deleteProviderModelMap(db: Db, orgId: string, id: string) {
  return db.deleteFrom('provider_model_map').where('org_id', '=', orgId).where('id', '=', id);
}

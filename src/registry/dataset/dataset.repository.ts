import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { DatasetGovernanceTable, DatasetTable } from './dataset.table.ts';

export function findDatasetsByIds(
  db: Db,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
) {
  return findOrgRowsByIds(db, 'dataset', orgId, ids, options);
}

export function findDatasetByName(db: Db, orgId: string, name: string) {
  return findOrgRowByName(db, 'dataset', orgId, name);
}

/** Live datasets with these names in the organization, in one statement. */
export function findDatasetsByNames(db: Db, orgId: string, names: readonly string[]) {
  return db
    .selectFrom('dataset')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', 'in', jsonKeys(names))
    .where('deleted_at', 'is', null)
    .execute();
}

export function findDatasetPage(db: Db, orgId: string, page: PageRequest) {
  return findOrgRowPage(db, 'dataset', orgId, page);
}

export function insertDataset(db: Db, row: DatasetTable) {
  return db.insertInto('dataset').values(row);
}

export function upsertDatasetGovernance(db: Db, row: DatasetGovernanceTable) {
  return db
    .insertInto('dataset_governance')
    .values(row)
    .onConflict((oc) =>
      oc.column('dataset_id').doUpdateSet({
        contains_personal_data: row.contains_personal_data,
        lawful_basis: row.lawful_basis,
        retention_days: row.retention_days,
        columns: row.columns,
        declared_at: row.declared_at,
        declared_by: row.declared_by,
      }),
    );
}

/** Turns a dataset into a tombstone (migration 0011), its name given up, when `condition` holds. */
export function tombstoneDataset(
  db: Db,
  datasetId: string,
  now: string,
  condition: RawBuilder<boolean>,
) {
  return db
    .updateTable('dataset')
    .set({
      deleted_at: now,
      updated_at: now,
      deleted_name: sql<string>`name`,
      name: sql<string>`'deleted:' || id`,
    })
    .where('id', '=', datasetId)
    .where('deleted_at', 'is', null)
    .where(condition);
}

/** The live (not archived, not deleted) versions trained on a dataset, with their model's name. */
export function findLiveVersionsTrainedOn(db: Db, orgId: string, datasetId: string) {
  return db
    .selectFrom('edge as e')
    .innerJoin('model_version as v', 'v.id', 'e.src_id')
    .innerJoin('model as m', 'm.id', 'v.model_id')
    .select(['v.id as version_id', 'v.version', 'm.name as model_name'])
    .where('e.type', '=', 'TRAINED_ON')
    .where('e.dst_id', '=', datasetId)
    .where('e.org_id', '=', orgId)
    .where('e.removed_at', 'is', null)
    .where('v.status', '<>', 'ARCHIVED')
    .where('v.deleted_at', 'is', null)
    .where('m.status', '<>', 'ARCHIVED')
    .where('m.deleted_at', 'is', null)
    .orderBy('m.name')
    .orderBy('v.id')
    .execute();
}

/** True while the dataset is as read and no live version is trained on it. */
export function datasetDeletable(datasetId: string, updatedAt: string) {
  return sql<boolean>`(EXISTS (SELECT 1 FROM dataset WHERE id = ${datasetId} AND updated_at = ${updatedAt})
    AND NOT EXISTS (SELECT 1 FROM edge AS e
      JOIN model_version AS v ON v.id = e.src_id JOIN model AS m ON m.id = v.model_id
      WHERE e.dst_id = ${datasetId} AND e.type = 'TRAINED_ON' AND e.removed_at IS NULL
        AND v.status <> 'ARCHIVED' AND v.deleted_at IS NULL
        AND m.status <> 'ARCHIVED' AND m.deleted_at IS NULL))`;
}

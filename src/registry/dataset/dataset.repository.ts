import type { Db } from '../../db/db.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { DatasetGovernanceTable, DatasetTable } from './dataset.table.ts';

export function findDatasetsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return findOrgRowsByIds(db, 'dataset', orgId, ids);
}

export function findDatasetByName(db: Db, orgId: string, name: string) {
  return findOrgRowByName(db, 'dataset', orgId, name);
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

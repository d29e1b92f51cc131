import type { Db } from '../../db/client.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { DatasetTable } from './dataset.table.ts';

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

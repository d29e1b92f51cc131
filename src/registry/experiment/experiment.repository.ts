import type { Db } from '../../db/db.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { ExperimentTable } from './experiment.table.ts';

export function findExperimentsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return findOrgRowsByIds(db, 'experiment', orgId, ids);
}

export function findExperimentByName(db: Db, orgId: string, name: string) {
  return findOrgRowByName(db, 'experiment', orgId, name);
}

export function findExperimentPage(db: Db, orgId: string, page: PageRequest) {
  return findOrgRowPage(db, 'experiment', orgId, page);
}

export function insertExperiment(db: Db, row: ExperimentTable) {
  return db.insertInto('experiment').values(row);
}

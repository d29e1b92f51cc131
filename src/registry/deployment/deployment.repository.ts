import type { Db } from '../../db/db.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { DeploymentTable } from './deployment.table.ts';

export function findDeploymentsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return findOrgRowsByIds(db, 'deployment', orgId, ids);
}

export function findDeploymentByName(db: Db, orgId: string, name: string) {
  return findOrgRowByName(db, 'deployment', orgId, name);
}

export function findDeploymentPage(
  db: Db,
  orgId: string,
  environment: string | null,
  page: PageRequest,
) {
  return findOrgRowPage(
    db,
    'deployment',
    orgId,
    page,
    environment ? { column: 'environment', value: environment } : undefined,
  );
}

export function insertDeployment(db: Db, row: DeploymentTable) {
  return db.insertInto('deployment').values(row);
}

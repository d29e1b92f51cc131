import type { Db } from '../../db/client.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { DeploymentTable } from './deployment.table.ts';

export function findDeploymentsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('deployment')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

export function findDeploymentByName(db: Db, orgId: string, name: string) {
  return db
    .selectFrom('deployment')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findDeploymentPage(
  db: Db,
  orgId: string,
  environment: string | null,
  page: PageRequest,
) {
  let query = db.selectFrom('deployment').selectAll().where('org_id', '=', orgId);
  if (environment) query = query.where('environment', '=', environment);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

export function insertDeployment(db: Db, row: DeploymentTable) {
  return db.insertInto('deployment').values(row);
}

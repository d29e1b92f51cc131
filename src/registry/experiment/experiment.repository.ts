import type { Db } from '../../db/client.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { ExperimentTable } from './experiment.table.ts';

export function findExperimentsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('experiment')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

export function findExperimentByName(db: Db, orgId: string, name: string) {
  return db
    .selectFrom('experiment')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findExperimentPage(db: Db, orgId: string, page: PageRequest) {
  let query = db.selectFrom('experiment').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

export function insertExperiment(db: Db, row: ExperimentTable) {
  return db.insertInto('experiment').values(row);
}

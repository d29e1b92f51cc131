import type { Db } from '../../db/client.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { DatasetTable } from './dataset.table.ts';

export function findDatasetsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('dataset')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

export function findDatasetByName(db: Db, orgId: string, name: string) {
  return db
    .selectFrom('dataset')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findDatasetPage(db: Db, orgId: string, page: PageRequest) {
  let query = db.selectFrom('dataset').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

export function insertDataset(db: Db, row: DatasetTable) {
  return db.insertInto('dataset').values(row);
}

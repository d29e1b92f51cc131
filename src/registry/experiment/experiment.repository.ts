import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { findOrgRowByName, findOrgRowPage, findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { FilterClause, OrderClause } from '../tracking/search-filter.ts';
import { comparison } from '../tracking/search-sql.ts';
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

/** Experiment tags set (inserted or overwritten) from one JSON parameter. */
export function upsertExperimentTags(
  db: Db,
  experimentId: string,
  tags: readonly { key: string; value: string }[],
) {
  return sql`
    INSERT INTO experiment_tag (experiment_id, key, value)
    SELECT ${experimentId}, t.value ->> '$.key', t.value ->> '$.value'
    FROM json_each(${JSON.stringify(tags)}) AS t WHERE true
    ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value
  `.compile(db);
}

export function findExperimentTags(db: Db, experimentIds: readonly string[]) {
  return db
    .selectFrom('experiment_tag')
    .selectAll()
    .where('experiment_id', 'in', experimentIds)
    .orderBy('experiment_id')
    .orderBy('key')
    .execute();
}

export function setExperimentStage(db: Db, experimentId: string, stage: string, updatedAt: string) {
  return db
    .updateTable('experiment')
    .set({ lifecycle_stage: stage, updated_at: updatedAt })
    .where('id', '=', experimentId);
}

export const EXPERIMENT_SEARCH_ATTRIBUTES = {
  stringAttributes: ['name'],
  numericAttributes: [],
} as const;

const EXPERIMENT_ORDER_COLUMNS: Readonly<Record<string, string>> = {
  name: 'name',
  creation_time: 'created_at',
  last_update_time: 'updated_at',
  experiment_id: 'id',
};
export const EXPERIMENT_ORDER_ATTRIBUTES = Object.keys(EXPERIMENT_ORDER_COLUMNS);

/** experiments/search: one page by offset, in the requested order, then newest first and by id. */
export function searchExperimentRows(
  db: Db,
  orgId: string,
  input: {
    clauses: readonly FilterClause[];
    orderBy: readonly OrderClause[];
    stages: readonly string[];
    offset: number;
    limit: number;
  },
) {
  const where = [
    sql<boolean>`experiment.org_id = ${orgId}`,
    sql<boolean>`experiment.lifecycle_stage IN (SELECT value FROM json_each(${JSON.stringify(input.stages)}))`,
    ...input.clauses.map((clause) =>
      clause.type === 'tag'
        ? sql<boolean>`EXISTS (SELECT 1 FROM experiment_tag AS t WHERE t.experiment_id = experiment.id
            AND t.key = ${clause.key} AND ${comparison(sql`t.value`, clause)})`
        : comparison(sql.ref('experiment.name'), clause),
    ),
  ];
  const order = [
    ...input.orderBy.map(
      (entry) =>
        sql`${sql.ref(`experiment.${EXPERIMENT_ORDER_COLUMNS[entry.key]}`)} ${sql.raw(entry.ascending ? 'ASC' : 'DESC')}`,
    ),
    sql`experiment.created_at DESC`,
    sql`experiment.id ASC`,
  ];
  return sql<ExperimentTable>`
    SELECT experiment.* FROM experiment WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order)} LIMIT ${input.limit} OFFSET ${input.offset}
  `.execute(db);
}

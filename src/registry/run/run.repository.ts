import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import type { FilterClause, OrderClause } from '../tracking/search-filter.ts';
import { comparison } from '../tracking/search-sql.ts';
import type { RunInputTable, RunMetricTable, RunTable } from './run.table.ts';
import type { HistoryCursor } from './run.ts';

export function findRunsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('run')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', jsonKeys(ids))
    .execute();
}

export function insertRun(db: Db, row: RunTable) {
  return db.insertInto('run').values(row);
}

export function updateRunRow(
  db: Db,
  runId: string,
  changes: Partial<
    Pick<
      RunTable,
      'status' | 'end_time' | 'name' | 'lifecycle_stage' | 'parent_run_id' | 'updated_at'
    >
  >,
) {
  return db.updateTable('run').set(changes).where('id', '=', runId);
}

/** Tags set (inserted or overwritten) from one JSON parameter: one statement for up to 1,000. */
export function upsertRunTags(db: Db, runId: string, tags: readonly KeyValue[]) {
  return sql`
    INSERT INTO run_tag (run_id, key, value)
    SELECT ${runId}, t.value ->> '$.key', t.value ->> '$.value' FROM json_each(${JSON.stringify(tags)}) AS t WHERE true
    ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
  `.compile(db);
}

export function deleteRunTag(db: Db, runId: string, key: string) {
  return db.deleteFrom('run_tag').where('run_id', '=', runId).where('key', '=', key);
}

/** New parameters only (the caller read the existing ones): a concurrent duplicate fails the batch. */
export function insertRunParams(db: Db, runId: string, params: readonly KeyValue[]) {
  return sql`
    INSERT INTO run_param (run_id, key, value)
    SELECT ${runId}, p.value ->> '$.key', p.value ->> '$.value' FROM json_each(${JSON.stringify(params)}) AS p
  `.compile(db);
}

type StoredMetric = Pick<RunMetricTable, 'key' | 'value' | 'timestamp' | 'step' | 'is_nan'>;

/** The history rows; the same point logged again is one row (MLflow's primary key). */
export function insertRunMetrics(db: Db, runId: string, metrics: readonly StoredMetric[]) {
  return sql`
    INSERT OR IGNORE INTO run_metric (run_id, key, step, timestamp, value, is_nan)
    SELECT ${runId}, m.value ->> '$.key', m.value ->> '$.step', m.value ->> '$.timestamp',
      m.value ->> '$.value', m.value ->> '$.is_nan'
    FROM json_each(${JSON.stringify(metrics)}) AS m
  `.compile(db);
}

/**
 * The latest value per key, kept on write: the batch's own latest per key replaces the stored one
 * only when it is later by (step, timestamp, value), MLflow's order, so concurrent batches agree.
 */
export function upsertLatestMetrics(db: Db, runId: string, metrics: readonly StoredMetric[]) {
  return sql`
    INSERT INTO run_latest_metric (run_id, key, step, timestamp, value, is_nan)
    SELECT ${runId}, key, step, timestamp, value, is_nan FROM (
      SELECT m.value ->> '$.key' AS key, m.value ->> '$.step' AS step,
        m.value ->> '$.timestamp' AS timestamp, m.value ->> '$.value' AS value,
        m.value ->> '$.is_nan' AS is_nan,
        row_number() OVER (
          PARTITION BY m.value ->> '$.key'
          ORDER BY m.value ->> '$.step' DESC, m.value ->> '$.timestamp' DESC, m.value ->> '$.value' DESC
        ) AS rank
      FROM json_each(${JSON.stringify(metrics)}) AS m
    ) WHERE rank = 1
    ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp,
      value = excluded.value, is_nan = excluded.is_nan
    WHERE (excluded.step, excluded.timestamp, excluded.value) >
      (run_latest_metric.step, run_latest_metric.timestamp, run_latest_metric.value)
  `.compile(db);
}

export function findRunParams(db: Db, runIds: readonly string[]) {
  return db
    .selectFrom('run_param')
    .select(['run_id', 'key', 'value'])
    .where('run_id', 'in', jsonKeys(runIds))
    .orderBy('run_id')
    .orderBy('key')
    .execute();
}

export function findRunTags(db: Db, runIds: readonly string[]) {
  return db
    .selectFrom('run_tag')
    .select(['run_id', 'key', 'value'])
    .where('run_id', 'in', jsonKeys(runIds))
    .orderBy('run_id')
    .orderBy('key')
    .execute();
}

export function findLatestMetrics(db: Db, runIds: readonly string[]) {
  return db
    .selectFrom('run_latest_metric')
    .selectAll()
    .where('run_id', 'in', jsonKeys(runIds))
    .orderBy('run_id')
    .orderBy('key')
    .execute();
}

/** One page of a key's history in (step, timestamp, value) order, after the cursor. */
export function findMetricHistory(
  db: Db,
  runId: string,
  key: string,
  after: HistoryCursor | null,
  limit: number,
) {
  let query = db
    .selectFrom('run_metric')
    .select(['key', 'step', 'timestamp', 'value', 'is_nan'])
    .where('run_id', '=', runId)
    .where('key', '=', key);
  if (after) {
    query = query.where(
      sql<boolean>`(step, timestamp, value, is_nan) > (${after.step}, ${after.timestamp}, ${after.value}, ${after.isNan})`,
    );
  }
  return query
    .orderBy('step')
    .orderBy('timestamp')
    .orderBy('value')
    .orderBy('is_nan')
    .limit(limit)
    .execute();
}

const RUN_ATTRIBUTE_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'id',
  run_name: 'name',
  status: 'status',
  user_id: 'mlflow_user',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
  lifecycle_stage: 'lifecycle_stage',
};

function clauseSql(clause: FilterClause): RawBuilder<boolean> {
  switch (clause.type) {
    case 'metric':
      return sql<boolean>`EXISTS (SELECT 1 FROM run_latest_metric AS m WHERE m.run_id = run.id
        AND m.key = ${clause.key} AND m.is_nan = 0 AND ${comparison(sql`m.value`, clause)})`;
    case 'param':
      return sql<boolean>`EXISTS (SELECT 1 FROM run_param AS p WHERE p.run_id = run.id
        AND p.key = ${clause.key} AND ${comparison(sql`p.value`, clause)})`;
    case 'tag':
      return sql<boolean>`EXISTS (SELECT 1 FROM run_tag AS t WHERE t.run_id = run.id
        AND t.key = ${clause.key} AND ${comparison(sql`t.value`, clause)})`;
    case 'attribute':
      return comparison(sql.ref(`run.${RUN_ATTRIBUTE_COLUMNS[clause.key]}`), clause);
  }
}

function orderSql(order: OrderClause): RawBuilder<unknown>[] {
  const direction = sql.raw(order.ascending ? 'ASC' : 'DESC');
  const value =
    order.type === 'metric'
      ? sql`(SELECT CASE WHEN is_nan = 1 THEN NULL ELSE value END FROM run_latest_metric WHERE run_id = run.id AND key = ${order.key})`
      : order.type === 'param'
        ? sql`(SELECT value FROM run_param WHERE run_id = run.id AND key = ${order.key})`
        : order.type === 'tag'
          ? sql`(SELECT value FROM run_tag WHERE run_id = run.id AND key = ${order.key})`
          : sql.ref(`run.${RUN_ATTRIBUTE_COLUMNS[order.key]}`);
  // Runs without the value sort last either way, as MLflow sorts them.
  return [sql`(${value} IS NULL) ASC`, sql`${value} ${direction}`];
}

export const RUN_SEARCH_ATTRIBUTES = {
  stringAttributes: ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'],
  numericAttributes: ['start_time', 'end_time'],
  listAttributes: ['run_id', 'run_name', 'status', 'user_id'],
} as const;

/**
 * One page of runs/search: the experiments' runs matching every clause, in the requested order,
 * then newest first and by id (MLflow's default), from an offset (MLflow's page tokens are offsets).
 */
export interface RunRowSearch {
  experimentIds: readonly string[];
  clauses: readonly FilterClause[];
  orderBy: readonly OrderClause[];
  stages: readonly ('active' | 'deleted')[];
  /** Only the nested runs of this run (a sweep's trials). */
  parentRunId?: string | null;
  offset: number;
  limit: number;
}

export function searchRunRows(db: Db, orgId: string, input: RunRowSearch) {
  const { where, order } = searchTerms(orgId, input, [
    sql<boolean>`run.experiment_id IN (SELECT value FROM json_each(${JSON.stringify(input.experimentIds)}))`,
    ...(input.parentRunId ? [sql<boolean>`run.parent_run_id = ${input.parentRunId}`] : []),
  ]);
  return sql<RunTable>`
    SELECT run.* FROM run WHERE ${where}
    ORDER BY ${order} LIMIT ${input.limit} OFFSET ${input.offset}
  `.execute(db);
}

/**
 * The same search for many lists at once, one page of each, in ONE statement: the runs of each of
 * these experiments, or the nested runs of each of these parents, numbered per list in the
 * search's order. A list of experiments' or sweeps' runs costs one search, not one per list.
 */
export function searchRunRowsGrouped(
  db: Db,
  orgId: string,
  input: Omit<RunRowSearch, 'experimentIds' | 'parentRunId'> & {
    groupBy: 'experiment_id' | 'parent_run_id';
    groupIds: readonly string[];
  },
) {
  const group = sql.ref(`run.${input.groupBy}`);
  const { where, order } = searchTerms(orgId, input, [
    sql<boolean>`${group} IN ${jsonKeys(input.groupIds)}`,
  ]);
  return sql<RunTable & { group_id: string }>`
    SELECT * FROM (
      SELECT run.*, ${group} AS group_id,
        row_number() OVER (PARTITION BY ${group} ORDER BY ${order}) AS position
      FROM run WHERE ${where}
    ) WHERE position > ${input.offset} AND position <= ${input.offset + input.limit}
    ORDER BY group_id, position
  `.execute(db);
}

/** The conditions and order every run search shares, around the lists it is scoped to. */
function searchTerms(
  orgId: string,
  input: Pick<RunRowSearch, 'clauses' | 'orderBy' | 'stages'>,
  scope: readonly RawBuilder<boolean>[],
) {
  const where = [
    // The unary + keeps SQLite off run_org (organization, id): without table statistics (D1 keeps
    // none) it picked that index and read every run of the organization; the experiments' index
    // reads only their runs. 50,000 runs over 3 organizations and 500 experiments, node:sqlite:
    // 5.46 ms against 0.15 ms per search.
    sql<boolean>`+run.org_id = ${orgId}`,
    ...scope,
    sql<boolean>`run.lifecycle_stage IN (SELECT value FROM json_each(${JSON.stringify(input.stages)}))`,
    ...input.clauses.map(clauseSql),
  ];
  const order = [...input.orderBy.flatMap(orderSql), sql`run.start_time DESC`, sql`run.id ASC`];
  return { where: sql.join(where, sql` AND `), order: sql.join(order) };
}

/**
 * The best active child of each parent run by a metric's latest value (NaN and runs without it
 * left out), in one statement for all parents: ties go to the earlier run.
 */
export function findBestChildRuns(
  db: Db,
  orgId: string,
  input: { parentIds: readonly string[]; key: string; ascending: boolean },
) {
  const direction = sql.raw(input.ascending ? 'ASC' : 'DESC');
  return sql<RunTable>`
    SELECT * FROM (
      SELECT run.*, row_number() OVER (
        PARTITION BY run.parent_run_id ORDER BY m.value ${direction}, run.start_time, run.id
      ) AS best
      FROM run JOIN run_latest_metric AS m ON m.run_id = run.id AND m.key = ${input.key} AND m.is_nan = 0
      WHERE run.parent_run_id IN ${jsonKeys(input.parentIds)} AND run.org_id = ${orgId}
        AND run.lifecycle_stage = 'active'
    ) WHERE best = 1
  `.execute(db);
}

/** Inputs logged again (same run, dataset and digest) are kept once, as MLflow keeps them. */
export function insertRunInputs(db: Db, rows: readonly RunInputTable[]) {
  return sql`
    INSERT OR IGNORE INTO run_input (run_id, dataset_id, digest, context, source_type, source, schema, profile, tags, created_at)
    SELECT i.value ->> '$.run_id', i.value ->> '$.dataset_id', i.value ->> '$.digest',
      i.value ->> '$.context', i.value ->> '$.source_type', i.value ->> '$.source',
      i.value ->> '$.schema', i.value ->> '$.profile', i.value ->> '$.tags', i.value ->> '$.created_at'
    FROM json_each(${JSON.stringify(rows)}) AS i
  `.compile(db);
}

/** The inputs of runs with their dataset's name (the name it had, for a deleted dataset). */
export function findRunInputs(db: Db, runIds: readonly string[]) {
  return db
    .selectFrom('run_input')
    .innerJoin('dataset', 'dataset.id', 'run_input.dataset_id')
    .selectAll('run_input')
    .select(sql<string>`coalesce(dataset.deleted_name, dataset.name)`.as('dataset_name'))
    .where('run_input.run_id', 'in', jsonKeys(runIds))
    .orderBy('run_input.run_id')
    .orderBy('run_input.created_at')
    .orderBy('run_input.dataset_id')
    .execute();
}

/**
 * MLflow's get-history-bulk-interval in one statement: per run, the distinct steps of a key within
 * [start, end]; when there are more than `maxResults`, the evenly spaced ones MLflow samples
 * (indices round(k * (n - 1) / (maxResults - 1)), so the first and last step are always kept);
 * then every point at those steps, at most `maxResults` per run, by step and time.
 */
export function findSampledHistories(
  db: Db,
  orgId: string,
  input: { runIds: readonly string[]; key: string; start: number; end: number; maxResults: number },
) {
  const max = input.maxResults;
  return sql<RunMetricTable>`
    WITH steps AS (
      SELECT run_id, step, row_number() OVER (PARTITION BY run_id ORDER BY step) - 1 AS i,
        count(*) OVER (PARTITION BY run_id) AS n
      FROM (SELECT DISTINCT m.run_id, m.step FROM run_metric AS m
        JOIN run AS r ON r.id = m.run_id AND r.org_id = ${orgId}
        WHERE m.run_id IN ${jsonKeys(input.runIds)} AND m.key = ${input.key}
          AND m.step BETWEEN ${input.start} AND ${input.end})
    ),
    picked AS (
      SELECT run_id, step FROM steps
      WHERE n <= ${max} OR ${max} = 1 AND i = 0 OR ${max} > 1 AND i = CAST(round(
        round(i * (${max} - 1.0) / (n - 1)) * (n - 1.0) / (${max} - 1)) AS INTEGER)
    )
    SELECT run_id, key, step, timestamp, value, is_nan FROM (
      SELECT m.*, row_number() OVER (PARTITION BY m.run_id ORDER BY m.step, m.timestamp, m.value) AS rank
      FROM run_metric AS m JOIN picked AS p ON p.run_id = m.run_id AND p.step = m.step
      WHERE m.key = ${input.key}
    ) WHERE rank <= ${max}
    ORDER BY run_id, step, timestamp, value
  `.execute(db);
}

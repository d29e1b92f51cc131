import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { findDistributions } from './distribution.repository.ts';
import type { MetricPointTable } from './metrics.table.ts';
import type { Granularity, MetricGroup, TimeRange } from './metrics.ts';

/** Points per INSERT statement: the rows travel as one JSON parameter (D1: 100 bound parameters). */
export const POINTS_PER_STATEMENT = 250;

/** One INSERT of many points, read from a single JSON parameter with json_each. */
export function insertMetricPoints(db: Db, rows: readonly MetricPointTable[]) {
  return sql`
    INSERT INTO metric_point (id, org_id, model_id, version_id, metric, value, context, recorded_at, created_at, created_by)
    SELECT p.value ->> '$.id', p.value ->> '$.org_id', p.value ->> '$.model_id', p.value ->> '$.version_id',
      p.value ->> '$.metric', p.value ->> '$.value', p.value ->> '$.context', p.value ->> '$.recorded_at',
      p.value ->> '$.created_at', p.value ->> '$.created_by'
    FROM json_each(${JSON.stringify(rows)}) AS p
  `.compile(db);
}

/** Exact statistics of one metric for each of many versions (or models), in one statement. */
export function findMetricDistributions(
  db: Db,
  orgId: string,
  group: MetricGroup,
  ids: readonly string[],
  metric: string,
  range: TimeRange,
) {
  return findDistributions(
    db,
    sql`SELECT ${sql.ref(group)} AS g, value AS v FROM metric_point
      WHERE ${sql.ref(group)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
        AND org_id = ${orgId} AND metric = ${metric}
        AND recorded_at >= ${range.from} AND recorded_at < ${range.to}`,
  );
}

/** The bucket a timestamp falls in: its UTC hour, day, or ISO week (starting Monday). */
export function bucketExpression(column: string, granularity: Granularity) {
  const ref = sql.ref(column);
  switch (granularity) {
    case 'HOUR':
      return sql<string>`substr(${ref}, 1, 13) || ':00:00.000Z'`;
    case 'DAY':
      return sql<string>`substr(${ref}, 1, 10) || 'T00:00:00.000Z'`;
    case 'WEEK':
      return sql<string>`date(${ref}, '-6 days', 'weekday 1') || 'T00:00:00.000Z'`;
  }
}

export async function findMetricSeries(
  db: Db,
  orgId: string,
  group: MetricGroup,
  ids: readonly string[],
  metric: string,
  granularity: Granularity,
  range: TimeRange,
) {
  const bucket = bucketExpression('recorded_at', granularity);
  const result = await sql<{
    g: string;
    bucket: string;
    n: number;
    mean: number;
    min: number;
    max: number;
  }>`
    SELECT ${sql.ref(group)} AS g, ${bucket} AS bucket, count(*) AS n, avg(value) AS mean,
      min(value) AS min, max(value) AS max
    FROM metric_point
    WHERE ${sql.ref(group)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
      AND org_id = ${orgId} AND metric = ${metric}
      AND recorded_at >= ${range.from} AND recorded_at < ${range.to}
    GROUP BY g, bucket
    ORDER BY g, bucket
  `.execute(db);
  return result.rows;
}

export interface WindowMomentsRow {
  model_id: string;
  version_id: string;
  metric: string;
  win: 'recent' | 'baseline';
  n: number;
  mean: number;
  ss: number;
}

/**
 * Count, mean and sum of squared deviations of every (version, metric) in the baseline window
 * [baselineFrom, recentFrom) and the recent window [recentFrom, recentTo), in one statement.
 */
export async function findWindowMoments(
  db: Db,
  orgId: string,
  modelId: string | null,
  windows: { baselineFrom: string; recentFrom: string; recentTo: string },
) {
  const modelFilter = modelId === null ? sql`` : sql`AND model_id = ${modelId}`;
  const result = await sql<WindowMomentsRow>`
    WITH pts AS (
      SELECT model_id, version_id, metric, value AS v,
        CASE WHEN recorded_at >= ${windows.recentFrom} THEN 'recent' ELSE 'baseline' END AS w
      FROM metric_point
      WHERE org_id = ${orgId} AND recorded_at >= ${windows.baselineFrom}
        AND recorded_at < ${windows.recentTo} ${modelFilter}
    ),
    agg AS (
      SELECT model_id, version_id, metric, w, count(*) AS n, avg(v) AS mean
      FROM pts GROUP BY version_id, metric, w
    ),
    dev AS (
      SELECT pts.version_id AS version_id, pts.metric AS metric, pts.w AS w,
        sum((pts.v - agg.mean) * (pts.v - agg.mean)) AS ss
      FROM pts JOIN agg ON agg.version_id = pts.version_id AND agg.metric = pts.metric AND agg.w = pts.w
      GROUP BY pts.version_id, pts.metric, pts.w
    )
    SELECT agg.model_id AS model_id, agg.version_id AS version_id, agg.metric AS metric,
      agg.w AS win, agg.n AS n, agg.mean AS mean, dev.ss AS ss
    FROM agg JOIN dev ON dev.version_id = agg.version_id AND dev.metric = agg.metric AND dev.w = agg.w
    ORDER BY agg.version_id, agg.metric, agg.w
  `.execute(db);
  return result.rows;
}

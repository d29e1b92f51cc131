// Usage figures from the hourly rollup (migrations/0006_usage_rollup.sql): whole hours of a range
// come from usage_rollup_hourly, the partial hours at its two edges from the raw requests, mapped
// to the same per-row measures the rollup's triggers add. Every function here returns what its raw
// twin in usage.repository.ts returns (the tests compare them on random ranges): counts and token
// sums exactly, sums of REAL values up to the order of the additions, variances as
// sum-of-squares minus n * mean^2 (clamped at 0) instead of the raw two-pass form.
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { bucketExpression } from '../metrics/metrics.repository.ts';
import type { Granularity, TimeRange } from '../metrics/metrics.ts';
import { type ArmMomentsRow, type TotalsRow, toTotals } from './usage.repository.ts';
import type { BreakdownColumn, UsageTotals } from './usage.ts';
import { type ArmSelection, armScope, scopeWhere, type UsageScope } from './usage-scope.ts';

const HOUR_MS = 3_600_000;

/** [from, to) cut into the whole hours the rollup answers and the raw edges around them. */
export function splitRange(range: TimeRange): {
  whole: TimeRange | null;
  raw: TimeRange[];
} {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const wholeFrom = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const wholeTo = Math.floor(to / HOUR_MS) * HOUR_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (wholeFrom >= wholeTo) return { whole: null, raw: [{ from: iso(from), to: iso(to) }] };
  const raw: TimeRange[] = [];
  if (from < wholeFrom) raw.push({ from: iso(from), to: iso(wholeFrom) });
  if (wholeTo < to) raw.push({ from: iso(wholeTo), to: iso(to) });
  return { whole: { from: iso(wholeFrom), to: iso(wholeTo) }, raw };
}

/** Each rollup measure, and the contribution of one raw request (alias r) to it. */
const MEASURES: readonly (readonly [string, string])[] = [
  ['requests', '1'],
  ['error_count', "(r.status = 'ERROR')"],
  ['input_tokens', 'r.input_tokens'],
  ['output_tokens', 'r.output_tokens'],
  ['cached_tokens', 'r.cached_tokens'],
  ['reasoning_tokens', 'r.reasoning_tokens'],
  ['priced_count', '(r.cost_usd IS NOT NULL)'],
  ['unpriced_count', '(r.cost_usd IS NULL)'],
  [
    'priced_tokens',
    '(CASE WHEN r.cost_usd IS NOT NULL THEN r.input_tokens + r.output_tokens ELSE 0 END)',
  ],
  ['cost_sum', 'coalesce(r.cost_usd, 0.0)'],
  ['cost_sumsq', 'coalesce(r.cost_usd * r.cost_usd, 0.0)'],
  ['quality_count', '(r.quality IS NOT NULL)'],
  ['quality_sum', 'coalesce(r.quality, 0.0)'],
  ['quality_sumsq', 'coalesce(r.quality * r.quality, 0.0)'],
  ['latency_count', '1'],
  ['latency_sum', 'r.latency_ms'],
  ['latency_sumsq', 'r.latency_ms * r.latency_ms'],
  ['roi_count', '(r.quality IS NOT NULL AND r.cost_usd IS NOT NULL)'],
  [
    'roi_quality_sum',
    '(CASE WHEN r.cost_usd IS NOT NULL THEN coalesce(r.quality, 0.0) ELSE 0.0 END)',
  ],
  ['roi_cost_sum', '(CASE WHEN r.quality IS NOT NULL THEN coalesce(r.cost_usd, 0.0) ELSE 0.0 END)'],
  ['qpd_count', '(CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN 1 ELSE 0 END)'],
  [
    'qpd_sum',
    '(CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN r.quality / r.cost_usd ELSE 0.0 END)',
  ],
  [
    'qpd_sumsq',
    '(CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN (r.quality / r.cost_usd) * (r.quality / r.cost_usd) ELSE 0.0 END)',
  ],
];

const ROLLUP_COLUMNS = sql.raw(
  `model_id, NULLIF(version_id, '') AS version_id, provider, NULLIF(deployment_id, '') AS deployment_id,
  NULLIF(experiment_id, '') AS experiment_id, hour, status, ${MEASURES.map(([m]) => m).join(', ')}`,
);
const RAW_COLUMNS = sql.raw(
  `r.model_id, r.version_id, r.provider, r.deployment_id, r.experiment_id,
  substr(r.requested_at, 1, 13) || ':00:00.000Z' AS hour, r.status,
  ${MEASURES.map(([m, e]) => `${e} AS ${m}`).join(', ')}`,
);

/**
 * One row per rollup group of the whole hours, plus one row per raw request of the edge hours,
 * all with the same columns: (model_id, version_id, provider, deployment_id, experiment_id, hour,
 * status, measures...). Absent ids are NULL, as in inference_request.
 */
export function usageParts(
  orgId: string,
  scope: UsageScope,
  range: TimeRange,
): RawBuilder<unknown> {
  const { whole, raw } = splitRange(range);
  const branches: RawBuilder<unknown>[] = [];
  if (whole) {
    branches.push(sql`SELECT ${ROLLUP_COLUMNS} FROM usage_rollup_hourly
      WHERE ${scopeWhere(orgId, scope, 'hourly')} AND hour >= ${whole.from} AND hour < ${whole.to}`);
  }
  for (const edge of raw) {
    branches.push(sql`SELECT ${RAW_COLUMNS} FROM inference_request AS r
      WHERE ${scopeWhere(orgId, scope, 'raw', 'r')} AND r.requested_at >= ${edge.from} AND r.requested_at < ${edge.to}`);
  }
  return sql.join(branches, sql` UNION ALL `);
}

const TOTALS_COLUMNS = sql`
  sum(requests) AS requests,
  sum(requests) - sum(error_count) AS successful,
  sum(error_count) AS errors,
  sum(input_tokens) AS input_tokens,
  sum(output_tokens) AS output_tokens,
  sum(cached_tokens) AS cached_tokens,
  sum(reasoning_tokens) AS reasoning_tokens,
  CASE WHEN sum(priced_count) > 0 THEN sum(cost_sum) END AS cost,
  sum(priced_count) AS priced,
  sum(priced_tokens) AS priced_tokens,
  sum(latency_sum) / sum(latency_count) AS mean_latency,
  CASE WHEN sum(quality_count) > 0 THEN sum(quality_sum) / sum(quality_count) END AS mean_quality,
  sum(quality_count) AS quality_n,
  sum(roi_count) AS roi_n,
  CASE WHEN sum(roi_count) > 0 THEN sum(roi_quality_sum) / sum(roi_count) END AS roi_quality,
  CASE WHEN sum(roi_count) > 0 THEN sum(roi_cost_sum) / sum(roi_count) END AS roi_cost,
  sum(CASE WHEN status = 'SUCCESS' THEN priced_count ELSE 0 END) AS priced_successful
`;

/** Rollup twin of findUsageTotals. */
export async function rollupUsageTotals(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
): Promise<Map<string, UsageTotals>> {
  const result = await sql<TotalsRow & { g: string }>`
    SELECT model_id AS g, ${TOTALS_COLUMNS}
    FROM (${usageParts(orgId, { kind: 'models', ids: modelIds }, range)})
    GROUP BY model_id HAVING sum(requests) > 0 ORDER BY model_id
  `.execute(db);
  return new Map(result.rows.map((row) => [row.g, toTotals(row)]));
}

/** Rollup twin of findUsageBreakdowns. */
export async function rollupUsageBreakdowns(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
  by: BreakdownColumn,
) {
  const result = await sql<TotalsRow & { g: string; k: string | null }>`
    SELECT model_id AS g, ${sql.ref(by)} AS k, ${TOTALS_COLUMNS}
    FROM (${usageParts(orgId, { kind: 'models', ids: modelIds }, range)})
    GROUP BY model_id, ${sql.ref(by)} HAVING sum(requests) > 0
    ORDER BY model_id, sum(requests) DESC, k
  `.execute(db);
  return result.rows.map((row) => ({ modelId: row.g, key: row.k, totals: toTotals(row) }));
}

/** Rollup twin of findUsageTrends (every bucket is a whole number of hours). */
export async function rollupUsageTrends(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
  granularity: Granularity,
) {
  const bucket = bucketExpression('hour', granularity);
  const result = await sql<TotalsRow & { g: string; bucket: string }>`
    SELECT model_id AS g, ${bucket} AS bucket, ${TOTALS_COLUMNS}
    FROM (${usageParts(orgId, { kind: 'models', ids: modelIds }, range)})
    GROUP BY model_id, bucket HAVING sum(requests) > 0 ORDER BY model_id, bucket
  `.execute(db);
  return result.rows.map((row) => ({ modelId: row.g, start: row.bucket, totals: toTotals(row) }));
}

/** Rollup twin of findDailyCosts. */
export async function rollupDailyCosts(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
) {
  const result = await sql<{
    g: string;
    day: string;
    cost: number | null;
    requests: number;
    priced: number;
  }>`
    SELECT model_id AS g, substr(hour, 1, 10) AS day,
      CASE WHEN sum(priced_count) > 0 THEN sum(cost_sum) END AS cost,
      sum(requests) AS requests, sum(priced_count) AS priced
    FROM (${usageParts(orgId, { kind: 'models', ids: modelIds }, range)})
    GROUP BY model_id, day HAVING sum(requests) > 0 ORDER BY model_id, day
  `.execute(db);
  return result.rows;
}

/** n, mean and sum of squared deviations of one measure from its count, sum and sum of squares. */
const momentColumns = (name: string, count: string, total: string, squares: string) =>
  sql.raw(`sum(${count}) AS ${name}_n,
  CASE WHEN sum(${count}) > 0 THEN sum(${total}) / sum(${count}) END AS ${name}_mean,
  CASE WHEN sum(${count}) > 0
    THEN max(0.0, sum(${squares}) - sum(${total}) * sum(${total}) / sum(${count})) END AS ${name}_ss`);

/** Rollup twin of findArmMoments. */
export async function rollupArmMoments(
  db: Db,
  orgId: string,
  arms: ArmSelection,
  range: TimeRange,
): Promise<ArmMomentsRow[]> {
  const { scope, column } = armScope(arms);
  const result = await sql<ArmMomentsRow>`
    SELECT ${sql.ref(column)} AS g, sum(requests) AS n, sum(error_count) AS errors,
      ${momentColumns('quality', 'quality_count', 'quality_sum', 'quality_sumsq')},
      sum(latency_sum) / sum(latency_count) AS latency_mean,
      max(0.0, sum(latency_sumsq) - sum(latency_sum) * sum(latency_sum) / sum(latency_count)) AS latency_ss,
      ${momentColumns('cost', 'priced_count', 'cost_sum', 'cost_sumsq')},
      ${momentColumns('qpd', 'qpd_count', 'qpd_sum', 'qpd_sumsq')}
    FROM (${usageParts(orgId, scope, range)})
    WHERE ${sql.ref(column)} IS NOT NULL
    GROUP BY ${sql.ref(column)} HAVING sum(requests) > 0 ORDER BY g
  `.execute(db);
  return result.rows;
}

/** What Organization.usage groups the organization's requests by. */
export type OrganizationGroupColumn = 'model_id' | 'provider' | 'day';

/**
 * The organization's usage over the range per model, provider or UTC day, most requests first
 * (days oldest first): whole hours from the rollup, the edge hours from the raw requests.
 */
export async function rollupOrganizationUsage(
  db: Db,
  orgId: string,
  range: TimeRange,
  by: OrganizationGroupColumn,
  limit: number,
) {
  const key = by === 'day' ? sql`substr(hour, 1, 10)` : sql.ref(by);
  const order = by === 'day' ? sql`k` : sql`sum(requests) DESC, k`;
  const result = await sql<TotalsRow & { k: string | null }>`
    SELECT ${key} AS k, ${TOTALS_COLUMNS}
    FROM (${usageParts(orgId, { kind: 'organization' }, range)})
    GROUP BY k HAVING sum(requests) > 0
    ORDER BY ${order}
    LIMIT ${limit}
  `.execute(db);
  return result.rows.map((row) => ({ key: row.k, totals: toTotals(row) }));
}

import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import type { EventSink } from '../../ports/event-sink.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import { distributionOf } from './distribution.repository.ts';
import {
  findMetricDistributions,
  findWindowMoments,
  insertMetricPoints,
  POINTS_PER_STATEMENT,
  type WindowMomentsRow,
} from './metrics.repository.ts';
import type { MetricPointTable } from './metrics.table.ts';
import {
  type Distribution,
  type Granularity,
  HIGHER_IS_BETTER,
  type MetricAlert,
  type MetricPoint,
  type MetricType,
  metricKey,
  metricTypeOf,
  type TimeRange,
  toMetricPoint,
} from './metrics.ts';
import { cohensD, varianceOf, welchTTest } from './statistics.ts';

/** Points per metricsRecord call: one D1 batch of at most four INSERT statements. */
export const MAX_POINTS_PER_BATCH = 1000;
/** How far ahead of the server's clock a timestamp may be (client clock skew). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The earliest timestamp accepted; anything before is a unit or parsing mistake. */
export const EARLIEST_TIMESTAMP = Date.parse('2000-01-01T00:00:00.000Z');
/** The widest range a statistics query may span. */
export const MAX_RANGE_DAYS = 400;

/** A client-sent measurement time: a real date, not in the future (beyond clock skew). */
export function requireTimestamp(
  value: Date | null | undefined,
  path: readonly string[],
  now: number,
): string {
  if (value === null || value === undefined) return new Date(now).toISOString();
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw new ValidationError('Must be a valid date', path);
  if (ms > now + MAX_CLOCK_SKEW_MS) {
    throw new ValidationError('Must not be in the future (5 minutes of clock skew allowed)', path);
  }
  if (ms < EARLIEST_TIMESTAMP) throw new ValidationError('Must be after 2000-01-01', path);
  return value.toISOString();
}

export function requireFinite(
  value: number,
  path: readonly string[],
  bounds: { min?: number; max?: number } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError('Must be a finite number', path);
  }
  if (bounds.min !== undefined && value < bounds.min) {
    throw new ValidationError(`Must be at least ${bounds.min}`, path);
  }
  if (bounds.max !== undefined && value > bounds.max) {
    throw new ValidationError(`Must be at most ${bounds.max}`, path);
  }
  return value;
}

/** Validates a [from, to) range of a statistics query; `to` defaults to now, `from` to 30 days before. */
export function requireRange(
  from: Date | null | undefined,
  to: Date | null | undefined,
  path: readonly string[] = [],
  now: Date = new Date(),
  defaultDays = 30,
): TimeRange {
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - defaultDays * 86_400_000);
  if (!Number.isFinite(start.getTime()) || !Number.isFinite(end.getTime())) {
    throw new ValidationError('"from" and "to" must be valid dates', path);
  }
  if (start.getTime() >= end.getTime()) {
    throw new ValidationError('"from" must be before "to"', [...path, 'from']);
  }
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw new ValidationError(`The range may span at most ${MAX_RANGE_DAYS} days`, [
      ...path,
      'from',
    ]);
  }
  return { from: start.toISOString(), to: end.toISOString() };
}

/** Bounds of the built-in metrics: rates are fractions, latencies and throughputs non-negative. */
const METRIC_BOUNDS: Record<MetricType, { min?: number; max?: number }> = {
  LATENCY: { min: 0 },
  THROUGHPUT: { min: 0 },
  ACCURACY: { min: 0, max: 1 },
  ERROR_RATE: { min: 0, max: 1 },
  QUALITY: {},
  CUSTOM: {},
};

export interface MetricPointInput {
  versionId: string;
  type: MetricType;
  name?: string | null;
  value: number;
  context?: unknown;
  timestamp?: Date | null;
}

/**
 * Records a batch of points, all or nothing, in one D1 batch; then writes each point to Analytics
 * Engine. Every bad point is reported with its index; nothing is written unless all are good.
 */
export async function recordMetrics(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  sink: EventSink,
  points: readonly MetricPointInput[],
  claim?: IdempotencyClaim,
): Promise<MetricPoint[]> {
  if (points.length === 0) throw new ValidationError('Send at least one point', ['points']);
  if (points.length > MAX_POINTS_PER_BATCH) {
    throw new ValidationError(
      `At most ${MAX_POINTS_PER_BATCH} points per call (got ${points.length})`,
      ['points'],
    );
  }
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  const drafts = points.map((point, index) => {
    const path = ['points', String(index)];
    const metric = metricKey(point.type, point.name, [...path, 'name']);
    return {
      versionId: point.versionId,
      metric,
      value: requireFinite(point.value, [...path, 'value'], METRIC_BOUNDS[point.type]),
      context: serializeJsonObject(point.context, [...path, 'context']),
      recordedAt: requireTimestamp(point.timestamp, [...path, 'timestamp'], now),
    };
  });
  const versionIds = [...new Set(drafts.map((draft) => draft.versionId))];
  const versions = new Map(
    (await findVersionsByIds(deps.db, viewer.orgId, versionIds)).map((row) => [row.id, row]),
  );
  const rows: MetricPointTable[] = drafts.map((draft, index) => {
    const version = versions.get(draft.versionId);
    if (!version) {
      throw new NotFoundError(
        'No model version with this id',
        ['points', String(index), 'versionId'],
        draft.versionId,
        'ModelVersion',
      );
    }
    return {
      id: newId(),
      org_id: viewer.orgId,
      model_id: version.model_id,
      version_id: version.id,
      metric: draft.metric,
      value: draft.value,
      context: draft.context,
      recorded_at: draft.recordedAt,
      created_at: createdAt,
      created_by: viewer.userId,
    };
  });
  const recorded = rows.map(toMetricPoint);
  const statements = [...claimWrites(deps.db, claim, recorded)];
  for (let start = 0; start < rows.length; start += POINTS_PER_STATEMENT) {
    statements.push(insertMetricPoints(deps.db, rows.slice(start, start + POINTS_PER_STATEMENT)));
  }
  await runBatch(deps.d1, statements);
  // After the commit: Analytics Engine never sees a point that D1 refused.
  for (const row of rows) {
    sink.write({
      index: row.org_id,
      blobs: ['metric', row.metric, row.model_id, row.version_id],
      doubles: [row.value, Date.parse(row.recorded_at)],
    });
  }
  return recorded;
}

export interface AlertOptions {
  modelId: string | null;
  /** The end of the recent window (default now). */
  at: Date;
  recentHours: number;
  baselineHours: number;
  alpha: number;
  minSamples: number;
}

/**
 * Degradation detection. For every version and metric with points in both windows, Welch's t-test
 * compares the recent window [at - recent, at) with the baseline window just before it
 * [at - recent - baseline, at - recent). A version is flagged when each window has at least
 * `minSamples` points, p < alpha, and the change goes the bad way for the metric (higher latency
 * or error rate, lower accuracy, throughput or quality); custom metrics, whose good direction is
 * unknown, are flagged on a significant change either way (direction CHANGED).
 */
export async function findMetricAlerts(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  options: AlertOptions,
): Promise<MetricAlert[]> {
  if (
    !Number.isInteger(options.recentHours) ||
    options.recentHours < 1 ||
    options.recentHours > 24 * 90
  ) {
    throw new ValidationError('Must be between 1 and 2160 hours', ['recentHours']);
  }
  if (
    !Number.isInteger(options.baselineHours) ||
    options.baselineHours < 1 ||
    options.baselineHours > 24 * 365
  ) {
    throw new ValidationError('Must be between 1 and 8760 hours', ['baselineHours']);
  }
  if (!(options.alpha > 0 && options.alpha < 0.5)) {
    throw new ValidationError('Must be between 0 and 0.5 (exclusive)', ['alpha']);
  }
  if (
    !Number.isInteger(options.minSamples) ||
    options.minSamples < 2 ||
    options.minSamples > 1_000_000
  ) {
    throw new ValidationError('Must be an integer of at least 2', ['minSamples']);
  }
  const at = options.at.getTime();
  if (!Number.isFinite(at)) throw new ValidationError('Must be a valid date', ['at']);
  const recentFrom = at - options.recentHours * 3_600_000;
  const baselineFrom = recentFrom - options.baselineHours * 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows = await findWindowMoments(deps.db, viewer.orgId, options.modelId, {
    baselineFrom: iso(baselineFrom),
    recentFrom: iso(recentFrom),
    recentTo: iso(at),
  });
  const pairs = new Map<string, { baseline?: WindowMomentsRow; recent?: WindowMomentsRow }>();
  for (const row of rows) {
    const key = `${row.version_id}\u0000${row.metric}`;
    const pair = pairs.get(key) ?? {};
    pair[row.win] = row;
    pairs.set(key, pair);
  }
  const alerts: MetricAlert[] = [];
  for (const { baseline, recent } of pairs.values()) {
    if (!baseline || !recent) continue;
    if (baseline.n < options.minSamples || recent.n < options.minSamples) continue;
    const b = { n: baseline.n, mean: baseline.mean, variance: varianceOf(baseline.n, baseline.ss) };
    const r = { n: recent.n, mean: recent.mean, variance: varianceOf(recent.n, recent.ss) };
    const test = welchTTest(r, b);
    if (!test || !(test.pValue < options.alpha)) continue;
    const higherIsBetter = HIGHER_IS_BETTER[metricTypeOf(recent.metric).type];
    const difference = r.mean - b.mean;
    const worse = higherIsBetter === null ? true : higherIsBetter ? difference < 0 : difference > 0;
    if (!worse) continue;
    alerts.push({
      modelId: recent.model_id,
      versionId: recent.version_id,
      metric: recent.metric,
      direction: higherIsBetter === null ? 'CHANGED' : 'WORSE',
      baseline: {
        from: new Date(baselineFrom),
        to: new Date(recentFrom),
        count: b.n,
        mean: b.mean,
        stddev: b.variance === null ? null : Math.sqrt(b.variance),
      },
      recent: {
        from: new Date(recentFrom),
        to: new Date(at),
        count: r.n,
        mean: r.mean,
        stddev: r.variance === null ? null : Math.sqrt(r.variance),
      },
      difference,
      relativeChange: b.mean === 0 ? null : difference / Math.abs(b.mean),
      effectSize: cohensD(r, b),
      tStatistic: test.statistic,
      degreesOfFreedom: test.degreesOfFreedom,
      pValue: test.pValue,
    });
  }
  // Most significant first; ties by version then metric, so the order is stable.
  return alerts.sort(
    (x, y) =>
      x.pValue - y.pValue ||
      x.versionId.localeCompare(y.versionId) ||
      x.metric.localeCompare(y.metric),
  );
}

/** HOUR buckets over a long range would be thousands of rows: the widest HOUR range is 31 days. */
export function requireBucketSpan(
  granularity: Granularity,
  range: TimeRange,
  path: readonly string[],
): void {
  if (granularity === 'HOUR' && Date.parse(range.to) - Date.parse(range.from) > 31 * 86_400_000) {
    throw new ValidationError('HOUR buckets span at most 31 days; use DAY or WEEK', path);
  }
}

/** Models compared in one comparison. */
export const MAX_COMPARED_MODELS = 50;

export interface ModelComparisonEntry {
  /** 1 for the best mean; null for a model without points. */
  rank: number | null;
  modelId: string;
  stats: Distribution;
}

/**
 * One metric of several models side by side, best first (ties by id), models without points last.
 * `decodeModelId` turns the n-th id as sent into a model id (and reports a malformed one); errors
 * are about `modelIds` (the list) or `modelIds.<index>` (an id nobody in the organization has).
 */
export async function compareModels(
  db: Db,
  orgId: string,
  request: {
    modelIds: readonly string[];
    decodeModelId: (id: string, index: number) => string;
    type: MetricType;
    metric: string;
    range: TimeRange;
  },
): Promise<ModelComparisonEntry[]> {
  if (request.modelIds.length === 0 || request.modelIds.length > MAX_COMPARED_MODELS) {
    throw new ValidationError(`Give 1 to ${MAX_COMPARED_MODELS} models`, ['modelIds']);
  }
  const ids = [...new Set(request.modelIds.map((id, index) => request.decodeModelId(id, index)))];
  const visible = new Set((await findModelsByIds(db, orgId, ids)).map((row) => row.id));
  const missing = ids.findIndex((id) => !visible.has(id));
  if (missing >= 0) {
    throw new ValidationError('No model with this id', ['modelIds', String(missing)]);
  }
  const map = await findMetricDistributions(
    db,
    orgId,
    'model_id',
    ids,
    request.metric,
    request.range,
  );
  const higher = HIGHER_IS_BETTER[request.type] ?? true;
  const entries = ids.map((modelId) => ({
    modelId,
    stats: distributionOf(map, modelId),
    rank: null as number | null,
  }));
  entries.sort((a, b) => {
    if (a.stats.mean === null || b.stats.mean === null) {
      return (
        (a.stats.mean === null ? 1 : 0) - (b.stats.mean === null ? 1 : 0) ||
        a.modelId.localeCompare(b.modelId)
      );
    }
    return (
      (higher ? b.stats.mean - a.stats.mean : a.stats.mean - b.stats.mean) ||
      a.modelId.localeCompare(b.modelId)
    );
  });
  entries.forEach((entry, index) => {
    entry.rank = entry.stats.mean === null ? null : index + 1;
  });
  return entries;
}

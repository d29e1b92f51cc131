import { ValidationError } from '../errors.ts';
import type { MetricPointTable } from './metrics.table.ts';

/** Built-in metric types; CUSTOM takes a name, stored as "custom:<name>". */
export const METRIC_TYPES = [
  'LATENCY',
  'ACCURACY',
  'THROUGHPUT',
  'QUALITY',
  'ERROR_RATE',
  'CUSTOM',
] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export const GRANULARITIES = ['HOUR', 'DAY', 'WEEK'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Which way is better, for ranking and for calling a change a degradation; null: unknown. */
export const HIGHER_IS_BETTER: Record<MetricType, boolean | null> = {
  LATENCY: false,
  ACCURACY: true,
  THROUGHPUT: true,
  QUALITY: true,
  ERROR_RATE: false,
  CUSTOM: null,
};

export const CUSTOM_METRIC_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** The stored metric column for a type (and a custom metric's name). */
export function metricKey(
  type: MetricType,
  name: string | null | undefined,
  path: readonly string[],
) {
  if (type !== 'CUSTOM') {
    if (name !== null && name !== undefined) {
      throw new ValidationError('A name is only given with the CUSTOM metric type', path);
    }
    return type;
  }
  if (!name || !CUSTOM_METRIC_PATTERN.test(name)) {
    throw new ValidationError(
      'A CUSTOM metric needs a name: lowercase letters, digits, "_", "." or "-", starting with a letter, up to 64 characters',
      path,
    );
  }
  return `custom:${name}`;
}

export function metricTypeOf(key: string): { type: MetricType; name: string | null } {
  if (key.startsWith('custom:')) return { type: 'CUSTOM', name: key.slice('custom:'.length) };
  return { type: key as MetricType, name: null };
}

/** Summary of a set of values: exact over the stored points. Percentiles interpolate (type 7). */
export interface Distribution {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Sample standard deviation (n - 1); null below two values. */
  stddev: number | null;
  /** Sample variance, kept for tests of significance. */
  variance: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export const EMPTY_DISTRIBUTION: Distribution = {
  count: 0,
  mean: null,
  min: null,
  max: null,
  stddev: null,
  variance: null,
  p50: null,
  p95: null,
  p99: null,
};

export interface MetricPoint {
  id: string;
  modelId: string;
  versionId: string;
  metric: string;
  value: number;
  context: Record<string, unknown> | null;
  recordedAt: Date;
}

export function toMetricPoint(row: MetricPointTable): MetricPoint {
  return {
    id: row.id,
    modelId: row.model_id,
    versionId: row.version_id,
    metric: row.metric,
    value: row.value,
    context: row.context === null ? null : (JSON.parse(row.context) as Record<string, unknown>),
    recordedAt: new Date(row.recorded_at),
  };
}

export interface SeriesBucket {
  start: Date;
  count: number;
  mean: number;
  min: number;
  max: number;
}

/** A time range, as ISO strings: [from, to). */
/** Which column metric points are grouped by: one version, or all versions of a model. */
export type MetricGroup = 'version_id' | 'model_id';

export interface TimeRange {
  from: string;
  to: string;
}

export interface MetricAlert {
  modelId: string;
  versionId: string;
  metric: string;
  direction: 'WORSE' | 'CHANGED';
  baseline: { from: Date; to: Date; count: number; mean: number; stddev: number | null };
  recent: { from: Date; to: Date; count: number; mean: number; stddev: number | null };
  /** recent mean - baseline mean. */
  difference: number;
  /** difference / |baseline mean|; null when the baseline mean is 0. */
  relativeChange: number | null;
  /** Cohen's d (pooled standard deviation). */
  effectSize: number | null;
  tStatistic: number;
  degreesOfFreedom: number | null;
  pValue: number;
}

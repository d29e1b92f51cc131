import {
  type Distribution,
  GRANULARITIES,
  type Granularity,
  METRIC_TYPES,
  type SeriesBucket,
} from '../../registry/metrics/metrics.ts';
import { builder } from '../builder.ts';

const METRIC_TYPE_DESCRIPTIONS: Record<(typeof METRIC_TYPES)[number], string> = {
  LATENCY: 'Response time in milliseconds (at least 0; lower is better).',
  ACCURACY: 'A fraction from 0 to 1 (higher is better).',
  THROUGHPUT: 'Requests or items per second (at least 0; higher is better).',
  QUALITY: 'A quality score on your own scale (higher is better).',
  ERROR_RATE: 'A fraction from 0 to 1 (lower is better).',
  CUSTOM: 'A metric of your own, named by `name`; its better direction is unknown.',
};

export const MetricTypeEnum = builder.enumType('MetricType', {
  description: 'What a performance metric measures.',
  values: Object.fromEntries(
    METRIC_TYPES.map((type) => [
      type,
      { value: type, description: METRIC_TYPE_DESCRIPTIONS[type] },
    ]),
  ) as Record<
    (typeof METRIC_TYPES)[number],
    { value: (typeof METRIC_TYPES)[number]; description: string }
  >,
});

const GRANULARITY_DESCRIPTIONS: Record<Granularity, string> = {
  HOUR: 'UTC hours.',
  DAY: 'UTC days.',
  WEEK: 'ISO weeks, starting Monday 00:00 UTC.',
};

export const GranularityEnum = builder.enumType('Granularity', {
  description: 'The width of the time buckets of a series.',
  values: Object.fromEntries(
    GRANULARITIES.map((g) => [g, { value: g, description: GRANULARITY_DESCRIPTIONS[g] }]),
  ) as Record<Granularity, { value: Granularity; description: string }>,
});

export const MetricStatsRef = builder.objectRef<Distribution>('MetricStats');
MetricStatsRef.implement({
  description:
    'Exact statistics of a set of stored values. Percentiles interpolate linearly between the closest ranks (numpy’s default, R type 7); all are null when count is 0.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many values.' }),
    mean: t.exposeFloat('mean', { nullable: true, description: 'Arithmetic mean.' }),
    min: t.exposeFloat('min', { nullable: true, description: 'Smallest value.' }),
    max: t.exposeFloat('max', { nullable: true, description: 'Largest value.' }),
    stddev: t.exposeFloat('stddev', {
      nullable: true,
      description: 'Sample standard deviation (n - 1); null below two values.',
    }),
    p50: t.exposeFloat('p50', { nullable: true, description: 'Median.' }),
    p95: t.exposeFloat('p95', { nullable: true, description: '95th percentile.' }),
    p99: t.exposeFloat('p99', { nullable: true, description: '99th percentile.' }),
  }),
});

export const MetricSeriesPointRef = builder.objectRef<SeriesBucket>('MetricSeriesPoint');
MetricSeriesPointRef.implement({
  description: 'One time bucket of a metric series; buckets without points are left out.',
  fields: (t) => ({
    start: t.field({
      type: 'DateTime',
      description: 'Start of the bucket (UTC).',
      resolve: (point) => point.start,
    }),
    count: t.exposeInt('count', { description: 'Points in the bucket.' }),
    mean: t.exposeFloat('mean', { description: 'Mean value in the bucket.' }),
    min: t.exposeFloat('min', { description: 'Smallest value in the bucket.' }),
    max: t.exposeFloat('max', { description: 'Largest value in the bucket.' }),
  }),
});

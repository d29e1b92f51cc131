// Performance metrics on Model and ModelVersion: fields added from here, not from their node
// files (metricStats, metricSeries).
import type { Context } from '../../context.ts';
import { requireBucketSpan } from '../../registry/metrics/metrics.service.ts';
import type {
  Distribution,
  Granularity,
  MetricGroup,
  SeriesBucket,
  TimeRange,
} from '../../registry/metrics/metrics.ts';
import { metricDistributions, metricSeries } from '../../registry/metrics/metrics-read.service.ts';
import { builder } from '../builder.ts';
import { parseMetricArgs } from '../lib/metric-args.ts';
import { keyedLoader, requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import {
  GranularityEnum,
  MetricSeriesPointRef,
  MetricStatsRef,
  MetricTypeEnum,
} from '../objects/MetricStats.ts';
import { ModelRef, ModelVersionRef } from '../objects/refs.ts';

function statsLoader(context: Context, group: MetricGroup, metric: string, range: TimeRange) {
  return keyedLoader<Distribution>(
    context,
    `metricStats:${group}:${metric}:${range.from}:${range.to}`,
    (ids) => metricDistributions(context.deps, context.viewer, group, ids, metric, range),
  );
}

function seriesLoader(
  context: Context,
  group: MetricGroup,
  metric: string,
  granularity: Granularity,
  range: TimeRange,
) {
  return keyedLoader<SeriesBucket[]>(
    context,
    `metricSeries:${group}:${metric}:${granularity}:${range.from}:${range.to}`,
    (ids) => metricSeries(context.deps, context.viewer, group, ids, metric, granularity, range),
  );
}

/** The same fields on Model and ModelVersion; only the parent's id is read. */
function addMetricFields(ref: typeof ModelRef, group: MetricGroup, what: string) {
  builder.objectFields(ref, (t) => ({
    metricStats: t.field({
      type: MetricStatsRef,
      description: `Exact statistics of one metric over the points of ${what} in [from, to) (default: the last 30 days). Batched across a list.`,
      args: {
        type: t.arg({ type: MetricTypeEnum, required: true, description: 'The metric.' }),
        name: t.arg.string({ description: 'The name of a CUSTOM metric.' }),
        from: t.arg({
          type: 'DateTime',
          description: 'Start (inclusive); default 30 days before `to`.',
        }),
        to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
      },
      resolve: (parent, args, context) =>
        withUserErrors(async () => {
          const { metric, range } = parseMetricArgs(args, requestNow(context));
          return statsLoader(context, group, metric, range).load(parent.id);
        }),
    }),
    metricSeries: t.field({
      type: [MetricSeriesPointRef],
      description: `One metric of ${what} in time buckets over [from, to), oldest first, for charts.`,
      args: {
        type: t.arg({ type: MetricTypeEnum, required: true, description: 'The metric.' }),
        name: t.arg.string({ description: 'The name of a CUSTOM metric.' }),
        granularity: t.arg({ type: GranularityEnum, required: true, description: 'Bucket width.' }),
        from: t.arg({
          type: 'DateTime',
          description: 'Start (inclusive); default 30 days before `to`.',
        }),
        to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
      },
      resolve: (parent, args, context) =>
        withUserErrors(async () => {
          const { metric, range } = parseMetricArgs(args, requestNow(context));
          requireBucketSpan(args.granularity, range, ['granularity']);
          return seriesLoader(context, group, metric, args.granularity, range).load(parent.id);
        }),
    }),
  }));
}

addMetricFields(ModelRef, 'model_id', 'all versions of this model');
addMetricFields(ModelVersionRef as unknown as typeof ModelRef, 'version_id', 'this version');

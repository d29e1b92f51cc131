// Performance metrics on Model and ModelVersion (fields added from here, not from their node
// files), and the root fields that compare models and detect degradation.
import type { Context } from '../../context.ts';
import { decodeIdOf } from '../../global-id.ts';
import { distributionOf } from '../../registry/metrics/distribution.repository.ts';
import {
  findMetricDistributions,
  findMetricSeries,
  type MetricGroup,
} from '../../registry/metrics/metrics.repository.ts';
import {
  compareModels,
  findMetricAlerts,
  type ModelComparisonEntry,
  requireBucketSpan,
  requireRange,
} from '../../registry/metrics/metrics.service.ts';
import {
  type Distribution,
  type Granularity,
  type MetricType,
  metricKey,
  type SeriesBucket,
  type TimeRange,
} from '../../registry/metrics/metrics.ts';
import { builder } from '../builder.ts';
import { keyedLoader, requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import {
  GranularityEnum,
  MetricAlertRef,
  MetricSeriesPointRef,
  MetricStatsRef,
  MetricTypeEnum,
} from '../objects/MetricStats.ts';
import { ModelRef, ModelVersionRef } from '../objects/refs.ts';

interface MetricArgs {
  type: MetricType;
  name?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function parseMetricArgs(args: MetricArgs, now: Date): { metric: string; range: TimeRange } {
  return {
    metric: metricKey(args.type, args.name, ['name']),
    range: requireRange(args.from, args.to, [], now),
  };
}

function statsLoader(context: Context, group: MetricGroup, metric: string, range: TimeRange) {
  return keyedLoader<Distribution>(
    context,
    `metricStats:${group}:${metric}:${range.from}:${range.to}`,
    async (ids) => {
      const map = await findMetricDistributions(
        context.db,
        context.viewer.orgId,
        group,
        ids,
        metric,
        range,
      );
      return ids.map((id) => distributionOf(map, id));
    },
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
    async (ids) => {
      const rows = await findMetricSeries(
        context.db,
        context.viewer.orgId,
        group,
        ids,
        metric,
        granularity,
        range,
      );
      const byId = new Map<string, SeriesBucket[]>();
      for (const row of rows) {
        const list = byId.get(row.g) ?? [];
        list.push({
          start: new Date(row.bucket),
          count: row.n,
          mean: row.mean,
          min: row.min,
          max: row.max,
        });
        byId.set(row.g, list);
      }
      return ids.map((id) => byId.get(id) ?? []);
    },
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

const ModelComparisonEntryRef = builder.objectRef<ModelComparisonEntry>('ModelComparisonEntry');
ModelComparisonEntryRef.implement({
  description: 'One model’s statistics in a comparison.',
  fields: (t) => ({
    rank: t.exposeInt('rank', {
      nullable: true,
      description:
        '1 for the best mean (lowest for LATENCY and ERROR_RATE, highest otherwise); null without points.',
    }),
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (e) => e.modelId }),
    stats: t.field({
      type: MetricStatsRef,
      description: 'Its statistics.',
      resolve: (e) => e.stats,
    }),
  }),
});

builder.queryField('modelComparison', (t) =>
  t.field({
    type: [ModelComparisonEntryRef],
    description:
      'One metric of several models side by side, best first (ties by id); models without points come last. Unknown or invisible ids are a BAD_USER_INPUT error.',
    args: {
      modelIds: t.arg.idList({ required: true, description: 'Global IDs of 1 to 50 models.' }),
      metricType: t.arg({ type: MetricTypeEnum, required: true, description: 'The metric.' }),
      name: t.arg.string({ description: 'The name of a CUSTOM metric.' }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const { metric, range } = parseMetricArgs(
          { ...args, type: args.metricType },
          requestNow(context),
        );
        return compareModels(context.db, context.viewer.orgId, {
          modelIds: args.modelIds.map(String),
          decodeModelId: (id, index) => decodeIdOf(id, ['Model'], ['modelIds', String(index)]).id,
          type: args.metricType,
          metric,
          range,
        });
      }),
  }),
);

builder.queryField('metricAlerts', (t) =>
  t.field({
    type: [MetricAlertRef],
    description:
      'Versions whose recent window of a metric is significantly worse than the baseline window just before it: Welch’s t-test, p < alpha, at least minSamples points in each window. Most significant first.',
    args: {
      modelId: t.arg.id({
        description: 'Only this model’s versions (default: the whole organization).',
      }),
      at: t.arg({ type: 'DateTime', description: 'End of the recent window (default now).' }),
      recentHours: t.arg.int({
        required: true,
        defaultValue: 24,
        description: 'Length of the recent window, in hours (1-2160).',
      }),
      baselineHours: t.arg.int({
        required: true,
        defaultValue: 168,
        description: 'Length of the baseline window before it, in hours (1-8760).',
      }),
      alpha: t.arg.float({
        required: true,
        defaultValue: 0.01,
        description: 'Significance level (two-sided), between 0 and 0.5.',
      }),
      minSamples: t.arg.int({
        required: true,
        defaultValue: 30,
        description: 'Points each window needs before it is tested (at least 2).',
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() =>
        findMetricAlerts(context.deps, context.viewer, {
          modelId: args.modelId
            ? decodeIdOf(String(args.modelId), ['Model'], ['modelId']).id
            : null,
          at: args.at ?? requestNow(context),
          recentHours: args.recentHours,
          baselineHours: args.baselineHours,
          alpha: args.alpha,
          minSamples: args.minSamples,
        }),
      ),
  }),
);

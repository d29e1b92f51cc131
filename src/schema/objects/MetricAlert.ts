// Degradation alerts (metricAlerts): a metric that got significantly worse.

import type { Context } from '../../context.ts';
import { decodeIdOf } from '../../global-id.ts';
import {
  alertKey,
  openAlertsOf,
  type RecordedAlert,
  recordedAlertsOf,
} from '../../registry/metrics/metric-alert.service.ts';
import { findMetricAlerts } from '../../registry/metrics/metrics.service.ts';
import { type MetricAlert, metricTypeOf } from '../../registry/metrics/metrics.ts';
import { builder } from '../builder.ts';
import { keyedLoader, requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { MetricTypeEnum } from './MetricStats.ts';
import { ModelRef, ModelVersionRef } from './refs.ts';

const AlertDirectionEnum = builder.enumType('MetricAlertDirection', {
  description: 'How the recent window differs from the baseline.',
  values: {
    WORSE: {
      value: 'WORSE',
      description: 'Significantly worse for a metric with a known good direction.',
    },
    CHANGED: { value: 'CHANGED', description: 'Significantly different for a custom metric.' },
  } as const,
});

const AlertStateEnum = builder.enumType('MetricAlertState', {
  description:
    'An alert as the scheduled job recorded it (and announced it: alert.opened, alert.cleared).',
  values: {
    OPEN: { value: 'OPEN', description: 'Found by the last run; announced once when it opened.' },
    CLEARED: { value: 'CLEARED', description: 'No longer found; announced once when it cleared.' },
  } as const,
});

const AlertSourceEnum = builder.enumType('MetricAlertSource', {
  description: 'Where metricAlerts reads its alerts.',
  values: {
    LIVE: {
      value: 'LIVE',
      description: 'Computed now with the given windows and thresholds (the default).',
    },
    RECORDED: {
      value: 'RECORDED',
      description:
        'As the scheduled job recorded them with its rule (24 h against 168 h, alpha 0.01, 30 samples): open ones and those cleared within clearedWithinHours, newest first.',
    },
  } as const,
});

/** The job's record of an alert: itself when read from the record, else the open one like it. */
function recordOf(context: Context, alert: MetricAlert): Promise<RecordedAlert | null> {
  if ('alertId' in alert) return Promise.resolve(alert as RecordedAlert);
  return keyedLoader<RecordedAlert | null>(context, 'metric-alerts:open', async (keys) => {
    const open = await openAlertsOf(context.deps, context.viewer);
    return keys.map((key) => open.get(key) ?? null);
  }).load(alertKey(alert));
}

const MetricWindowRef = builder.objectRef<MetricAlert['baseline']>('MetricWindow');
MetricWindowRef.implement({
  description: 'A time window of a degradation check and its statistics.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Start (inclusive).', resolve: (w) => w.from }),
    to: t.field({ type: 'DateTime', description: 'End (exclusive).', resolve: (w) => w.to }),
    count: t.exposeInt('count', { description: 'Points in the window.' }),
    mean: t.exposeFloat('mean', { description: 'Mean value in the window.' }),
    stddev: t.exposeFloat('stddev', {
      nullable: true,
      description: 'Sample standard deviation in the window.',
    }),
  }),
});

export const MetricAlertRef = builder.objectRef<MetricAlert>('MetricAlert');
MetricAlertRef.implement({
  description:
    'A version whose recent window of a metric is significantly worse than its baseline window (Welch’s t-test).',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (a) => a.modelId }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version that degraded.',
      resolve: (a) => a.versionId,
    }),
    metricType: t.field({
      type: MetricTypeEnum,
      description: 'The metric.',
      resolve: (a) => metricTypeOf(a.metric).type,
    }),
    metricName: t.string({
      nullable: true,
      description: 'The name of a CUSTOM metric.',
      resolve: (a) => metricTypeOf(a.metric).name,
    }),
    direction: t.field({
      type: AlertDirectionEnum,
      description: 'Worse, or (custom metrics) changed.',
      resolve: (a) => a.direction,
    }),
    baseline: t.field({
      type: MetricWindowRef,
      description: 'The earlier window.',
      resolve: (a) => a.baseline,
    }),
    recent: t.field({
      type: MetricWindowRef,
      description: 'The recent window.',
      resolve: (a) => a.recent,
    }),
    difference: t.exposeFloat('difference', { description: 'Recent mean minus baseline mean.' }),
    relativeChange: t.exposeFloat('relativeChange', {
      nullable: true,
      description: 'Difference over the absolute baseline mean; null when that mean is 0.',
    }),
    effectSize: t.exposeFloat('effectSize', {
      nullable: true,
      description: 'Cohen’s d: the difference in pooled standard deviations.',
    }),
    tStatistic: t.float({
      nullable: true,
      description: 'Welch’s t; null when infinite (both windows constant and different).',
      resolve: (a) => (Number.isFinite(a.tStatistic) ? a.tStatistic : null),
    }),
    degreesOfFreedom: t.exposeFloat('degreesOfFreedom', {
      nullable: true,
      description: 'Welch–Satterthwaite degrees of freedom.',
    }),
    pValue: t.exposeFloat('pValue', { description: 'Two-sided p-value.' }),
    state: t.field({
      type: AlertStateEnum,
      nullable: true,
      description:
        'As the scheduled job recorded it; null for a live alert the job has not (yet) opened.',
      resolve: async (a, _args, context) => (await recordOf(context, a))?.state ?? null,
    }),
    openedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the scheduled job first found it (and wrote alert.opened).',
      resolve: async (a, _args, context) => (await recordOf(context, a))?.openedAt ?? null,
    }),
    clearedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the scheduled job no longer found it (and wrote alert.cleared).',
      resolve: async (a, _args, context) => (await recordOf(context, a))?.clearedAt ?? null,
    }),
  }),
});

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
      source: t.arg({
        type: AlertSourceEnum,
        required: true,
        defaultValue: 'LIVE',
        description:
          'LIVE (default): computed now with the arguments above. RECORDED: the scheduled job’s alerts, open and recently cleared (the window arguments are then not used).',
      }),
      clearedWithinHours: t.arg.int({
        required: true,
        defaultValue: 168,
        description: 'With RECORDED: cleared alerts of the last this many hours (0-8760).',
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async (): Promise<MetricAlert[]> => {
        const modelId = args.modelId
          ? decodeIdOf(String(args.modelId), ['Model'], ['modelId']).id
          : null;
        if (args.source === 'RECORDED') {
          return recordedAlertsOf(context.deps, context.viewer, {
            at: args.at ?? requestNow(context),
            clearedWithinHours: args.clearedWithinHours,
            modelId,
          });
        }
        return findMetricAlerts(context.deps, context.viewer, {
          modelId,
          at: args.at ?? requestNow(context),
          recentHours: args.recentHours,
          baselineHours: args.baselineHours,
          alpha: args.alpha,
          minSamples: args.minSamples,
        });
      }),
  }),
);

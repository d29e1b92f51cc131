import { requireBucketSpan, requireRange } from '../../registry/metrics/metrics.service.ts';
import { type CostForecast, forecastCosts } from '../../registry/usage/analysis.service.ts';
import { builder } from '../builder.ts';
import { keyedLoader, requestNow } from '../lib/range-loaders.ts';
import { reportLoader, ruleLoader, trendLoader } from '../lib/usage-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { AutoPromotionRuleRef } from '../objects/AutoPromotionRule.ts';
import { CostForecastRef } from '../objects/CostForecast.ts';
import { GranularityEnum } from '../objects/MetricStats.ts';
import { RoiRef } from '../objects/ModelRoi.ts';
import { ModelRef } from '../objects/refs.ts';
import { UsageReportRef, UsageTrendPointRef } from '../objects/UsageReport.ts';

builder.objectFields(ModelRef, (t) => ({
  usage: t.field({
    type: UsageReportRef,
    description:
      'LLM usage of this model over [from, to) (default: the last 30 days). Batched across a list.',
    args: {
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (model, args, context) =>
      withUserErrors(async () =>
        reportLoader(context, requireRange(args.from, args.to, [], requestNow(context))).load(
          model.id,
        ),
      ),
  }),
  usageTrends: t.field({
    type: [UsageTrendPointRef],
    description: 'LLM usage of this model in time buckets over [from, to), oldest first.',
    args: {
      granularity: t.arg({ type: GranularityEnum, required: true, description: 'Bucket width.' }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (model, args, context) =>
      withUserErrors(async () => {
        const range = requireRange(args.from, args.to, [], requestNow(context));
        requireBucketSpan(args.granularity, range, ['granularity']);
        return trendLoader(context, range, args.granularity).load(model.id);
      }),
  }),
  roi: t.field({
    type: RoiRef,
    description: 'Quality per dollar and cost per successful request over [from, to).',
    args: {
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (model, args, context) =>
      withUserErrors(async () =>
        reportLoader(context, requireRange(args.from, args.to, [], requestNow(context))).load(
          model.id,
        ),
      ),
  }),
  costForecast: t.field({
    type: CostForecastRef,
    description:
      'The next days’ spend from the trend of the last historyDays, with a 95% interval, and when a monthly budget would be passed.',
    args: {
      days: t.arg.int({
        required: true,
        defaultValue: 30,
        description: 'Days to forecast (1-365).',
      }),
      historyDays: t.arg.int({
        required: true,
        defaultValue: 30,
        description: 'Complete days of history to fit (3-365).',
      }),
      monthlyBudgetUsd: t.arg.float({
        description: 'A monthly budget in USD, to find when it is passed.',
      }),
      at: t.arg({ type: 'DateTime', description: 'Forecast as of this time (default now).' }),
    },
    resolve: (model, args, context) =>
      withUserErrors(async () => {
        const options = {
          at: args.at ?? requestNow(context),
          historyDays: args.historyDays,
          horizonDays: args.days,
          monthlyBudgetUsd: args.monthlyBudgetUsd ?? null,
        };
        const key = `forecast:${options.at.toISOString()}:${options.historyDays}:${options.horizonDays}:${options.monthlyBudgetUsd}`;
        return keyedLoader<CostForecast>(context, key, (ids) =>
          forecastCosts(context.db, context.viewer.orgId, ids, {
            ...options,
            source: context.deps.config.usageSource,
          }),
        ).load(model.id);
      }),
  }),
  autoPromotionRule: t.field({
    type: AutoPromotionRuleRef,
    nullable: true,
    description: 'The model’s automatic promotion rule, if one is set.',
    resolve: (model, _args, context) => ruleLoader(context).load(model.id),
  }),
}));

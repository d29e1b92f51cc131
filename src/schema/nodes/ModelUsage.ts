// LLM usage on Model (fields added from here, not from Model.ts), and the root fields for A/B
// comparison, the cost/quality frontier and the price table.
import type { Context } from '../../context.ts';
import { decodeIdOf } from '../../global-id.ts';
import { requireBucketSpan, requireRange } from '../../registry/metrics/metrics.service.ts';
import {
  type Distribution,
  EMPTY_DISTRIBUTION,
  type Granularity,
  type TimeRange,
} from '../../registry/metrics/metrics.ts';
import {
  type CostForecast,
  compareArms,
  forecastCosts,
  paretoFrontier,
  usageReports,
} from '../../registry/usage/analysis.service.ts';
import { requireVisibleIds, resolveArms } from '../../registry/usage/arms.service.ts';
import {
  type BreakdownColumn,
  findPricePage,
  findRulesByModelIds,
} from '../../registry/usage/usage.repository.ts';
import {
  type AutoPromotionRule,
  toAutoPromotionRule,
  toModelPrice,
  type UsageReport,
  type UsageTotals,
} from '../../registry/usage/usage.ts';
import { USAGE_READS } from '../../registry/usage/usage-source.ts';
import { builder } from '../builder.ts';
import { idOrderedConnection } from '../lib/lists.ts';
import { keyedLoader, requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { AbObjectiveEnum, AbTestReportRef, ArmKindEnum } from '../objects/AbTest.ts';
import { GranularityEnum, MetricStatsRef } from '../objects/MetricStats.ts';
import { ModelRef } from '../objects/refs.ts';
import {
  AutoPromotionRuleRef,
  CostForecastRef,
  DeploymentUsageRef,
  ModelPriceRef,
  ProviderUsageRef,
  RoiFrontierRef,
  RoiRef,
  UsageTotalsInterface,
  UsageTrendPointRef,
} from '../objects/UsageReport.ts';

/** Models in one roiFrontier. */
const MAX_FRONTIER_MODELS = 50;

const rangeKey = (range: TimeRange) => `${range.from}:${range.to}`;

function reportLoader(context: Context, range: TimeRange) {
  return keyedLoader<UsageReport>(context, `usage:${rangeKey(range)}`, (ids) =>
    usageReports(context.db, context.viewer.orgId, ids, range, context.deps.config.usageSource, {
      latency: false,
    }),
  );
}

/** Exact latency distributions (histogram-guided, or raw), only when a query selects them. */
function latencyLoader(context: Context, range: TimeRange) {
  return keyedLoader<Distribution>(context, `usageLatency:${rangeKey(range)}`, async (ids) => {
    const byModel = await USAGE_READS[context.deps.config.usageSource].latency(
      context.db,
      context.viewer.orgId,
      ids,
      range,
    );
    return ids.map((id) => byModel.get(id) ?? EMPTY_DISTRIBUTION);
  });
}

function breakdownLoader(context: Context, range: TimeRange, by: BreakdownColumn) {
  return keyedLoader<{ key: string | null; totals: UsageTotals }[]>(
    context,
    `usageBy:${by}:${rangeKey(range)}`,
    async (ids) => {
      const rows = await USAGE_READS[context.deps.config.usageSource].breakdowns(
        context.db,
        context.viewer.orgId,
        ids,
        range,
        by,
      );
      return ids.map((id) => rows.filter((row) => row.modelId === id));
    },
  );
}

function trendLoader(context: Context, range: TimeRange, granularity: Granularity) {
  return keyedLoader<{ start: Date; totals: UsageTotals }[]>(
    context,
    `usageTrends:${granularity}:${rangeKey(range)}`,
    async (ids) => {
      const rows = await USAGE_READS[context.deps.config.usageSource].trends(
        context.db,
        context.viewer.orgId,
        ids,
        range,
        granularity,
      );
      return ids.map((id) =>
        rows
          .filter((row) => row.modelId === id)
          .map((row) => ({ start: new Date(row.start), totals: row.totals })),
      );
    },
  );
}

function ruleLoader(context: Context) {
  return keyedLoader<AutoPromotionRule | null>(context, 'autoPromotionRule', async (ids) => {
    const rows = await findRulesByModelIds(context.db, context.viewer.orgId, ids);
    const byId = new Map(rows.map((row) => [row.model_id, toAutoPromotionRule(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const UsageReportRef = builder.objectRef<UsageReport>('UsageReport');
UsageReportRef.implement({
  description:
    'A model’s LLM usage over [from, to): exact over the stored requests. Costs count priced requests only; unpricedRequests says how many had no price.',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Start (inclusive).', resolve: (r) => r.from }),
    to: t.field({ type: 'DateTime', description: 'End (exclusive).', resolve: (r) => r.to }),
    latency: t.field({
      type: MetricStatsRef,
      description: 'Exact latency statistics in milliseconds (p50, p95, p99...).',
      resolve: (r, _args, context) =>
        r.latency ??
        latencyLoader(context, { from: r.from.toISOString(), to: r.to.toISOString() }).load(
          r.modelId,
        ),
    }),
    byProvider: t.field({
      type: [ProviderUsageRef],
      description: 'The same figures per provider, busiest first.',
      resolve: (r, _args, context) =>
        breakdownLoader(
          context,
          { from: r.from.toISOString(), to: r.to.toISOString() },
          'provider',
        ).load(r.modelId),
    }),
    byDeployment: t.field({
      type: [DeploymentUsageRef],
      description: 'The same figures per deployment (null: none named), busiest first.',
      resolve: (r, _args, context) =>
        breakdownLoader(
          context,
          { from: r.from.toISOString(), to: r.to.toISOString() },
          'deployment_id',
        ).load(r.modelId),
    }),
  }),
});

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

builder.queryField('abTestCompare', (t) =>
  t.field({
    type: AbTestReportRef,
    description:
      'Compares LLM requests arm by arm over [from, to): an experiment’s requests (arms by model or version), or the requests of given models or versions. Per arm: counts, mean quality with a 95% CI, latency p50/p95, mean cost; per pair: Welch’s t-test of quality and latency, a two-proportion z-test of error rates; a verdict and the sample size still needed.',
    args: {
      experimentId: t.arg.id({ description: 'Compare this experiment’s requests.' }),
      modelIds: t.arg.idList({ description: 'Or: each of these models (2-20) is an arm.' }),
      versionIds: t.arg.idList({ description: 'Or: each of these versions (2-20) is an arm.' }),
      armsBy: t.arg({
        type: ArmKindEnum,
        required: true,
        defaultValue: 'MODEL',
        description: 'With experimentId: whether models or versions are the arms.',
      }),
      objective: t.arg({
        type: AbObjectiveEnum,
        required: true,
        defaultValue: 'QUALITY',
        description: 'What the verdict maximises.',
      }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
      alpha: t.arg.float({
        required: true,
        defaultValue: 0.05,
        description: 'Significance level (two-sided), between 0 and 0.5.',
      }),
      power: t.arg.float({
        required: true,
        defaultValue: 0.8,
        description: 'Power for the sample size still needed, between 0.5 and 1.',
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const { arms, kind } = await resolveArms(context.db, context.viewer.orgId, {
          experimentId: args.experimentId == null ? null : String(args.experimentId),
          modelIds: args.modelIds?.map(String) ?? null,
          versionIds: args.versionIds?.map(String) ?? null,
          armsBy: args.armsBy,
          decode: (id, kind, path) => decodeIdOf(id, [kind], path).id,
        });
        const report = await compareArms(context.db, context.viewer.orgId, {
          arms,
          range: requireRange(args.from, args.to, [], requestNow(context)),
          alpha: args.alpha,
          power: args.power,
          objective: args.objective,
          source: context.deps.config.usageSource,
        });
        return { ...report, kind };
      }),
  }),
);

builder.queryField('roiFrontier', (t) =>
  t.field({
    type: RoiFrontierRef,
    description:
      'The cost/quality Pareto frontier of a set of models over [from, to), and the cheapest model within qualityTolerance of the best quality.',
    args: {
      modelIds: t.arg.idList({ required: true, description: 'Global IDs of 1 to 50 models.' }),
      qualityTolerance: t.arg.float({
        required: true,
        defaultValue: 0,
        description: 'How far below the best mean quality still counts as good enough.',
      }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const ids = await requireVisibleIds(
          context.db,
          context.viewer.orgId,
          {
            ids: args.modelIds.map(String),
            kind: 'Model',
            argument: 'modelIds',
            max: MAX_FRONTIER_MODELS,
          },
          (id, kind, path) => decodeIdOf(id, [kind], path).id,
        );
        const reports = await usageReports(
          context.db,
          context.viewer.orgId,
          ids,
          requireRange(args.from, args.to, [], requestNow(context)),
          context.deps.config.usageSource,
          { latency: false },
        );
        return paretoFrontier(reports, args.qualityTolerance);
      }),
  }),
);

builder.queryField('prices', (t) =>
  t.connection(
    {
      type: ModelPriceRef,
      description: 'The price table of your organization, oldest entry first.',
      args: { provider: t.arg.string({ description: 'Only this provider’s prices.' }) },
      resolve: (_root, args, context) =>
        idOrderedConnection(
          args,
          (page) =>
            findPricePage(
              context.db,
              context.viewer.orgId,
              args.provider?.toLowerCase() ?? null,
              page,
            ),
          toModelPrice,
        ),
    },
    { name: 'ModelPriceConnection', description: 'A page of prices.' },
    { name: 'ModelPriceEdge', description: 'A ModelPrice in a page.' },
  ),
);

// Per-request DataLoaders of a model's LLM usage, keyed by time range (and breakdown or granularity).
import type { Context } from '../../context.ts';
import {
  type Distribution,
  EMPTY_DISTRIBUTION,
  type Granularity,
  type TimeRange,
} from '../../registry/metrics/metrics.ts';
import { usageReports } from '../../registry/usage/analysis.service.ts';
import {
  type BreakdownColumn,
  findRulesByModelIds,
} from '../../registry/usage/usage.repository.ts';
import {
  type AutoPromotionRule,
  toAutoPromotionRule,
  type UsageReport,
  type UsageTotals,
} from '../../registry/usage/usage.ts';
import { USAGE_READS } from '../../registry/usage/usage-source.ts';
import { keyedLoader } from '../lib/range-loaders.ts';

const rangeKey = (range: TimeRange) => `${range.from}:${range.to}`;

export function reportLoader(context: Context, range: TimeRange) {
  return keyedLoader<UsageReport>(context, `usage:${rangeKey(range)}`, (ids) =>
    usageReports(context.db, context.viewer.orgId, ids, range, context.deps.config.usageSource, {
      latency: false,
    }),
  );
}

/** Exact latency distributions (histogram-guided, or raw), only when a query selects them. */
export function latencyLoader(context: Context, range: TimeRange) {
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

export function breakdownLoader(context: Context, range: TimeRange, by: BreakdownColumn) {
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

export function trendLoader(context: Context, range: TimeRange, granularity: Granularity) {
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

export function ruleLoader(context: Context) {
  return keyedLoader<AutoPromotionRule | null>(context, 'autoPromotionRule', async (ids) => {
    const rows = await findRulesByModelIds(context.db, context.viewer.orgId, ids);
    const byId = new Map(rows.map((row) => [row.model_id, toAutoPromotionRule(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

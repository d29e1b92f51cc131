// Per-request DataLoaders of a model's LLM usage, keyed by time range (and breakdown or granularity).
import type { Context } from '../../context.ts';
import type { Distribution, Granularity, TimeRange } from '../../registry/metrics/metrics.ts';
import { usageReports } from '../../registry/usage/analysis.service.ts';
import type {
  AutoPromotionRule,
  BreakdownColumn,
  UsageReport,
  UsageTotals,
} from '../../registry/usage/usage.ts';
import {
  autoPromotionRulesOf,
  usageBreakdownsOf,
  usageLatencyOf,
  usageTrendsOf,
} from '../../registry/usage/usage-read.service.ts';
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
  return keyedLoader<Distribution>(context, `usageLatencyOf:${rangeKey(range)}`, (ids) =>
    usageLatencyOf(context.deps, context.viewer, ids, range),
  );
}

export function breakdownLoader(context: Context, range: TimeRange, by: BreakdownColumn) {
  return keyedLoader<{ key: string | null; totals: UsageTotals }[]>(
    context,
    `usageBy:${by}:${rangeKey(range)}`,
    (ids) => usageBreakdownsOf(context.deps, context.viewer, ids, range, by),
  );
}

export function trendLoader(context: Context, range: TimeRange, granularity: Granularity) {
  return keyedLoader<{ start: Date; totals: UsageTotals }[]>(
    context,
    `usageTrends:${granularity}:${rangeKey(range)}`,
    (ids) => usageTrendsOf(context.deps, context.viewer, ids, range, granularity),
  );
}

export function ruleLoader(context: Context) {
  return keyedLoader<AutoPromotionRule | null>(context, 'autoPromotionRule', (ids) =>
    autoPromotionRulesOf(context.deps, context.viewer, ids),
  );
}

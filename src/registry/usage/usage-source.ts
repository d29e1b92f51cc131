// Where usage figures are read from: the hourly rollup and latency histogram (default) or the raw
// requests. The raw reads are the reference the rollup and histogram are tested against;
// USAGE_ROLLUP=off (a Worker variable) serves them, which is how the usage benchmark measures before
// and after in one run.
import { histogramArmLatency, histogramModelLatency } from './latency.repository.ts';
import {
  rollupArmMoments,
  rollupDailyCosts,
  rollupUsageBreakdowns,
  rollupUsageTotals,
  rollupUsageTrends,
} from './rollup.repository.ts';
import {
  findArmLatencyDistributions,
  findArmMoments,
  findDailyCosts,
  findLatencyDistributions,
  findUsageBreakdowns,
  findUsageTotals,
  findUsageTrends,
} from './usage.repository.ts';

export const USAGE_SOURCES = ['ROLLUP', 'RAW'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

/** The same reads from either source (same arguments, same results). */
export const USAGE_READS = {
  ROLLUP: {
    totals: rollupUsageTotals,
    breakdowns: rollupUsageBreakdowns,
    trends: rollupUsageTrends,
    armMoments: rollupArmMoments,
    dailyCosts: rollupDailyCosts,
    latency: histogramModelLatency,
    armLatency: histogramArmLatency,
  },
  RAW: {
    totals: findUsageTotals,
    breakdowns: findUsageBreakdowns,
    trends: findUsageTrends,
    armMoments: findArmMoments,
    dailyCosts: findDailyCosts,
    latency: findLatencyDistributions,
    armLatency: findArmLatencyDistributions,
  },
} as const;

/** ROLLUP unless the Worker variable USAGE_ROLLUP is "off". */
export function usageSourceOf(env: unknown): UsageSource {
  const value = (env as { USAGE_ROLLUP?: unknown } | null)?.USAGE_ROLLUP;
  return typeof value === 'string' && value.trim().toLowerCase() === 'off' ? 'RAW' : 'ROLLUP';
}

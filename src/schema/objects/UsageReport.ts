// A model's LLM usage over a range (Model.usage), and the figures every usage breakdown shares.
import { costPer1kTokens, meanCost } from '../../registry/usage/analysis.service.ts';
import type { UsageReport, UsageTotals } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { breakdownLoader, latencyLoader } from '../lib/usage-loaders.ts';
import { MetricStatsRef } from './MetricStats.ts';
import { DeploymentRef } from './refs.ts';

export interface UsageGroup {
  totals: UsageTotals;
}

/** The totals every usage figure shares; each implementing type inherits these resolvers. */
export const UsageTotalsInterface = builder.interfaceRef<UsageGroup>('UsageFigures').implement({
  description: 'Request, token, cost and quality totals of a set of LLM requests.',
  fields: (t) => {
    const int = (description: string, get: (totals: UsageTotals) => number) =>
      t.int({ description, resolve: (parent) => get(parent.totals) });
    const float = (description: string, get: (totals: UsageTotals) => number | null) =>
      t.float({ nullable: true, description, resolve: (parent) => get(parent.totals) });
    return {
      requests: int('Requests recorded.', (x) => x.requests),
      successfulRequests: int('Requests with status SUCCESS.', (x) => x.successfulRequests),
      errorRequests: int('Requests with status ERROR.', (x) => x.errorRequests),
      inputTokens: int('Input tokens, cached ones included.', (x) => x.inputTokens),
      outputTokens: int('Output tokens, reasoning ones included.', (x) => x.outputTokens),
      cachedTokens: int('Input tokens served from the provider’s cache.', (x) => x.cachedTokens),
      reasoningTokens: int('Output tokens spent on reasoning.', (x) => x.reasoningTokens),
      totalTokens: int('Input plus output tokens.', (x) => x.inputTokens + x.outputTokens),
      totalCostUsd: float(
        'Cost of the priced requests, in USD; null when none is priced (never a silent $0).',
        (x) => x.totalCostUsd,
      ),
      meanCostUsd: float('Mean cost of a priced request, in USD.', meanCost),
      costPer1kTokens: float(
        'Cost per 1,000 tokens (input + output) of the priced requests, in USD.',
        costPer1kTokens,
      ),
      pricedRequests: int(
        'Requests with a cost (given or from the price table).',
        (x) => x.pricedRequests,
      ),
      unpricedRequests: int(
        'Requests without a cost: none given and no price matched. Not counted in any cost.',
        (x) => x.unpricedRequests,
      ),
      meanLatencyMs: float('Mean latency in milliseconds.', (x) => x.meanLatencyMs),
      meanQuality: float('Mean quality score of the scored requests.', (x) => x.meanQuality),
      qualityScoredRequests: int('Requests with a quality score.', (x) => x.qualityScored),
    };
  },
});

export const ProviderUsageRef = builder.objectRef<UsageGroup & { key: string | null }>(
  'ProviderUsage',
);
ProviderUsageRef.implement({
  description: 'Usage of one provider.',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    provider: t.string({ description: 'The provider, lowercase.', resolve: (g) => g.key ?? '' }),
  }),
});

export const DeploymentUsageRef = builder.objectRef<UsageGroup & { key: string | null }>(
  'DeploymentUsage',
);
DeploymentUsageRef.implement({
  description: 'Usage through one deployment (or with none named).',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    deployment: t.field({
      type: DeploymentRef,
      nullable: true,
      description: 'The deployment; null for requests that named none.',
      resolve: (g) => g.key,
    }),
  }),
});

export const UsageTrendPointRef = builder.objectRef<UsageGroup & { start: Date }>(
  'UsageTrendPoint',
);
UsageTrendPointRef.implement({
  description: 'Usage in one time bucket; buckets without requests are left out.',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    start: t.field({
      type: 'DateTime',
      description: 'Start of the bucket (UTC).',
      resolve: (p) => p.start,
    }),
  }),
});

export const UsageReportRef = builder.objectRef<UsageReport>('UsageReport');
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

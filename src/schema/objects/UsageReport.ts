import {
  type CostForecast,
  costPer1kTokens,
  costPerSuccessfulRequest,
  type FrontierEntry,
  meanCost,
  qualityPerDollar,
  type RoiFrontier,
} from '../../registry/usage/analysis.service.ts';
import type {
  AutoPromotionRule,
  InferenceRequest,
  ModelPrice,
  UsageTotals,
} from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { DeploymentRef, ExperimentRef, ModelRef, ModelVersionRef } from './refs.ts';

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

export const InferenceStatusEnum = builder.enumType('InferenceStatus', {
  description: 'How an LLM request ended.',
  values: {
    SUCCESS: { value: 'SUCCESS', description: 'The provider answered.' },
    ERROR: { value: 'ERROR', description: 'The request failed (error, timeout, refusal).' },
  } as const,
});

const CostSourceEnum = builder.enumType('CostSource', {
  description: 'Where a request’s cost came from.',
  values: {
    PROVIDED: { value: 'PROVIDED', description: 'Sent with the request.' },
    PRICE_TABLE: { value: 'PRICE_TABLE', description: 'Computed from the price table.' },
  } as const,
});

export const InferenceRequestRef = builder.objectRef<InferenceRequest>('InferenceRequest');
InferenceRequestRef.implement({
  description: 'One recorded LLM request.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The request’s id (UUIDv7).' }),
    model: t.field({
      type: ModelRef,
      description: 'The registered model.',
      resolve: (r) => r.modelId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version, when given.',
      resolve: (r) => r.versionId,
    }),
    deployment: t.field({
      type: DeploymentRef,
      nullable: true,
      description: 'The deployment that served it, when given.',
      resolve: (r) => r.deploymentId,
    }),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'The A/B experiment it belongs to, when given.',
      resolve: (r) => r.experimentId,
    }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    providerModel: t.exposeString('providerModel', { description: 'The provider’s model name.' }),
    latencyMs: t.exposeFloat('latencyMs', { description: 'Latency in milliseconds.' }),
    inputTokens: t.exposeInt('inputTokens', { description: 'Input tokens, cached ones included.' }),
    outputTokens: t.exposeInt('outputTokens', {
      description: 'Output tokens, reasoning ones included.',
    }),
    cachedTokens: t.exposeInt('cachedTokens', { description: 'Cached input tokens.' }),
    reasoningTokens: t.exposeInt('reasoningTokens', { description: 'Reasoning output tokens.' }),
    costUsd: t.exposeFloat('costUsd', {
      nullable: true,
      description: 'Cost in USD; null when unpriced (never $0 for unknown).',
    }),
    costSource: t.field({
      type: CostSourceEnum,
      nullable: true,
      description: 'Where the cost came from; null when unpriced.',
      resolve: (r) => r.costSource,
    }),
    quality: t.exposeFloat('quality', {
      nullable: true,
      description: 'Quality score, when given.',
    }),
    status: t.field({
      type: InferenceStatusEnum,
      description: 'How it ended.',
      resolve: (r) => r.status,
    }),
    idempotencyKey: t.exposeString('idempotencyKey', {
      nullable: true,
      description: 'The client’s idempotency key, when given.',
    }),
    requestedAt: t.field({
      type: 'DateTime',
      description: 'When the request was made.',
      resolve: (r) => r.requestedAt,
    }),
  }),
});

export const ModelPriceRef = builder.objectRef<ModelPrice>('ModelPrice');
ModelPriceRef.implement({
  description:
    'A price per million tokens for a provider’s models matching a pattern, from a date on. The newest effective price of the most specific matching pattern applies.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The price row’s id.' }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    modelPattern: t.exposeString('modelPattern', {
      description: 'Provider model names it applies to: a GLOB (`*` any run, `?` one character).',
    }),
    inputPerMillion: t.exposeFloat('inputPerMillion', {
      description: 'USD per million input tokens.',
    }),
    outputPerMillion: t.exposeFloat('outputPerMillion', {
      description: 'USD per million output tokens.',
    }),
    cachedInputPerMillion: t.exposeFloat('cachedInputPerMillion', {
      nullable: true,
      description: 'USD per million cached input tokens; null: the input price.',
    }),
    reasoningPerMillion: t.exposeFloat('reasoningPerMillion', {
      nullable: true,
      description: 'USD per million reasoning tokens; null: the output price.',
    }),
    effectiveFrom: t.field({
      type: 'DateTime',
      description: 'Requests at or after this time use this price.',
      resolve: (p) => p.effectiveFrom,
    }),
  }),
});

export const RoiRef = builder.objectRef<UsageGroup>('ModelRoi');
RoiRef.implement({
  description: 'Return on spend of a model over a range.',
  fields: (t) => ({
    qualityPerDollar: t.float({
      nullable: true,
      description: 'Mean quality divided by mean cost (USD), over requests with both.',
      resolve: (r) => qualityPerDollar(r.totals),
    }),
    costPerSuccessfulRequest: t.float({
      nullable: true,
      description:
        'All priced cost (failures are paid for too) divided by the successful priced requests, in USD.',
      resolve: (r) => costPerSuccessfulRequest(r.totals),
    }),
    meanQuality: t.float({
      nullable: true,
      description: 'Mean quality over requests with a quality and a cost.',
      resolve: (r) => r.totals.roiMeanQuality,
    }),
    meanCostUsd: t.float({
      nullable: true,
      description: 'Mean cost over requests with a quality and a cost.',
      resolve: (r) => r.totals.roiMeanCostUsd,
    }),
    requests: t.int({
      description: 'Requests with both a quality score and a cost: the base of these figures.',
      resolve: (r) => r.totals.roiRequests,
    }),
    unpricedRequests: t.int({
      description: 'Requests left out for want of a cost.',
      resolve: (r) => r.totals.unpricedRequests,
    }),
  }),
});

const FrontierEntryRef = builder.objectRef<FrontierEntry>('RoiFrontierEntry');
FrontierEntryRef.implement({
  description: 'One model on the cost/quality plane.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (e) => e.modelId }),
    meanQuality: t.exposeFloat('meanQuality', {
      nullable: true,
      description: 'Mean quality over requests with a quality and a cost.',
    }),
    meanCostUsd: t.exposeFloat('meanCostUsd', {
      nullable: true,
      description: 'Mean cost over the same requests.',
    }),
    qualityPerDollar: t.exposeFloat('qualityPerDollar', {
      nullable: true,
      description: 'meanQuality / meanCostUsd.',
    }),
    requests: t.exposeInt('requests', { description: 'Requests with a quality and a cost.' }),
    onFrontier: t.exposeBoolean('onFrontier', {
      description: 'No other model is at least as good and at most as costly, one strictly.',
    }),
  }),
});

export const RoiFrontierRef = builder.objectRef<RoiFrontier>('RoiFrontier');
RoiFrontierRef.implement({
  description: 'The cost/quality Pareto frontier of a set of models.',
  fields: (t) => ({
    entries: t.field({
      type: [FrontierEntryRef],
      description: 'Every model asked for, in the order given.',
      resolve: (f) => f.entries,
    }),
    frontier: t.field({
      type: [FrontierEntryRef],
      description: 'The models on the frontier, cheapest first.',
      resolve: (f) =>
        f.entries
          .filter((e) => e.onFrontier)
          .sort(
            (a, b) =>
              (a.meanCostUsd ?? 0) - (b.meanCostUsd ?? 0) || a.modelId.localeCompare(b.modelId),
          ),
    }),
    bestQuality: t.exposeFloat('bestQuality', {
      nullable: true,
      description: 'The best mean quality among the models.',
    }),
    qualityTolerance: t.exposeFloat('qualityTolerance', {
      description: 'The tolerance asked for.',
    }),
    cheapestWithinTolerance: t.field({
      type: ModelRef,
      nullable: true,
      description: 'The cheapest model whose mean quality is within the tolerance of the best.',
      resolve: (f) => f.cheapestWithinTolerance,
    }),
  }),
});

const DailyCostRef = builder.objectRef<CostForecast['daily'][number]>('DailyCost');
DailyCostRef.implement({
  description: 'Spend on one UTC day.',
  fields: (t) => ({
    day: t.exposeString('day', { description: 'The day, YYYY-MM-DD.' }),
    costUsd: t.exposeFloat('costUsd', { description: 'Priced spend that day, in USD.' }),
    requests: t.exposeInt('requests', { description: 'Requests that day.' }),
    unpricedRequests: t.exposeInt('unpricedRequests', { description: 'Of which unpriced.' }),
  }),
});

export const CostForecastRef = builder.objectRef<CostForecast>('CostForecast');
CostForecastRef.implement({
  description:
    'Spend forecast from a least-squares trend of daily spend, with a 95% prediction interval. Unpriced requests are not in it; see unpricedRequests.',
  fields: (t) => ({
    historyFrom: t.field({
      type: 'DateTime',
      description: 'First day of the history.',
      resolve: (f) => f.historyFrom,
    }),
    historyTo: t.field({
      type: 'DateTime',
      description: 'End of the history (today, 00:00 UTC).',
      resolve: (f) => f.historyTo,
    }),
    horizonDays: t.exposeInt('horizonDays', { description: 'Days forecast, from today.' }),
    daily: t.field({
      type: [DailyCostRef],
      description: 'The history, day by day.',
      resolve: (f) => f.daily,
    }),
    trendPerDayUsd: t.exposeFloat('trendPerDayUsd', {
      nullable: true,
      description: 'Slope of the trend: change in daily spend per day.',
    }),
    forecastUsd: t.exposeFloat('forecastUsd', {
      nullable: true,
      description: 'Forecast spend over the horizon.',
    }),
    forecastLowUsd: t.exposeFloat('forecastLowUsd', {
      nullable: true,
      description: 'Lower 95% bound.',
    }),
    forecastHighUsd: t.exposeFloat('forecastHighUsd', {
      nullable: true,
      description: 'Upper 95% bound.',
    }),
    unpricedRequests: t.exposeInt('unpricedRequests', {
      description: 'Unpriced requests in the history.',
    }),
    monthlyBudgetUsd: t.exposeFloat('monthlyBudgetUsd', {
      nullable: true,
      description: 'The budget asked about.',
    }),
    monthToDateUsd: t.exposeFloat('monthToDateUsd', {
      description: 'Spend this calendar month before today.',
    }),
    budgetCrossedOn: t.exposeString('budgetCrossedOn', {
      nullable: true,
      description:
        'The first day (YYYY-MM-DD) a calendar month’s spend passes the budget at the trend; null if not within the horizon.',
    }),
  }),
});

const PromotionObjectiveEnumValues = {
  QUALITY_PER_DOLLAR: {
    value: 'QUALITY_PER_DOLLAR' as const,
    description: 'Highest mean quality per dollar (per request: quality / cost).',
  },
  QUALITY_UNDER_CEILINGS: {
    value: 'QUALITY_UNDER_CEILINGS' as const,
    description:
      'Highest mean quality among versions under the p95 latency and mean cost ceilings.',
  },
};

export const PromotionObjectiveEnum = builder.enumType('PromotionObjective', {
  description: 'What an automatic promotion rule maximises.',
  values: PromotionObjectiveEnumValues,
});

export const AutoPromotionRuleRef = builder.objectRef<AutoPromotionRule>('AutoPromotionRule');
AutoPromotionRuleRef.implement({
  description: 'A model’s opt-in rule for promoting the significantly best version automatically.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (r) => r.modelId }),
    objective: t.field({
      type: PromotionObjectiveEnum,
      description: 'What is maximised.',
      resolve: (r) => r.objective,
    }),
    significanceLevel: t.exposeFloat('significanceLevel', {
      description: 'Alpha of the tests (Bonferroni-adjusted over the comparisons).',
    }),
    minSamples: t.exposeInt('minSamples', {
      description: 'Requests each version needs to take part.',
    }),
    maxLatencyMs: t.exposeFloat('maxLatencyMs', {
      nullable: true,
      description: 'p95 latency ceiling.',
    }),
    maxCostUsd: t.exposeFloat('maxCostUsd', {
      nullable: true,
      description: 'Mean cost ceiling per request.',
    }),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'Only requests of this experiment count, when set.',
      resolve: (r) => r.experimentId,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether runs may promote.' }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'Last change.',
      resolve: (r) => r.updatedAt,
    }),
  }),
});

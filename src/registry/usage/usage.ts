import type { Distribution } from '../metrics/metrics.ts';
import type {
  AutoPromotionRuleTable,
  InferenceRequestTable,
  InferenceScoreTable,
  ModelPriceTable,
  ProviderModelMapTable,
  UnmatchedInferenceTable,
} from './usage.table.ts';

export const INFERENCE_STATUSES = ['SUCCESS', 'ERROR'] as const;
export type InferenceStatus = (typeof INFERENCE_STATUSES)[number];

export type CostSource = 'PROVIDED' | 'PRICE_TABLE';

export interface InferenceRequest {
  kind: 'InferenceRequest';
  id: string;
  modelId: string;
  versionId: string | null;
  deploymentId: string | null;
  experimentId: string | null;
  provider: string;
  providerModel: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Null: unpriced (no cost given and no price matched); never reported as $0. */
  costUsd: number | null;
  costSource: CostSource | null;
  priceId: string | null;
  quality: number | null;
  status: InferenceStatus;
  idempotencyKey: string | null;
  requestedAt: Date;
  createdAt: Date;
  traceId: string | null;
  spanId: string | null;
  tokenId: string | null;
  endUserId: string | null;
}

export function toInferenceRequest(row: InferenceRequestTable): InferenceRequest {
  return {
    kind: 'InferenceRequest',
    id: row.id,
    modelId: row.model_id,
    versionId: row.version_id,
    deploymentId: row.deployment_id,
    experimentId: row.experiment_id,
    provider: row.provider,
    providerModel: row.provider_model,
    latencyMs: row.latency_ms,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedTokens: row.cached_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost_usd,
    costSource: row.cost_source as CostSource | null,
    priceId: row.price_id,
    quality: row.quality,
    status: row.status as InferenceStatus,
    idempotencyKey: row.idempotency_key,
    requestedAt: new Date(row.requested_at),
    createdAt: new Date(row.created_at),
    traceId: row.trace_id,
    spanId: row.span_id,
    tokenId: row.token_id,
    endUserId: row.end_user_id,
  };
}

export interface ModelPrice {
  kind: 'ModelPrice';
  id: string;
  provider: string;
  modelPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  reasoningPerMillion: number | null;
  effectiveFrom: Date;
  createdAt: Date;
}

export function toModelPrice(row: ModelPriceTable): ModelPrice {
  return {
    kind: 'ModelPrice',
    id: row.id,
    provider: row.provider,
    modelPattern: row.model_pattern,
    inputPerMillion: row.input_per_million,
    outputPerMillion: row.output_per_million,
    cachedInputPerMillion: row.cached_input_per_million,
    reasoningPerMillion: row.reasoning_per_million,
    effectiveFrom: new Date(row.effective_from),
    createdAt: new Date(row.created_at),
  };
}

/** A price pattern as a regular expression: GLOB semantics (`*` any run, `?` one character). */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
}

const isLiteral = (pattern: string) => !/[*?]/.test(pattern);

/**
 * How much more specific GLOB `a` is than `b` (positive: more): an exact name before any pattern,
 * then the longer pattern. Prices and provider model mappings pick by the same rule.
 */
export function patternSpecificity(a: string, b: string): number {
  const literal = (isLiteral(a) ? 1 : 0) - (isLiteral(b) ? 1 : 0);
  return literal !== 0 ? literal : a.length - b.length;
}

/**
 * The price of a request: among the provider's rows whose pattern matches the provider model name
 * and which took effect at or before the request, the most specific pattern (an exact name first,
 * then the longest pattern) and, of that pattern, the newest row. Null: unpriced.
 */
export function pickPrice(
  prices: readonly ModelPriceTable[],
  provider: string,
  providerModel: string,
  requestedAt: string,
): ModelPriceTable | null {
  let best: ModelPriceTable | null = null;
  for (const price of prices) {
    if (price.provider !== provider || price.effective_from > requestedAt) continue;
    if (!patternToRegExp(price.model_pattern).test(providerModel)) continue;
    if (!best) {
      best = price;
      continue;
    }
    const specificity = patternSpecificity(price.model_pattern, best.model_pattern);
    if (
      specificity > 0 ||
      (specificity === 0 &&
        (price.effective_from > best.effective_from ||
          (price.effective_from === best.effective_from && price.id > best.id)))
    ) {
      best = price;
    }
  }
  return best;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/**
 * Cost in USD. Input tokens include the cached ones and output tokens include the reasoning ones
 * (as OpenAI and Gemini report them); cached input is billed at the cached price and reasoning at
 * the reasoning price where the table has them, at the plain input/output price otherwise.
 */
export function computeCost(tokens: TokenCounts, price: ModelPriceTable): number {
  const cachedPrice = price.cached_input_per_million ?? price.input_per_million;
  const reasoningPrice = price.reasoning_per_million ?? price.output_per_million;
  return (
    ((tokens.inputTokens - tokens.cachedTokens) * price.input_per_million +
      tokens.cachedTokens * cachedPrice +
      (tokens.outputTokens - tokens.reasoningTokens) * price.output_per_million +
      tokens.reasoningTokens * reasoningPrice) /
    1_000_000
  );
}

/** Usage of one model (or a breakdown group, or a time bucket) over a range. */
export interface UsageTotals {
  requests: number;
  successfulRequests: number;
  errorRequests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Sum over priced requests only; null when none is priced. */
  totalCostUsd: number | null;
  pricedRequests: number;
  unpricedRequests: number;
  /** Tokens (input + output) of priced requests: the base of costPer1kTokens. */
  pricedTokens: number;
  meanLatencyMs: number | null;
  meanQuality: number | null;
  qualityScored: number;
  /** Means over requests that have both a quality score and a cost: the base of ROI. */
  roiRequests: number;
  roiMeanQuality: number | null;
  roiMeanCostUsd: number | null;
  pricedSuccessfulRequests: number;
}

export const EMPTY_TOTALS: UsageTotals = {
  requests: 0,
  successfulRequests: 0,
  errorRequests: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  totalCostUsd: null,
  pricedRequests: 0,
  unpricedRequests: 0,
  pricedTokens: 0,
  meanLatencyMs: null,
  meanQuality: null,
  qualityScored: 0,
  roiRequests: 0,
  roiMeanQuality: null,
  roiMeanCostUsd: null,
  pricedSuccessfulRequests: 0,
};

export interface UsageReport {
  modelId: string;
  from: Date;
  to: Date;
  totals: UsageTotals;
  /** Exact latency statistics; null when not read (usageReports with latency: false). */
  latency: Distribution | null;
}

export interface UsageBucket {
  start: Date;
  totals: UsageTotals;
}

export interface UsageBreakdown {
  key: string | null;
  totals: UsageTotals;
}

export const PROMOTION_OBJECTIVES = ['QUALITY_PER_DOLLAR', 'QUALITY_UNDER_CEILINGS'] as const;
export type PromotionObjective = (typeof PROMOTION_OBJECTIVES)[number];

export interface AutoPromotionRule {
  kind: 'AutoPromotionRule';
  modelId: string;
  objective: PromotionObjective;
  significanceLevel: number;
  minSamples: number;
  maxLatencyMs: number | null;
  maxCostUsd: number | null;
  experimentId: string | null;
  enabled: boolean;
  updatedAt: Date;
  updatedById: string | null;
}

export function toAutoPromotionRule(row: AutoPromotionRuleTable): AutoPromotionRule {
  return {
    kind: 'AutoPromotionRule',
    modelId: row.model_id,
    objective: row.objective as PromotionObjective,
    significanceLevel: row.significance_level,
    minSamples: row.min_samples,
    maxLatencyMs: row.max_latency_ms,
    maxCostUsd: row.max_cost_usd,
    experimentId: row.experiment_id,
    enabled: row.enabled === 1,
    updatedAt: new Date(row.updated_at),
    updatedById: row.updated_by,
  };
}

/** What usage can be broken down by, as a column of the requests. */
export type BreakdownColumn = 'provider' | 'deployment_id';

/** A provider model name (GLOB) standing for a registered model (providerModelMapSet). */
export interface ProviderModelMap {
  kind: 'ProviderModelMap';
  id: string;
  provider: string;
  providerModel: string;
  modelId: string;
  versionId: string | null;
  createdAt: Date;
}

export function toProviderModelMap(row: ProviderModelMapTable): ProviderModelMap {
  return {
    kind: 'ProviderModelMap',
    id: row.id,
    provider: row.provider,
    providerModel: row.provider_model,
    modelId: row.model_id,
    versionId: row.version_id,
    createdAt: new Date(row.created_at),
  };
}

/** Spans that mapped to no registered model, per provider model name (unmatchedUsage). */
export interface UnmatchedUsageGroup {
  provider: string;
  providerModel: string;
  spans: number;
  inputTokens: number;
  outputTokens: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** One unmatched span, as an example of what is missing a mapping. */
export interface UnmatchedInference {
  traceId: string;
  spanId: string;
  provider: string;
  providerModel: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  status: InferenceStatus;
  endUserId: string | null;
  requestedAt: Date;
}

export function toUnmatchedInference(row: UnmatchedInferenceTable): UnmatchedInference {
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    provider: row.provider,
    providerModel: row.provider_model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    latencyMs: row.latency_ms,
    status: row.status as InferenceStatus,
    endUserId: row.end_user_id,
    requestedAt: new Date(row.requested_at),
  };
}

export const SCORE_SOURCES = ['USER', 'MODEL_JUDGE', 'HUMAN_REVIEW'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];

/** A named score of a request, given after the fact (inferenceScore). */
export interface InferenceScore {
  id: string;
  requestId: string;
  name: string;
  value: number;
  comment: string | null;
  source: ScoreSource;
  createdAt: Date;
}

export function toInferenceScore(row: InferenceScoreTable): InferenceScore {
  return {
    id: row.id,
    requestId: row.request_id,
    name: row.name,
    value: row.value,
    comment: row.comment,
    source: row.source as ScoreSource,
    createdAt: new Date(row.created_at),
  };
}

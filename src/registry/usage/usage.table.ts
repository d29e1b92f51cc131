export interface InferenceRequestTable {
  id: string;
  org_id: string;
  model_id: string;
  version_id: string | null;
  deployment_id: string | null;
  experiment_id: string | null;
  provider: string;
  provider_model: string;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  cost_source: string | null;
  price_id: string | null;
  quality: number | null;
  status: string;
  idempotency_key: string | null;
  /** SHA-256 of the request without its key (0005_idempotency.sql); null on older rows. */
  request_hash: string | null;
  requested_at: string;
  created_at: string;
  created_by: string | null;
  /** The span the request was recorded from (migration 0013); null when sent without one. */
  trace_id: string | null;
  span_id: string | null;
  /** The API token that recorded it; null on older rows and for calls without a token row. */
  token_id: string | null;
  end_user_id: string | null;
}

/** Which registered model a provider model name (a GLOB) stands for (migration 0013). */
export interface ProviderModelMapTable {
  id: string;
  org_id: string;
  provider: string;
  provider_model: string;
  model_id: string;
  version_id: string | null;
  created_at: string;
  created_by: string | null;
}

/** A GenAI span's usage that mapped to no registered model (migration 0013). */
export interface UnmatchedInferenceTable {
  id: string;
  org_id: string;
  provider: string;
  provider_model: string;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  status: string;
  trace_id: string;
  span_id: string;
  token_id: string | null;
  end_user_id: string | null;
  requested_at: string;
  created_at: string;
  created_by: string | null;
}

export interface ModelPriceTable {
  id: string;
  org_id: string;
  provider: string;
  model_pattern: string;
  input_per_million: number;
  output_per_million: number;
  cached_input_per_million: number | null;
  reasoning_per_million: number | null;
  effective_from: string;
  created_at: string;
  created_by: string | null;
}

export interface AutoPromotionRuleTable {
  model_id: string;
  org_id: string;
  objective: string;
  significance_level: number;
  min_samples: number;
  max_latency_ms: number | null;
  max_cost_usd: number | null;
  experiment_id: string | null;
  enabled: number;
  updated_at: string;
  updated_by: string | null;
  /** When the scheduled job last evaluated the rule (migration 0006); null: not yet. */
  last_evaluated_at: string | null;
}

/** Hourly sums of inference_request, kept by triggers (migration 0006). '' stands for NULL ids. */
export interface UsageRollupHourlyTable {
  org_id: string;
  model_id: string;
  hour: string;
  version_id: string;
  provider: string;
  deployment_id: string;
  experiment_id: string;
  status: string;
  requests: number;
  error_count: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  priced_count: number;
  unpriced_count: number;
  priced_tokens: number;
  cost_sum: number;
  cost_sumsq: number;
  quality_count: number;
  quality_sum: number;
  quality_sumsq: number;
  latency_count: number;
  latency_sum: number;
  latency_sumsq: number;
  roi_count: number;
  roi_quality_sum: number;
  roi_cost_sum: number;
  qpd_count: number;
  qpd_sum: number;
  qpd_sumsq: number;
}

/** A price whose re-pricing of earlier unpriced requests is unfinished (migration 0006). */
export interface UsageRepricePendingTable {
  price_id: string;
  org_id: string;
  created_at: string;
}

/** A named score given to a request after the fact (migration 0013). */
export interface InferenceScoreTable {
  id: string;
  org_id: string;
  request_id: string;
  name: string;
  value: number;
  comment: string | null;
  source: string;
  created_at: string;
  created_by: string | null;
}

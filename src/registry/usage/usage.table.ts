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
}

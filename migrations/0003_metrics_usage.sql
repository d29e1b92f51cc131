-- Performance metrics, LLM request tracking with its price table, and automatic promotion rules.
-- Values are REAL; SQLite stores NaN as NULL, so the NOT NULL and range CHECKs below also refuse NaN
-- that slipped past the service's validation.

-- One measured value of a model version: a built-in metric (LATENCY, ACCURACY, THROUGHPUT, QUALITY,
-- ERROR_RATE) or a custom one ("custom:<name>"). model_id is denormalised from the version so that
-- model-level statistics read one index range.
CREATE TABLE metric_point (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL REFERENCES model (id),
  version_id TEXT NOT NULL,
  metric TEXT NOT NULL CHECK (length(metric) BETWEEN 1 AND 128),
  value REAL NOT NULL,
  context TEXT CHECK (context IS NULL OR json_valid(context)),
  recorded_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  FOREIGN KEY (version_id, model_id) REFERENCES model_version (id, model_id)
);
-- Statistics and series read (version | model, metric, time range); value makes them covering.
CREATE INDEX metric_point_version ON metric_point (version_id, metric, recorded_at, value);
CREATE INDEX metric_point_model ON metric_point (model_id, metric, recorded_at, value);
-- metricAlerts over a whole organization reads its recent points by time.
CREATE INDEX metric_point_org_time ON metric_point (org_id, recorded_at);

-- Prices per million tokens, kept as data. A row applies to requests of its provider whose provider
-- model name matches model_pattern (a GLOB: `*` any run, `?` one character) at or after
-- effective_from; the newest effective row of the most specific matching pattern wins, so a price
-- change never rewrites the cost of earlier requests.
CREATE TABLE model_price (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
  model_pattern TEXT NOT NULL CHECK (length(model_pattern) BETWEEN 1 AND 200),
  input_per_million REAL NOT NULL CHECK (input_per_million >= 0),
  output_per_million REAL NOT NULL CHECK (output_per_million >= 0),
  cached_input_per_million REAL CHECK (cached_input_per_million >= 0),
  reasoning_per_million REAL CHECK (reasoning_per_million >= 0),
  effective_from TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, provider, model_pattern, effective_from)
);

-- One LLM request. cost_usd is NULL when neither given nor priced (an unpriced request, reported as
-- such, never as $0); cost_source says where a cost came from.
CREATE TABLE inference_request (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL REFERENCES model (id),
  version_id TEXT,
  deployment_id TEXT REFERENCES deployment (id),
  experiment_id TEXT REFERENCES experiment (id),
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
  provider_model TEXT NOT NULL CHECK (length(provider_model) BETWEEN 1 AND 200),
  latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
  input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
  cached_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_tokens BETWEEN 0 AND input_tokens),
  reasoning_tokens INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens BETWEEN 0 AND output_tokens),
  cost_usd REAL CHECK (cost_usd IS NULL OR cost_usd >= 0),
  cost_source TEXT CHECK (
    (cost_usd IS NULL AND cost_source IS NULL) OR cost_source IN ('PROVIDED', 'PRICE_TABLE')
  ),
  price_id TEXT REFERENCES model_price (id),
  quality REAL,
  status TEXT NOT NULL CHECK (status IN ('SUCCESS', 'ERROR')),
  idempotency_key TEXT CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
  requested_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  FOREIGN KEY (version_id, model_id) REFERENCES model_version (id, model_id)
);
CREATE UNIQUE INDEX inference_request_idempotency ON inference_request (org_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- Model.usage and usageTrends: one model's time range, covering every aggregated column, so a
-- 30-day report reads the index only (no table lookups).
CREATE INDEX inference_request_model_time ON inference_request (
  org_id, model_id, requested_at, latency_ms, status, input_tokens, output_tokens, cached_tokens,
  reasoning_tokens, cost_usd, quality, provider, deployment_id
);
-- abTestCompare by experiment: its requests grouped into arms.
CREATE INDEX inference_request_experiment ON inference_request (experiment_id, requested_at)
  WHERE experiment_id IS NOT NULL;

-- Opt-in automatic promotion, one rule per model.
CREATE TABLE auto_promotion_rule (
  model_id TEXT PRIMARY KEY REFERENCES model (id),
  org_id TEXT NOT NULL REFERENCES organization (id),
  objective TEXT NOT NULL CHECK (objective IN ('QUALITY_PER_DOLLAR', 'QUALITY_UNDER_CEILINGS')),
  significance_level REAL NOT NULL CHECK (significance_level > 0 AND significance_level < 0.5),
  min_samples INTEGER NOT NULL CHECK (min_samples >= 2),
  max_latency_ms REAL CHECK (max_latency_ms > 0),
  max_cost_usd REAL CHECK (max_cost_usd >= 0),
  experiment_id TEXT REFERENCES experiment (id),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  updated_at TEXT NOT NULL,
  updated_by TEXT REFERENCES user (id)
);
CREATE INDEX auto_promotion_rule_org ON auto_promotion_rule (org_id, model_id);

-- OpenTelemetry GenAI spans as tracked requests (issue 18, docs/otlp.md): the span that a request came
-- from, the API token and end user it is attributed to, the per-organization map from provider model
-- names to registered models, and the spans that mapped to no model (kept, never dropped).

-- A request recorded from a span keeps its W3C trace and span ids (lowercase hex) so that scores and
-- traces can find it; a re-sent span is recognised by them (the unique index below).
ALTER TABLE inference_request ADD COLUMN trace_id TEXT
  CHECK (trace_id IS NULL OR (length(trace_id) = 32 AND trace_id NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE inference_request ADD COLUMN span_id TEXT
  CHECK (span_id IS NULL OR (length(span_id) = 16 AND span_id NOT GLOB '*[^0-9a-f]*'));
-- Attribution: the API token that sent the request (null on rows older than this migration) and the
-- application's own end-user id, free text.
ALTER TABLE inference_request ADD COLUMN token_id TEXT REFERENCES api_token (id);
ALTER TABLE inference_request ADD COLUMN end_user_id TEXT
  CHECK (end_user_id IS NULL OR length(end_user_id) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX inference_request_span ON inference_request (org_id, trace_id, span_id)
  WHERE trace_id IS NOT NULL;

-- Which registered model (and version) a provider's model name stands for, when a span does not name
-- one itself (registry.model). provider_model is a GLOB like model_price.model_pattern; the most
-- specific matching pattern wins, by the same rule as prices.
CREATE TABLE provider_model_map (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
  provider_model TEXT NOT NULL CHECK (length(provider_model) BETWEEN 1 AND 200),
  model_id TEXT NOT NULL REFERENCES model (id),
  version_id TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, provider, provider_model),
  FOREIGN KEY (version_id, model_id) REFERENCES model_version (id, model_id)
);

-- A GenAI span that named no registered model and matched no provider_model_map row: its usage is
-- kept here (an inference_request needs a model) and reported by unmatchedUsage, so a missing mapping
-- is visible instead of silently losing the requests.
CREATE TABLE unmatched_inference (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
  provider_model TEXT NOT NULL CHECK (length(provider_model) BETWEEN 1 AND 200),
  latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
  input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
  cached_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cached_tokens BETWEEN 0 AND input_tokens),
  reasoning_tokens INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens BETWEEN 0 AND output_tokens),
  status TEXT NOT NULL CHECK (status IN ('SUCCESS', 'ERROR')),
  trace_id TEXT NOT NULL CHECK (length(trace_id) = 32),
  span_id TEXT NOT NULL CHECK (length(span_id) = 16),
  token_id TEXT REFERENCES api_token (id),
  end_user_id TEXT CHECK (end_user_id IS NULL OR length(end_user_id) BETWEEN 1 AND 200),
  requested_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, trace_id, span_id)
);
-- unmatchedUsage: counts per provider model and the newest examples.
CREATE INDEX unmatched_inference_model ON unmatched_inference (
  org_id, provider, provider_model, requested_at
);
CREATE INDEX unmatched_inference_time ON unmatched_inference (org_id, requested_at);

-- Scores given to a request after the fact (inferenceScore), as Langfuse users do: by the end user,
-- a model acting as judge, or a human reviewer; several named scores per request, one per name and
-- source (a new value replaces that one). Scores named "quality" set the request's quality column
-- to their mean, so usage, ROI and A/B reports read them like a quality sent with the request.
CREATE TABLE inference_score (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  request_id TEXT NOT NULL REFERENCES inference_request (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  value REAL NOT NULL,
  comment TEXT CHECK (comment IS NULL OR length(comment) <= 2000),
  source TEXT NOT NULL CHECK (source IN ('USER', 'MODEL_JUDGE', 'HUMAN_REVIEW')),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (request_id, name, source)
);

-- Hourly usage rollup (issue 5): per organization, model, hour, version, provider, deployment,
-- experiment and status, the sums and counts every usage figure is made of. Kept exact by triggers on
-- inference_request (insert, update, delete), so reads take whole hours from here and only the
-- partial hours at the edges of a range from the raw rows (src/registry/usage/rollup.repository.ts).
-- Absent version, deployment and experiment are stored as '' (a primary key column must not be NULL
-- for ON CONFLICT to find the row); readers turn '' back into NULL.
-- Latency percentiles cannot be rebuilt from sums: they stay exact, read from the raw rows through
-- covering indexes (inference_request_model_time, and inference_request_experiment_arms below).
CREATE TABLE usage_rollup_hourly (
  org_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  hour TEXT NOT NULL,
  version_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  experiment_id TEXT NOT NULL,
  status TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  priced_count INTEGER NOT NULL DEFAULT 0,
  unpriced_count INTEGER NOT NULL DEFAULT 0,
  priced_tokens INTEGER NOT NULL DEFAULT 0,
  cost_sum REAL NOT NULL DEFAULT 0,
  cost_sumsq REAL NOT NULL DEFAULT 0,
  quality_count INTEGER NOT NULL DEFAULT 0,
  quality_sum REAL NOT NULL DEFAULT 0,
  quality_sumsq REAL NOT NULL DEFAULT 0,
  latency_count INTEGER NOT NULL DEFAULT 0,
  latency_sum REAL NOT NULL DEFAULT 0,
  latency_sumsq REAL NOT NULL DEFAULT 0,
  roi_count INTEGER NOT NULL DEFAULT 0,
  roi_quality_sum REAL NOT NULL DEFAULT 0,
  roi_cost_sum REAL NOT NULL DEFAULT 0,
  qpd_count INTEGER NOT NULL DEFAULT 0,
  qpd_sum REAL NOT NULL DEFAULT 0,
  qpd_sumsq REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status)
) WITHOUT ROWID;
-- abTestCompare by experiment reads its arms' hours.
CREATE INDEX usage_rollup_hourly_experiment ON usage_rollup_hourly (experiment_id, org_id, hour)
  WHERE experiment_id <> '';
-- Automatic promotion and version arms read one model's versions.
CREATE INDEX usage_rollup_hourly_version ON usage_rollup_hourly (org_id, version_id, hour)
  WHERE version_id <> '';

CREATE TRIGGER usage_rollup_hourly_insert AFTER INSERT ON inference_request
BEGIN
  INSERT INTO usage_rollup_hourly (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status,
    requests, error_count, input_tokens, output_tokens, cached_tokens, reasoning_tokens, priced_count, unpriced_count, priced_tokens, cost_sum, cost_sumsq, quality_count, quality_sum, quality_sumsq, latency_count, latency_sum, latency_sumsq, roi_count, roi_quality_sum, roi_cost_sum, qpd_count, qpd_sum, qpd_sumsq)
  VALUES (NEW.org_id, NEW.model_id, substr(NEW.requested_at, 1, 13) || ':00:00.000Z', coalesce(NEW.version_id, ''), NEW.provider, coalesce(NEW.deployment_id, ''), coalesce(NEW.experiment_id, ''), NEW.status,
    1,
    (NEW.status = 'ERROR'),
    NEW.input_tokens,
    NEW.output_tokens,
    NEW.cached_tokens,
    NEW.reasoning_tokens,
    (NEW.cost_usd IS NOT NULL),
    (NEW.cost_usd IS NULL),
    (CASE WHEN NEW.cost_usd IS NOT NULL THEN NEW.input_tokens + NEW.output_tokens ELSE 0 END),
    coalesce(NEW.cost_usd, 0.0),
    coalesce(NEW.cost_usd * NEW.cost_usd, 0.0),
    (NEW.quality IS NOT NULL),
    coalesce(NEW.quality, 0.0),
    coalesce(NEW.quality * NEW.quality, 0.0),
    1,
    NEW.latency_ms,
    NEW.latency_ms * NEW.latency_ms,
    (NEW.quality IS NOT NULL AND NEW.cost_usd IS NOT NULL),
    (CASE WHEN NEW.cost_usd IS NOT NULL THEN coalesce(NEW.quality, 0.0) ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL THEN coalesce(NEW.cost_usd, 0.0) ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN 1 ELSE 0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN NEW.quality / NEW.cost_usd ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN (NEW.quality / NEW.cost_usd) * (NEW.quality / NEW.cost_usd) ELSE 0.0 END))
  ON CONFLICT (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status) DO UPDATE SET
    requests = requests + excluded.requests,
    error_count = error_count + excluded.error_count,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cached_tokens = cached_tokens + excluded.cached_tokens,
    reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
    priced_count = priced_count + excluded.priced_count,
    unpriced_count = unpriced_count + excluded.unpriced_count,
    priced_tokens = priced_tokens + excluded.priced_tokens,
    cost_sum = cost_sum + excluded.cost_sum,
    cost_sumsq = cost_sumsq + excluded.cost_sumsq,
    quality_count = quality_count + excluded.quality_count,
    quality_sum = quality_sum + excluded.quality_sum,
    quality_sumsq = quality_sumsq + excluded.quality_sumsq,
    latency_count = latency_count + excluded.latency_count,
    latency_sum = latency_sum + excluded.latency_sum,
    latency_sumsq = latency_sumsq + excluded.latency_sumsq,
    roi_count = roi_count + excluded.roi_count,
    roi_quality_sum = roi_quality_sum + excluded.roi_quality_sum,
    roi_cost_sum = roi_cost_sum + excluded.roi_cost_sum,
    qpd_count = qpd_count + excluded.qpd_count,
    qpd_sum = qpd_sum + excluded.qpd_sum,
    qpd_sumsq = qpd_sumsq + excluded.qpd_sumsq;
END;

-- An update that keeps the row's group (re-pricing sets cost_usd): one UPDATE by the difference, so
-- unchanged measures get + 0 and stay bit-for-bit what they were.
CREATE TRIGGER usage_rollup_hourly_update_same AFTER UPDATE ON inference_request
WHEN OLD.org_id IS NEW.org_id
  AND OLD.model_id IS NEW.model_id
  AND substr(OLD.requested_at, 1, 13) || ':00:00.000Z' IS substr(NEW.requested_at, 1, 13) || ':00:00.000Z'
  AND coalesce(OLD.version_id, '') IS coalesce(NEW.version_id, '')
  AND OLD.provider IS NEW.provider
  AND coalesce(OLD.deployment_id, '') IS coalesce(NEW.deployment_id, '')
  AND coalesce(OLD.experiment_id, '') IS coalesce(NEW.experiment_id, '')
  AND OLD.status IS NEW.status
BEGIN
  UPDATE usage_rollup_hourly SET
    requests = requests + (1 - 1),
    error_count = error_count + ((NEW.status = 'ERROR') - (OLD.status = 'ERROR')),
    input_tokens = input_tokens + (NEW.input_tokens - OLD.input_tokens),
    output_tokens = output_tokens + (NEW.output_tokens - OLD.output_tokens),
    cached_tokens = cached_tokens + (NEW.cached_tokens - OLD.cached_tokens),
    reasoning_tokens = reasoning_tokens + (NEW.reasoning_tokens - OLD.reasoning_tokens),
    priced_count = priced_count + ((NEW.cost_usd IS NOT NULL) - (OLD.cost_usd IS NOT NULL)),
    unpriced_count = unpriced_count + ((NEW.cost_usd IS NULL) - (OLD.cost_usd IS NULL)),
    priced_tokens = priced_tokens + ((CASE WHEN NEW.cost_usd IS NOT NULL THEN NEW.input_tokens + NEW.output_tokens ELSE 0 END) - (CASE WHEN OLD.cost_usd IS NOT NULL THEN OLD.input_tokens + OLD.output_tokens ELSE 0 END)),
    cost_sum = cost_sum + (coalesce(NEW.cost_usd, 0.0) - coalesce(OLD.cost_usd, 0.0)),
    cost_sumsq = cost_sumsq + (coalesce(NEW.cost_usd * NEW.cost_usd, 0.0) - coalesce(OLD.cost_usd * OLD.cost_usd, 0.0)),
    quality_count = quality_count + ((NEW.quality IS NOT NULL) - (OLD.quality IS NOT NULL)),
    quality_sum = quality_sum + (coalesce(NEW.quality, 0.0) - coalesce(OLD.quality, 0.0)),
    quality_sumsq = quality_sumsq + (coalesce(NEW.quality * NEW.quality, 0.0) - coalesce(OLD.quality * OLD.quality, 0.0)),
    latency_count = latency_count + (1 - 1),
    latency_sum = latency_sum + (NEW.latency_ms - OLD.latency_ms),
    latency_sumsq = latency_sumsq + (NEW.latency_ms * NEW.latency_ms - OLD.latency_ms * OLD.latency_ms),
    roi_count = roi_count + ((NEW.quality IS NOT NULL AND NEW.cost_usd IS NOT NULL) - (OLD.quality IS NOT NULL AND OLD.cost_usd IS NOT NULL)),
    roi_quality_sum = roi_quality_sum + ((CASE WHEN NEW.cost_usd IS NOT NULL THEN coalesce(NEW.quality, 0.0) ELSE 0.0 END) - (CASE WHEN OLD.cost_usd IS NOT NULL THEN coalesce(OLD.quality, 0.0) ELSE 0.0 END)),
    roi_cost_sum = roi_cost_sum + ((CASE WHEN NEW.quality IS NOT NULL THEN coalesce(NEW.cost_usd, 0.0) ELSE 0.0 END) - (CASE WHEN OLD.quality IS NOT NULL THEN coalesce(OLD.cost_usd, 0.0) ELSE 0.0 END)),
    qpd_count = qpd_count + ((CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN 1 ELSE 0 END) - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN 1 ELSE 0 END)),
    qpd_sum = qpd_sum + ((CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN NEW.quality / NEW.cost_usd ELSE 0.0 END) - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN OLD.quality / OLD.cost_usd ELSE 0.0 END)),
    qpd_sumsq = qpd_sumsq + ((CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN (NEW.quality / NEW.cost_usd) * (NEW.quality / NEW.cost_usd) ELSE 0.0 END) - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN (OLD.quality / OLD.cost_usd) * (OLD.quality / OLD.cost_usd) ELSE 0.0 END))
  WHERE org_id = NEW.org_id
    AND model_id = NEW.model_id
    AND hour = substr(NEW.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(NEW.version_id, '')
    AND provider = NEW.provider
    AND deployment_id = coalesce(NEW.deployment_id, '')
    AND experiment_id = coalesce(NEW.experiment_id, '')
    AND status = NEW.status;
END;

-- An update that moves the row to another group: out of the old one, into the new one.
CREATE TRIGGER usage_rollup_hourly_update_moved AFTER UPDATE ON inference_request
WHEN NOT (OLD.org_id IS NEW.org_id
  AND OLD.model_id IS NEW.model_id
  AND substr(OLD.requested_at, 1, 13) || ':00:00.000Z' IS substr(NEW.requested_at, 1, 13) || ':00:00.000Z'
  AND coalesce(OLD.version_id, '') IS coalesce(NEW.version_id, '')
  AND OLD.provider IS NEW.provider
  AND coalesce(OLD.deployment_id, '') IS coalesce(NEW.deployment_id, '')
  AND coalesce(OLD.experiment_id, '') IS coalesce(NEW.experiment_id, '')
  AND OLD.status IS NEW.status)
BEGIN
  UPDATE usage_rollup_hourly SET
    requests = requests - 1,
    error_count = error_count - (OLD.status = 'ERROR'),
    input_tokens = input_tokens - OLD.input_tokens,
    output_tokens = output_tokens - OLD.output_tokens,
    cached_tokens = cached_tokens - OLD.cached_tokens,
    reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
    priced_count = priced_count - (OLD.cost_usd IS NOT NULL),
    unpriced_count = unpriced_count - (OLD.cost_usd IS NULL),
    priced_tokens = priced_tokens - (CASE WHEN OLD.cost_usd IS NOT NULL THEN OLD.input_tokens + OLD.output_tokens ELSE 0 END),
    cost_sum = cost_sum - coalesce(OLD.cost_usd, 0.0),
    cost_sumsq = cost_sumsq - coalesce(OLD.cost_usd * OLD.cost_usd, 0.0),
    quality_count = quality_count - (OLD.quality IS NOT NULL),
    quality_sum = quality_sum - coalesce(OLD.quality, 0.0),
    quality_sumsq = quality_sumsq - coalesce(OLD.quality * OLD.quality, 0.0),
    latency_count = latency_count - 1,
    latency_sum = latency_sum - OLD.latency_ms,
    latency_sumsq = latency_sumsq - OLD.latency_ms * OLD.latency_ms,
    roi_count = roi_count - (OLD.quality IS NOT NULL AND OLD.cost_usd IS NOT NULL),
    roi_quality_sum = roi_quality_sum - (CASE WHEN OLD.cost_usd IS NOT NULL THEN coalesce(OLD.quality, 0.0) ELSE 0.0 END),
    roi_cost_sum = roi_cost_sum - (CASE WHEN OLD.quality IS NOT NULL THEN coalesce(OLD.cost_usd, 0.0) ELSE 0.0 END),
    qpd_count = qpd_count - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN 1 ELSE 0 END),
    qpd_sum = qpd_sum - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN OLD.quality / OLD.cost_usd ELSE 0.0 END),
    qpd_sumsq = qpd_sumsq - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN (OLD.quality / OLD.cost_usd) * (OLD.quality / OLD.cost_usd) ELSE 0.0 END)
  WHERE org_id = OLD.org_id
    AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '')
    AND provider = OLD.provider
    AND deployment_id = coalesce(OLD.deployment_id, '')
    AND experiment_id = coalesce(OLD.experiment_id, '')
    AND status = OLD.status;
  INSERT INTO usage_rollup_hourly (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status,
    requests, error_count, input_tokens, output_tokens, cached_tokens, reasoning_tokens, priced_count, unpriced_count, priced_tokens, cost_sum, cost_sumsq, quality_count, quality_sum, quality_sumsq, latency_count, latency_sum, latency_sumsq, roi_count, roi_quality_sum, roi_cost_sum, qpd_count, qpd_sum, qpd_sumsq)
  VALUES (NEW.org_id, NEW.model_id, substr(NEW.requested_at, 1, 13) || ':00:00.000Z', coalesce(NEW.version_id, ''), NEW.provider, coalesce(NEW.deployment_id, ''), coalesce(NEW.experiment_id, ''), NEW.status,
    1,
    (NEW.status = 'ERROR'),
    NEW.input_tokens,
    NEW.output_tokens,
    NEW.cached_tokens,
    NEW.reasoning_tokens,
    (NEW.cost_usd IS NOT NULL),
    (NEW.cost_usd IS NULL),
    (CASE WHEN NEW.cost_usd IS NOT NULL THEN NEW.input_tokens + NEW.output_tokens ELSE 0 END),
    coalesce(NEW.cost_usd, 0.0),
    coalesce(NEW.cost_usd * NEW.cost_usd, 0.0),
    (NEW.quality IS NOT NULL),
    coalesce(NEW.quality, 0.0),
    coalesce(NEW.quality * NEW.quality, 0.0),
    1,
    NEW.latency_ms,
    NEW.latency_ms * NEW.latency_ms,
    (NEW.quality IS NOT NULL AND NEW.cost_usd IS NOT NULL),
    (CASE WHEN NEW.cost_usd IS NOT NULL THEN coalesce(NEW.quality, 0.0) ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL THEN coalesce(NEW.cost_usd, 0.0) ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN 1 ELSE 0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN NEW.quality / NEW.cost_usd ELSE 0.0 END),
    (CASE WHEN NEW.quality IS NOT NULL AND NEW.cost_usd > 0 THEN (NEW.quality / NEW.cost_usd) * (NEW.quality / NEW.cost_usd) ELSE 0.0 END))
  ON CONFLICT (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status) DO UPDATE SET
    requests = requests + excluded.requests,
    error_count = error_count + excluded.error_count,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cached_tokens = cached_tokens + excluded.cached_tokens,
    reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
    priced_count = priced_count + excluded.priced_count,
    unpriced_count = unpriced_count + excluded.unpriced_count,
    priced_tokens = priced_tokens + excluded.priced_tokens,
    cost_sum = cost_sum + excluded.cost_sum,
    cost_sumsq = cost_sumsq + excluded.cost_sumsq,
    quality_count = quality_count + excluded.quality_count,
    quality_sum = quality_sum + excluded.quality_sum,
    quality_sumsq = quality_sumsq + excluded.quality_sumsq,
    latency_count = latency_count + excluded.latency_count,
    latency_sum = latency_sum + excluded.latency_sum,
    latency_sumsq = latency_sumsq + excluded.latency_sumsq,
    roi_count = roi_count + excluded.roi_count,
    roi_quality_sum = roi_quality_sum + excluded.roi_quality_sum,
    roi_cost_sum = roi_cost_sum + excluded.roi_cost_sum,
    qpd_count = qpd_count + excluded.qpd_count,
    qpd_sum = qpd_sum + excluded.qpd_sum,
    qpd_sumsq = qpd_sumsq + excluded.qpd_sumsq;
END;

CREATE TRIGGER usage_rollup_hourly_delete AFTER DELETE ON inference_request
BEGIN
  UPDATE usage_rollup_hourly SET
    requests = requests - 1,
    error_count = error_count - (OLD.status = 'ERROR'),
    input_tokens = input_tokens - OLD.input_tokens,
    output_tokens = output_tokens - OLD.output_tokens,
    cached_tokens = cached_tokens - OLD.cached_tokens,
    reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
    priced_count = priced_count - (OLD.cost_usd IS NOT NULL),
    unpriced_count = unpriced_count - (OLD.cost_usd IS NULL),
    priced_tokens = priced_tokens - (CASE WHEN OLD.cost_usd IS NOT NULL THEN OLD.input_tokens + OLD.output_tokens ELSE 0 END),
    cost_sum = cost_sum - coalesce(OLD.cost_usd, 0.0),
    cost_sumsq = cost_sumsq - coalesce(OLD.cost_usd * OLD.cost_usd, 0.0),
    quality_count = quality_count - (OLD.quality IS NOT NULL),
    quality_sum = quality_sum - coalesce(OLD.quality, 0.0),
    quality_sumsq = quality_sumsq - coalesce(OLD.quality * OLD.quality, 0.0),
    latency_count = latency_count - 1,
    latency_sum = latency_sum - OLD.latency_ms,
    latency_sumsq = latency_sumsq - OLD.latency_ms * OLD.latency_ms,
    roi_count = roi_count - (OLD.quality IS NOT NULL AND OLD.cost_usd IS NOT NULL),
    roi_quality_sum = roi_quality_sum - (CASE WHEN OLD.cost_usd IS NOT NULL THEN coalesce(OLD.quality, 0.0) ELSE 0.0 END),
    roi_cost_sum = roi_cost_sum - (CASE WHEN OLD.quality IS NOT NULL THEN coalesce(OLD.cost_usd, 0.0) ELSE 0.0 END),
    qpd_count = qpd_count - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN 1 ELSE 0 END),
    qpd_sum = qpd_sum - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN OLD.quality / OLD.cost_usd ELSE 0.0 END),
    qpd_sumsq = qpd_sumsq - (CASE WHEN OLD.quality IS NOT NULL AND OLD.cost_usd > 0 THEN (OLD.quality / OLD.cost_usd) * (OLD.quality / OLD.cost_usd) ELSE 0.0 END)
  WHERE org_id = OLD.org_id
    AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '')
    AND provider = OLD.provider
    AND deployment_id = coalesce(OLD.deployment_id, '')
    AND experiment_id = coalesce(OLD.experiment_id, '')
    AND status = OLD.status;
END;

-- Backfill: every request recorded before this migration.
INSERT INTO usage_rollup_hourly (org_id, model_id, hour, version_id, provider, deployment_id, experiment_id, status,
    requests, error_count, input_tokens, output_tokens, cached_tokens, reasoning_tokens, priced_count, unpriced_count, priced_tokens, cost_sum, cost_sumsq, quality_count, quality_sum, quality_sumsq, latency_count, latency_sum, latency_sumsq, roi_count, roi_quality_sum, roi_cost_sum, qpd_count, qpd_sum, qpd_sumsq)
SELECT r.org_id, r.model_id, substr(r.requested_at, 1, 13) || ':00:00.000Z', coalesce(r.version_id, ''), r.provider, coalesce(r.deployment_id, ''), coalesce(r.experiment_id, ''), r.status,
    sum(1),
    sum((r.status = 'ERROR')),
    sum(r.input_tokens),
    sum(r.output_tokens),
    sum(r.cached_tokens),
    sum(r.reasoning_tokens),
    sum((r.cost_usd IS NOT NULL)),
    sum((r.cost_usd IS NULL)),
    sum((CASE WHEN r.cost_usd IS NOT NULL THEN r.input_tokens + r.output_tokens ELSE 0 END)),
    sum(coalesce(r.cost_usd, 0.0)),
    sum(coalesce(r.cost_usd * r.cost_usd, 0.0)),
    sum((r.quality IS NOT NULL)),
    sum(coalesce(r.quality, 0.0)),
    sum(coalesce(r.quality * r.quality, 0.0)),
    sum(1),
    sum(r.latency_ms),
    sum(r.latency_ms * r.latency_ms),
    sum((r.quality IS NOT NULL AND r.cost_usd IS NOT NULL)),
    sum((CASE WHEN r.cost_usd IS NOT NULL THEN coalesce(r.quality, 0.0) ELSE 0.0 END)),
    sum((CASE WHEN r.quality IS NOT NULL THEN coalesce(r.cost_usd, 0.0) ELSE 0.0 END)),
    sum((CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN 1 ELSE 0 END)),
    sum((CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN r.quality / r.cost_usd ELSE 0.0 END)),
    sum((CASE WHEN r.quality IS NOT NULL AND r.cost_usd > 0 THEN (r.quality / r.cost_usd) * (r.quality / r.cost_usd) ELSE 0.0 END))
FROM inference_request AS r
GROUP BY r.org_id, r.model_id, substr(r.requested_at, 1, 13) || ':00:00.000Z', coalesce(r.version_id, ''), r.provider, coalesce(r.deployment_id, ''), coalesce(r.experiment_id, ''), r.status;

-- abTestCompare by experiment: the raw latencies (exact percentiles) and edge hours, from the index
-- alone. Replaces the narrower index of 0003.
DROP INDEX IF EXISTS inference_request_experiment;
CREATE INDEX inference_request_experiment_arms ON inference_request (
  experiment_id, org_id, requested_at, model_id, version_id, latency_ms, status, quality, cost_usd
) WHERE experiment_id IS NOT NULL;

-- Late prices: a price whose re-pricing of earlier unpriced requests did not finish within the
-- bounded UPDATE of priceSet; the scheduled job usage.reprice finishes it and removes the row.
CREATE TABLE usage_reprice_pending (
  price_id TEXT PRIMARY KEY REFERENCES model_price (id),
  org_id TEXT NOT NULL REFERENCES organization (id),
  created_at TEXT NOT NULL
);

-- Automatic promotion on the cron trigger: which rules were evaluated least recently go first.
ALTER TABLE auto_promotion_rule ADD COLUMN last_evaluated_at TEXT;
CREATE INDEX auto_promotion_rule_due ON auto_promotion_rule (enabled, last_evaluated_at, model_id);

-- Late prices look for a provider's unpriced requests at or after a date: a small partial index
-- (priced requests are not in it).
CREATE INDEX inference_request_unpriced ON inference_request (org_id, provider, requested_at)
  WHERE cost_usd IS NULL;

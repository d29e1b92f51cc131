-- Per-hour latency histogram (issue 5): exact latency percentiles without sorting every request of
-- a range. For each organization, model, hour, version and experiment (the scopes percentiles are
-- asked for: models, versions, experiment arms), the number of requests whose latency falls in
-- each of fixed log-spaced buckets, with the sum and sum of squares of those latencies (mean and
-- variance). Kept exact by triggers on inference_request, like usage_rollup_hourly (0006).
--
-- A percentile query (src/registry/usage/latency.repository.ts) then (a) adds the bucket counts of
-- the whole hours of the range and of the raw requests of its partial edge hours, (b) finds the
-- bucket holding each wanted rank (the same ranks as the raw window computation), and (c) reads
-- only that bucket's requests in the range, in latency order, through inference_request_model_latency,
-- to pick the rank: the answer is the raw one, bit for bit.

-- Bucket b holds latencies in [lower_ms, upper_ms): 0, then the E12 series (1.0, 1.2, 1.5, 1.8,
-- 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2) per decade from 0.1 ms to 82,000,000 ms (~20% wide each);
-- the last bucket is open (upper_ms +Inf). Boundaries are data: every comparison, in the triggers
-- and in the reads, uses these stored values, so a latency equal to a boundary is in one bucket.
CREATE TABLE usage_latency_bucket (
  bucket INTEGER PRIMARY KEY,
  lower_ms REAL NOT NULL UNIQUE,
  upper_ms REAL NOT NULL
);
INSERT INTO usage_latency_bucket (bucket, lower_ms, upper_ms)
SELECT column1, column2, coalesce(lead(column2) OVER (ORDER BY column1), 9e999)
FROM (VALUES
  (0, 0.0), (1, 0.1), (2, 0.12), (3, 0.15), (4, 0.18), (5, 0.22), (6, 0.27), (7, 0.33),
  (8, 0.39), (9, 0.47), (10, 0.56), (11, 0.68), (12, 0.82), (13, 1.0), (14, 1.2), (15, 1.5),
  (16, 1.8), (17, 2.2), (18, 2.7), (19, 3.3), (20, 3.9), (21, 4.7), (22, 5.6), (23, 6.8),
  (24, 8.2), (25, 10.0), (26, 12.0), (27, 15.0), (28, 18.0), (29, 22.0), (30, 27.0), (31, 33.0),
  (32, 39.0), (33, 47.0), (34, 56.0), (35, 68.0), (36, 82.0), (37, 100.0), (38, 120.0), (39, 150.0),
  (40, 180.0), (41, 220.0), (42, 270.0), (43, 330.0), (44, 390.0), (45, 470.0), (46, 560.0), (47, 680.0),
  (48, 820.0), (49, 1000.0), (50, 1200.0), (51, 1500.0), (52, 1800.0), (53, 2200.0), (54, 2700.0), (55, 3300.0),
  (56, 3900.0), (57, 4700.0), (58, 5600.0), (59, 6800.0), (60, 8200.0), (61, 10000.0), (62, 12000.0), (63, 15000.0),
  (64, 18000.0), (65, 22000.0), (66, 27000.0), (67, 33000.0), (68, 39000.0), (69, 47000.0), (70, 56000.0), (71, 68000.0),
  (72, 82000.0), (73, 100000.0), (74, 120000.0), (75, 150000.0), (76, 180000.0), (77, 220000.0), (78, 270000.0), (79, 330000.0),
  (80, 390000.0), (81, 470000.0), (82, 560000.0), (83, 680000.0), (84, 820000.0), (85, 1000000.0), (86, 1200000.0), (87, 1500000.0),
  (88, 1800000.0), (89, 2200000.0), (90, 2700000.0), (91, 3300000.0), (92, 3900000.0), (93, 4700000.0), (94, 5600000.0), (95, 6800000.0),
  (96, 8200000.0), (97, 10000000.0), (98, 12000000.0), (99, 15000000.0), (100, 18000000.0), (101, 22000000.0), (102, 27000000.0), (103, 33000000.0),
  (104, 39000000.0), (105, 47000000.0), (106, 56000000.0), (107, 68000000.0), (108, 82000000.0)
);

-- Absent version and experiment are stored as '' (as in usage_rollup_hourly); a row whose count
-- falls to 0 is deleted by the triggers (its float sums start again from 0).
CREATE TABLE usage_latency_hourly (
  org_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  hour TEXT NOT NULL,
  version_id TEXT NOT NULL,
  experiment_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  latency_sum REAL NOT NULL,
  latency_sumsq REAL NOT NULL,
  PRIMARY KEY (org_id, model_id, hour, version_id, experiment_id, bucket)
) WITHOUT ROWID;
CREATE INDEX usage_latency_hourly_experiment ON usage_latency_hourly (experiment_id, org_id, hour)
  WHERE experiment_id <> '';
CREATE INDEX usage_latency_hourly_version ON usage_latency_hourly (org_id, version_id, hour)
  WHERE version_id <> '';

-- Step (c): one model's requests in a latency bucket, with the columns every scope filters on.
CREATE INDEX inference_request_model_latency ON inference_request (
  org_id, model_id, latency_ms, requested_at, version_id, experiment_id
);

CREATE TRIGGER usage_latency_hourly_insert AFTER INSERT ON inference_request
BEGIN
  INSERT INTO usage_latency_hourly (org_id, model_id, hour, version_id, experiment_id, bucket,
    requests, latency_sum, latency_sumsq)
  VALUES (NEW.org_id, NEW.model_id, substr(NEW.requested_at, 1, 13) || ':00:00.000Z',
    coalesce(NEW.version_id, ''), coalesce(NEW.experiment_id, ''),
    (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= NEW.latency_ms ORDER BY lower_ms DESC LIMIT 1),
    1, NEW.latency_ms, NEW.latency_ms * NEW.latency_ms)
  ON CONFLICT (org_id, model_id, hour, version_id, experiment_id, bucket) DO UPDATE SET
    requests = requests + 1,
    latency_sum = latency_sum + excluded.latency_sum,
    latency_sumsq = latency_sumsq + excluded.latency_sumsq;
END;

-- Only an update of a column the histogram is keyed or summed on moves a request (re-pricing,
-- which sets cost_usd, cost_source and price_id, does not fire it): out of the old bucket, into
-- the new one.
CREATE TRIGGER usage_latency_hourly_update
AFTER UPDATE OF org_id, model_id, requested_at, version_id, experiment_id, latency_ms ON inference_request
WHEN NOT (OLD.org_id IS NEW.org_id
  AND OLD.model_id IS NEW.model_id
  AND substr(OLD.requested_at, 1, 13) IS substr(NEW.requested_at, 1, 13)
  AND OLD.version_id IS NEW.version_id
  AND OLD.experiment_id IS NEW.experiment_id
  AND OLD.latency_ms IS NEW.latency_ms)
BEGIN
  UPDATE usage_latency_hourly SET
    requests = requests - 1,
    latency_sum = latency_sum - OLD.latency_ms,
    latency_sumsq = latency_sumsq - OLD.latency_ms * OLD.latency_ms
  WHERE org_id = OLD.org_id AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '') AND experiment_id = coalesce(OLD.experiment_id, '')
    AND bucket = (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= OLD.latency_ms ORDER BY lower_ms DESC LIMIT 1);
  DELETE FROM usage_latency_hourly
  WHERE org_id = OLD.org_id AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '') AND experiment_id = coalesce(OLD.experiment_id, '')
    AND bucket = (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= OLD.latency_ms ORDER BY lower_ms DESC LIMIT 1)
    AND requests <= 0;
  INSERT INTO usage_latency_hourly (org_id, model_id, hour, version_id, experiment_id, bucket,
    requests, latency_sum, latency_sumsq)
  VALUES (NEW.org_id, NEW.model_id, substr(NEW.requested_at, 1, 13) || ':00:00.000Z',
    coalesce(NEW.version_id, ''), coalesce(NEW.experiment_id, ''),
    (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= NEW.latency_ms ORDER BY lower_ms DESC LIMIT 1),
    1, NEW.latency_ms, NEW.latency_ms * NEW.latency_ms)
  ON CONFLICT (org_id, model_id, hour, version_id, experiment_id, bucket) DO UPDATE SET
    requests = requests + 1,
    latency_sum = latency_sum + excluded.latency_sum,
    latency_sumsq = latency_sumsq + excluded.latency_sumsq;
END;

CREATE TRIGGER usage_latency_hourly_delete AFTER DELETE ON inference_request
BEGIN
  UPDATE usage_latency_hourly SET
    requests = requests - 1,
    latency_sum = latency_sum - OLD.latency_ms,
    latency_sumsq = latency_sumsq - OLD.latency_ms * OLD.latency_ms
  WHERE org_id = OLD.org_id AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '') AND experiment_id = coalesce(OLD.experiment_id, '')
    AND bucket = (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= OLD.latency_ms ORDER BY lower_ms DESC LIMIT 1);
  DELETE FROM usage_latency_hourly
  WHERE org_id = OLD.org_id AND model_id = OLD.model_id
    AND hour = substr(OLD.requested_at, 1, 13) || ':00:00.000Z'
    AND version_id = coalesce(OLD.version_id, '') AND experiment_id = coalesce(OLD.experiment_id, '')
    AND bucket = (SELECT bucket FROM usage_latency_bucket WHERE lower_ms <= OLD.latency_ms ORDER BY lower_ms DESC LIMIT 1)
    AND requests <= 0;
END;

-- Backfill: every request recorded before this migration.
INSERT INTO usage_latency_hourly (org_id, model_id, hour, version_id, experiment_id, bucket,
  requests, latency_sum, latency_sumsq)
SELECT org_id, model_id, hour, version_id, experiment_id, bucket, count(*), sum(latency_ms),
  sum(latency_ms * latency_ms)
FROM (
  SELECT r.org_id, r.model_id, substr(r.requested_at, 1, 13) || ':00:00.000Z' AS hour,
    coalesce(r.version_id, '') AS version_id, coalesce(r.experiment_id, '') AS experiment_id,
    (SELECT b.bucket FROM usage_latency_bucket AS b WHERE b.lower_ms <= r.latency_ms
      ORDER BY b.lower_ms DESC LIMIT 1) AS bucket,
    r.latency_ms
  FROM inference_request AS r
)
GROUP BY org_id, model_id, hour, version_id, experiment_id, bucket;

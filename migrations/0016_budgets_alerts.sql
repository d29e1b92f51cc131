-- Budgets enforced at track time and alerts pushed by the scheduled job (issue 19; docs/budgets.md).

-- How many budgets an organization has, kept by the triggers below. The auth statement reads it
-- (src/registry/user/user.repository.ts findActiveTokenByHash) so that tracking in an organization
-- without budgets costs no extra statement and no Durable Object call.
ALTER TABLE organization ADD COLUMN budget_count INTEGER NOT NULL DEFAULT 0;

-- One budget per organization, scope, scope id and period (budgetSet upserts on that key). The
-- spend of the running period is counted by the budget's Durable Object (src/budget-counter.ts),
-- which seeds each new period from what D1 already holds for the scope.
CREATE TABLE budget (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  scope TEXT NOT NULL CHECK (scope IN ('ORGANIZATION', 'MODEL', 'API_TOKEN', 'EXPERIMENT')),
  -- '' for ORGANIZATION: a UNIQUE key column must not be NULL to collide.
  scope_id TEXT NOT NULL CHECK ((scope = 'ORGANIZATION') = (scope_id = '')),
  period TEXT NOT NULL CHECK (period IN ('DAY', 'MONTH')),
  limit_usd REAL NOT NULL CHECK (limit_usd > 0),
  -- JSON array of fractions of the limit in (0, 1], strictly increasing.
  thresholds TEXT NOT NULL CHECK (json_valid(thresholds) AND json_type(thresholds) = 'array'),
  enforce INTEGER NOT NULL CHECK (enforce IN (0, 1)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  updated_at TEXT NOT NULL,
  UNIQUE (org_id, scope, scope_id, period)
);

CREATE TRIGGER budget_count_insert AFTER INSERT ON budget
BEGIN
  UPDATE organization SET budget_count = budget_count + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER budget_count_delete AFTER DELETE ON budget
BEGIN
  UPDATE organization SET budget_count = budget_count - 1 WHERE id = OLD.org_id;
END;

-- Requests an enforced budget refused, per budget and period: refused requests write no
-- inference_request row, so this is where they are visible (Budget.currentPeriod.refusedCount).
CREATE TABLE budget_refusal (
  budget_id TEXT NOT NULL REFERENCES budget (id) ON DELETE CASCADE,
  period_start TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES organization (id),
  refused_count INTEGER NOT NULL CHECK (refused_count >= 0),
  refused_usd REAL NOT NULL CHECK (refused_usd >= 0),
  last_refused_at TEXT NOT NULL,
  PRIMARY KEY (budget_id, period_start)
) WITHOUT ROWID;

-- Degradation alerts as the scheduled job last found them: one row per episode of a version's
-- metric being significantly worse. An OPEN row is not announced again; it is CLEARED (and
-- announced once more) when the job no longer finds the degradation.
CREATE TABLE metric_alert (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('OPEN', 'CLEARED')),
  opened_at TEXT NOT NULL,
  cleared_at TEXT CHECK ((status = 'OPEN') = (cleared_at IS NULL)),
  -- The test statistics of the last evaluation that found it (JSON, the MetricAlert fields).
  statistics TEXT NOT NULL,
  evaluated_at TEXT NOT NULL
);
-- At most one open alert per version and metric.
CREATE UNIQUE INDEX metric_alert_open ON metric_alert (org_id, version_id, metric)
  WHERE status = 'OPEN';
CREATE INDEX metric_alert_org ON metric_alert (org_id, status, opened_at);

-- Signed webhooks (issue 19; src/registry/webhook/, docs/webhooks.md). The outbox is the audit
-- trail: every audited change already writes its audit_event row in the same D1 batch as the change,
-- so a trigger on that insert writes one webhook_delivery row per event and matching webhook inside
-- the same batch. A change and the announcement of it therefore commit together or not at all.

-- An endpoint of an organization. The signing secret is stored encrypted (AES-GCM, key from the
-- WEBHOOK_SECRET_KEY secret): the HMAC needs the raw secret, so a hash would not do. After a
-- rotation the previous secret stays valid (deliveries are signed with both) until
-- previous_secret_expires_at. The filter lists are JSON arrays, NULL when not filtering.
CREATE TABLE webhook (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  description TEXT CHECK (description IS NULL OR length(description) <= 2000),
  events TEXT NOT NULL CHECK (json_valid(events) AND json_type(events) = 'array'),
  filter_model_ids TEXT CHECK (filter_model_ids IS NULL OR json_valid(filter_model_ids)),
  filter_aliases TEXT CHECK (filter_aliases IS NULL OR json_valid(filter_aliases)),
  filter_environments TEXT CHECK (filter_environments IS NULL OR json_valid(filter_environments)),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  secret_encrypted TEXT NOT NULL,
  previous_secret_encrypted TEXT,
  previous_secret_expires_at TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  updated_at TEXT NOT NULL,
  UNIQUE (org_id, url)
);
CREATE INDEX webhook_org ON webhook (org_id, id);

-- One delivery per event and webhook. The id is "<event id>.<webhook id>": the event id is a UUIDv7
-- (time-ordered), so a webhook's deliveries sort by event time on the primary key alone. status:
-- PENDING (not yet attempted), DELIVERED (a 2xx), FAILED (retrying), DEAD (out of attempts).
-- enqueued_at says when it was last handed to the queue (NULL: not yet), for the cron sweep.
CREATE TABLE webhook_delivery (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  webhook_id TEXT NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'DEAD')),
  attempts INTEGER NOT NULL DEFAULT 0,
  http_status INTEGER,
  latency_ms INTEGER,
  response_excerpt TEXT CHECK (response_excerpt IS NULL OR length(response_excerpt) <= 256),
  next_attempt_at TEXT,
  enqueued_at TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_delivery_webhook ON webhook_delivery (webhook_id, id);
-- What a dispatch and the sweep look for: the deliveries still to send.
CREATE INDEX webhook_delivery_open ON webhook_delivery (org_id, enqueued_at)
  WHERE status IN ('PENDING', 'FAILED');

-- Which audit action is which event type. model.aliasSet is ALIAS_SET here and ALIAS_MOVED when
-- the alias pointed at a version before (the trigger's CASE). webhook.test is not in this table: it
-- goes to the one webhook it tests (the trigger's second statement).
CREATE TABLE webhook_event_action (
  action TEXT PRIMARY KEY,
  event_type TEXT NOT NULL
);
INSERT INTO webhook_event_action (action, event_type) VALUES
  ('model.register', 'MODEL_CREATED'),
  ('model.update', 'MODEL_UPDATED'),
  ('model.archive', 'MODEL_ARCHIVED'),
  ('model.restore', 'MODEL_RESTORED'),
  ('model.delete', 'MODEL_DELETED'),
  ('modelVersion.create', 'MODEL_VERSION_CREATED'),
  ('modelVersion.update', 'MODEL_VERSION_UPDATED'),
  ('modelVersion.archive', 'MODEL_VERSION_ARCHIVED'),
  ('modelVersion.restore', 'MODEL_VERSION_RESTORED'),
  ('modelVersion.delete', 'MODEL_VERSION_DELETED'),
  ('model.aliasSet', 'ALIAS_SET'),
  ('model.aliasDelete', 'ALIAS_DELETED'),
  ('model.promote', 'MODEL_VERSION_PROMOTED'),
  ('approval.request', 'APPROVAL_REQUESTED'),
  ('approval.approve', 'APPROVAL_REVIEWED'),
  ('approval.reject', 'APPROVAL_REVIEWED'),
  ('complianceCheck.run', 'COMPLIANCE_CHECK_FINISHED'),
  ('lineage.edgeAdd', 'LINEAGE_EDGE_ADDED'),
  ('lineage.edgeRemove', 'LINEAGE_EDGE_REMOVED'),
  ('alert.opened', 'METRIC_DEGRADATION_DETECTED'),
  ('alert.cleared', 'METRIC_DEGRADATION_CLEARED'),
  ('budget.thresholdCrossed', 'BUDGET_THRESHOLD_CROSSED'),
  ('autoPromotion.decide', 'AUTO_PROMOTION_DECIDED');

-- Enabled webhooks per organization, kept by the triggers below and read with the API token (one
-- statement the request makes anyway): an organization with none pays no statement for webhooks.
ALTER TABLE organization ADD COLUMN webhook_count INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER webhook_count_insert AFTER INSERT ON webhook WHEN NEW.enabled = 1
BEGIN
  UPDATE organization SET webhook_count = webhook_count + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER webhook_count_delete AFTER DELETE ON webhook WHEN OLD.enabled = 1
BEGIN
  UPDATE organization SET webhook_count = webhook_count - 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER webhook_count_update AFTER UPDATE OF enabled ON webhook
WHEN OLD.enabled <> NEW.enabled
BEGIN
  UPDATE organization SET webhook_count = webhook_count + (NEW.enabled - OLD.enabled)
  WHERE id = NEW.org_id;
END;

-- The outbox. The WHEN clause reads the organization row by its primary key: no webhook, no more
-- work. The filter: modelIds keeps events about one of those models (the subject, the subject's
-- model, the approval's or the edge's other end's model, a MODEL budget's model); aliases and
-- environments keep events about one of those aliases or deployment environments and let events
-- about no alias or environment through. (SQLite allows no WITH in a trigger: the event's
-- attributes are one derived row, e.)
CREATE TRIGGER audit_event_webhook_outbox AFTER INSERT ON audit_event
WHEN (SELECT webhook_count FROM organization WHERE id = NEW.org_id) > 0
BEGIN
  INSERT INTO webhook_delivery (id, org_id, webhook_id, event_id, event_type, status, attempts,
    next_attempt_at, created_at)
  SELECT NEW.id || '.' || w.id, NEW.org_id, w.id, NEW.id, e.event_type, 'PENDING', 0,
    NEW.created_at, NEW.created_at
  FROM (
    SELECT
      CASE
        WHEN NEW.action = 'model.aliasSet' AND json_extract(NEW.before, '$.versionId') IS NOT NULL
          THEN 'ALIAS_MOVED'
        ELSE m.event_type
      END AS event_type,
      CASE NEW.subject_kind
        WHEN 'Model' THEN NEW.subject_id
        WHEN 'ModelVersion' THEN (SELECT model_id FROM model_version WHERE id = NEW.subject_id)
        WHEN 'Approval' THEN (
          SELECT model_id FROM model_version
          WHERE id = coalesce(json_extract(NEW.after, '$.modelVersionId'),
            (SELECT model_version_id FROM approval WHERE id = NEW.subject_id)))
        WHEN 'Budget' THEN
          CASE WHEN json_extract(NEW.after, '$.scope') = 'MODEL'
            THEN json_extract(NEW.after, '$.scopeId') END
      END AS model_id,
      CASE coalesce(json_extract(NEW.after, '$.toKind'), json_extract(NEW.before, '$.toKind'))
        WHEN 'Model' THEN coalesce(json_extract(NEW.after, '$.toId'), json_extract(NEW.before, '$.toId'))
        WHEN 'ModelVersion' THEN (
          SELECT model_id FROM model_version
          WHERE id = coalesce(json_extract(NEW.after, '$.toId'), json_extract(NEW.before, '$.toId')))
      END AS other_model_id,
      coalesce(json_extract(NEW.after, '$.alias'), json_extract(NEW.before, '$.alias'))
        AS alias,
      CASE
        WHEN NEW.subject_kind = 'Deployment'
          THEN (SELECT environment FROM deployment WHERE id = NEW.subject_id)
        WHEN coalesce(json_extract(NEW.after, '$.toKind'), json_extract(NEW.before, '$.toKind'))
          = 'Deployment'
          THEN (SELECT environment FROM deployment
            WHERE id = coalesce(json_extract(NEW.after, '$.toId'), json_extract(NEW.before, '$.toId')))
        ELSE json_extract(NEW.after, '$.environment')
      END AS environment
    FROM webhook_event_action m
    WHERE m.action = NEW.action
  ) e
  JOIN webhook w ON w.org_id = NEW.org_id AND w.enabled = 1
  WHERE EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = e.event_type)
    AND (w.filter_model_ids IS NULL OR EXISTS (
      SELECT 1 FROM json_each(w.filter_model_ids) WHERE value IN (e.model_id, e.other_model_id)))
    AND (w.filter_aliases IS NULL OR e.alias IS NULL OR EXISTS (
      SELECT 1 FROM json_each(w.filter_aliases) WHERE value = e.alias))
    AND (w.filter_environments IS NULL OR e.environment IS NULL OR EXISTS (
      SELECT 1 FROM json_each(w.filter_environments) WHERE value = e.environment));

  -- webhookTest: the event goes to the webhook it names, whatever it subscribes to.
  INSERT INTO webhook_delivery (id, org_id, webhook_id, event_id, event_type, status, attempts,
    next_attempt_at, created_at)
  SELECT NEW.id || '.' || w.id, NEW.org_id, w.id, NEW.id, 'WEBHOOK_TEST', 'PENDING', 0,
    NEW.created_at, NEW.created_at
  FROM webhook w
  WHERE NEW.action = 'webhook.test' AND w.id = NEW.subject_id AND w.org_id = NEW.org_id;
END;

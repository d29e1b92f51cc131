-- Governance: approval requests and their reviewed decisions, the automated compliance checks run
-- for them, each organization's promotion policy, the GDPR declarations of datasets and the erasure
-- requests against them. Decisions, check results and erasure requests are records: triggers keep
-- them from being edited or deleted, as for audit_event.

CREATE TABLE approval (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL REFERENCES model (id),
  model_version_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'APPROVED', 'REJECTED')),
  -- JSON array of the check types asked for (GDPR, AI_ACT, FAIRNESS, SECURITY).
  requested_checks TEXT NOT NULL CHECK (
    json_valid(requested_checks) AND json_type(requested_checks) = 'array'
    AND json_array_length(requested_checks) BETWEEN 1 AND 4
  ),
  -- The evidence each check reads ({ "fairness": {...}, "aiAct": {...} }); replaced by re-runs.
  evidence TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence) AND json_type(evidence) = 'object'),
  request_notes TEXT CHECK (request_notes IS NULL OR length(request_notes) <= 10000),
  requested_by TEXT NOT NULL REFERENCES user (id),
  requested_at TEXT NOT NULL,
  reviewed_by TEXT REFERENCES user (id),
  reviewed_at TEXT,
  review_notes TEXT CHECK (review_notes IS NULL OR length(review_notes) <= 10000),
  FOREIGN KEY (model_version_id, model_id) REFERENCES model_version (id, model_id),
  -- Separation of duties: nobody decides their own request.
  CHECK (reviewed_by IS NULL OR reviewed_by <> requested_by),
  -- A decision always says who made it and when; a pending request has neither.
  CHECK ((state = 'PENDING') = (reviewed_by IS NULL AND reviewed_at IS NULL))
);
CREATE INDEX approval_org_state ON approval (org_id, state, id);
CREATE INDEX approval_version ON approval (model_version_id, id);
CREATE INDEX approval_model ON approval (model_id, id);
-- One open request per version: a second one would split the review.
CREATE UNIQUE INDEX approval_one_pending ON approval (model_version_id) WHERE state = 'PENDING';

CREATE TRIGGER approval_decision_is_final BEFORE UPDATE ON approval
WHEN OLD.state <> 'PENDING'
BEGIN
  SELECT RAISE(ABORT, 'approval is decided');
END;

CREATE TRIGGER approval_no_delete BEFORE DELETE ON approval
BEGIN
  SELECT RAISE(ABORT, 'approval is a record');
END;

-- One run of one automated check. Re-runs add rows; the latest per (approval, type) is current.
CREATE TABLE compliance_check (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_version_id TEXT NOT NULL REFERENCES model_version (id),
  approval_id TEXT REFERENCES approval (id),
  check_type TEXT NOT NULL CHECK (check_type IN ('GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY')),
  status TEXT NOT NULL CHECK (status IN ('PASSED', 'FAILED', 'NEEDS_REVIEW')),
  summary TEXT NOT NULL,
  -- JSON array of { code, message, subjectId?, subjectKind? }.
  findings TEXT NOT NULL CHECK (json_valid(findings) AND json_type(findings) = 'array'),
  -- Check-specific results: fairness metrics, the AI Act tier and obligations...
  details TEXT CHECK (details IS NULL OR json_valid(details)),
  run_by TEXT REFERENCES user (id),
  created_at TEXT NOT NULL
);
CREATE INDEX compliance_check_approval ON compliance_check (approval_id, check_type, id);
CREATE INDEX compliance_check_version ON compliance_check (model_version_id, id);

CREATE TRIGGER compliance_check_no_update BEFORE UPDATE ON compliance_check
BEGIN
  SELECT RAISE(ABORT, 'compliance_check is append-only');
END;

CREATE TRIGGER compliance_check_no_delete BEFORE DELETE ON compliance_check
BEGIN
  SELECT RAISE(ABORT, 'compliance_check is append-only');
END;

-- Which checks must have passed in an approved request before a version is promoted. No row means
-- the default: an approved request with all four checks.
CREATE TABLE promotion_policy (
  org_id TEXT PRIMARY KEY REFERENCES organization (id),
  require_approval INTEGER NOT NULL CHECK (require_approval IN (0, 1)),
  required_checks TEXT NOT NULL CHECK (
    json_valid(required_checks) AND json_type(required_checks) = 'array'
  ),
  updated_at TEXT NOT NULL,
  updated_by TEXT REFERENCES user (id),
  -- Checks can only have passed in an approved request.
  CHECK (require_approval = 1 OR json_array_length(required_checks) = 0)
);

-- GDPR declarations of a dataset (Art. 6 lawful basis, Art. 5(1)(e) storage limitation). A dataset
-- without a row has declared nothing, which the GDPR check reports.
CREATE TABLE dataset_governance (
  dataset_id TEXT PRIMARY KEY REFERENCES dataset (id),
  org_id TEXT NOT NULL REFERENCES organization (id),
  contains_personal_data INTEGER NOT NULL CHECK (contains_personal_data IN (0, 1)),
  lawful_basis TEXT CHECK (
    lawful_basis IS NULL OR lawful_basis IN (
      'CONSENT', 'CONTRACT', 'LEGAL_OBLIGATION', 'VITAL_INTERESTS', 'PUBLIC_TASK',
      'LEGITIMATE_INTERESTS'
    )
  ),
  retention_days INTEGER CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500),
  -- JSON array of { name, sampleValues } as declared, scanned for undeclared personal data.
  columns TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(columns) AND json_type(columns) = 'array'),
  declared_at TEXT NOT NULL,
  declared_by TEXT REFERENCES user (id)
);

-- Right to be forgotten (GDPR Art. 17): one open request per dataset, with its work list as found.
CREATE TABLE erasure_request (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  dataset_id TEXT NOT NULL UNIQUE REFERENCES dataset (id),
  reason TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
  affected_version_ids TEXT NOT NULL CHECK (json_valid(affected_version_ids)),
  affected_deployment_ids TEXT NOT NULL CHECK (json_valid(affected_deployment_ids)),
  requested_by TEXT REFERENCES user (id),
  created_at TEXT NOT NULL
);
CREATE INDEX erasure_request_org ON erasure_request (org_id, id);

CREATE TRIGGER erasure_request_no_update BEFORE UPDATE ON erasure_request
BEGIN
  SELECT RAISE(ABORT, 'erasure_request is a record');
END;

CREATE TRIGGER erasure_request_no_delete BEFORE DELETE ON erasure_request
BEGIN
  SELECT RAISE(ABORT, 'erasure_request is a record');
END;

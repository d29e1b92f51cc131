-- The registry core: organizations, users and tokens, the typed node tables, the single edge table
-- and the append-only audit trail. Timestamps are ISO-8601 UTC strings (they sort as text); ids are
-- UUIDv7 strings, so ordering by id is ordering by creation time and keyset cursors stay stable.

CREATE TABLE organization (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  created_at TEXT NOT NULL
);

CREATE TABLE user (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email TEXT CHECK (email IS NULL OR length(email) <= 320),
  role TEXT NOT NULL CHECK (role IN ('VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN')),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, email)
);
CREATE INDEX user_org ON user (org_id, id);

-- Only the SHA-256 of a token is stored; the prefix lets people recognise a token in a list.
CREATE TABLE api_token (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  user_id TEXT NOT NULL REFERENCES user (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX api_token_user ON api_token (user_id, id);

CREATE TABLE model (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT CHECK (description IS NULL OR length(description) <= 10000),
  -- JSON array of strings; filtered with json_each.
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  -- Denormalised from metadata so that filters can use an index.
  provider TEXT,
  framework TEXT,
  model_type TEXT,
  status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DEPRECATED', 'ARCHIVED')),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  updated_at TEXT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE INDEX model_org_created ON model (org_id, created_at, id);
CREATE INDEX model_org_provider ON model (org_id, provider);
CREATE INDEX model_org_framework ON model (org_id, framework);
CREATE INDEX model_org_status ON model (org_id, status);

CREATE TABLE model_version (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL REFERENCES model (id),
  version TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 128),
  description TEXT CHECK (description IS NULL OR length(description) <= 10000),
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (model_id, version),
  -- Target of the composite key below: an alias must point at a version of its own model.
  UNIQUE (id, model_id)
);
CREATE INDEX model_version_model ON model_version (model_id, id);

-- Named pointers to versions ("production", "champion", ...). One version per alias per model by the
-- primary key; the composite foreign key keeps the version inside the same model.
CREATE TABLE model_alias (
  model_id TEXT NOT NULL REFERENCES model (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  version_id TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES organization (id),
  updated_at TEXT NOT NULL,
  updated_by TEXT REFERENCES user (id),
  PRIMARY KEY (model_id, name),
  FOREIGN KEY (version_id, model_id) REFERENCES model_version (id, model_id)
);
CREATE INDEX model_alias_version ON model_alias (version_id);

CREATE TABLE dataset (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT CHECK (description IS NULL OR length(description) <= 10000),
  uri TEXT CHECK (uri IS NULL OR length(uri) <= 2048),
  format TEXT,
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, name)
);
CREATE INDEX dataset_org ON dataset (org_id, id);

CREATE TABLE deployment (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  environment TEXT NOT NULL CHECK (length(environment) BETWEEN 1 AND 32),
  description TEXT CHECK (description IS NULL OR length(description) <= 10000),
  endpoint_url TEXT CHECK (endpoint_url IS NULL OR length(endpoint_url) <= 2048),
  region TEXT,
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, name)
);
CREATE INDEX deployment_org ON deployment (org_id, id);

CREATE TABLE experiment (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT CHECK (description IS NULL OR length(description) <= 10000),
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  UNIQUE (org_id, name)
);
CREATE INDEX experiment_org ON experiment (org_id, id);

-- Every relationship of the graph. An edge is ended (removed_at) rather than deleted, so that the
-- graph can be read as it was at any time. Which kinds an edge type may join is enforced in code
-- (src/registry/lineage/lineage.ts) and mirrored here as CHECKs on the kinds.
CREATE TABLE edge (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  type TEXT NOT NULL CHECK (
    type IN ('TRAINED_ON', 'DERIVED_FROM', 'DEPLOYED_TO', 'REPLACED_BY', 'EVALUATED_ON', 'APPROVED_BY')
  ),
  src_id TEXT NOT NULL,
  src_kind TEXT NOT NULL CHECK (
    src_kind IN ('Model', 'ModelVersion', 'Dataset', 'Deployment', 'Experiment', 'User')
  ),
  dst_id TEXT NOT NULL,
  dst_kind TEXT NOT NULL CHECK (
    dst_kind IN ('Model', 'ModelVersion', 'Dataset', 'Deployment', 'Experiment', 'User')
  ),
  properties TEXT CHECK (properties IS NULL OR json_valid(properties)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  removed_at TEXT,
  removed_by TEXT REFERENCES user (id),
  CHECK (src_id <> dst_id),
  CHECK (removed_at IS NULL OR removed_at >= created_at)
);
CREATE INDEX edge_src ON edge (src_id, type, dst_id);
CREATE INDEX edge_dst ON edge (dst_id, type, src_id);
-- At most one live edge of a type between two nodes.
CREATE UNIQUE INDEX edge_live_unique ON edge (src_id, type, dst_id) WHERE removed_at IS NULL;
-- A model or version is replaced by at most one successor at a time.
CREATE UNIQUE INDEX edge_single_replacement ON edge (src_id) WHERE type = 'REPLACED_BY' AND removed_at IS NULL;

-- Append-only record of everything governance must be able to prove.
CREATE TABLE audit_event (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  actor_id TEXT REFERENCES user (id),
  action TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  before TEXT CHECK (before IS NULL OR json_valid(before)),
  after TEXT CHECK (after IS NULL OR json_valid(after)),
  reason TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX audit_event_subject ON audit_event (subject_id, id);
CREATE INDEX audit_event_org ON audit_event (org_id, id);

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
  SELECT RAISE(ABORT, 'audit_event is append-only');
END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
  SELECT RAISE(ABORT, 'audit_event is append-only');
END;

-- Experiment runs as MLflow records them (issue 17): runs with their parameters, metric history,
-- latest metrics and tags; experiment tags and MLflow's restorable delete; runs as lineage nodes.
-- Sizes follow MLflow's own limits (mlflow/utils/validation.py); the service checks them with
-- MLflow's messages, these CHECKs are the backstop.

-- MLflow deletes experiments softly and restores them; the name stays taken meanwhile (as in MLflow).
ALTER TABLE experiment ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'
  CHECK (lifecycle_stage IN ('active', 'deleted'));
ALTER TABLE experiment ADD COLUMN artifact_location TEXT;

CREATE TABLE experiment_tag (
  experiment_id TEXT NOT NULL REFERENCES experiment (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  value TEXT NOT NULL CHECK (length(value) <= 5000),
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;

-- One training or evaluation run. Times are epoch milliseconds, as MLflow sends them. A child run of
-- a sweep names its parent (MLflow's mlflow.parentRunId tag, kept as a column so trials are one
-- index range). mlflow_user is MLflow's free-text user_id; created_by is the authenticated user.
CREATE TABLE run (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  experiment_id TEXT NOT NULL REFERENCES experiment (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 250),
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  parent_run_id TEXT REFERENCES run (id),
  mlflow_user TEXT CHECK (mlflow_user IS NULL OR length(mlflow_user) <= 250),
  artifact_uri TEXT NOT NULL,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  updated_at TEXT NOT NULL
);
-- runs/search and Experiment.runs: one experiment's runs, newest first (MLflow's default order).
CREATE INDEX run_experiment ON run (experiment_id, start_time, id);
CREATE INDEX run_parent ON run (parent_run_id, id) WHERE parent_run_id IS NOT NULL;
CREATE INDEX run_org ON run (org_id, id);

-- Parameters are written once: a second, different value for a key is refused (MLflow's rule).
CREATE TABLE run_param (
  run_id TEXT NOT NULL REFERENCES run (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  value TEXT NOT NULL CHECK (length(value) <= 6000),
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE TABLE run_tag (
  run_id TEXT NOT NULL REFERENCES run (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  value TEXT NOT NULL CHECK (length(value) <= 8000),
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Every logged metric value. As MLflow's SQL store: NaN is stored as 0 with is_nan = 1 (SQLite has no
-- NaN), +-Infinity as +-1.7976931348623157e308; the same point logged twice is one row. The key
-- orders a history by step then time, so get-history pages by keyset without reading it all.
CREATE TABLE run_metric (
  run_id TEXT NOT NULL REFERENCES run (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
  PRIMARY KEY (run_id, key, step, timestamp, value, is_nan)
) WITHOUT ROWID;

-- The latest value per key (highest step, then time, then value: MLflow's rule), kept on write so that
-- a metric filter or order in runs/search reads one row per run.
CREATE TABLE run_latest_metric (
  run_id TEXT NOT NULL REFERENCES run (id),
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value REAL NOT NULL,
  is_nan INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_latest_metric_key ON run_latest_metric (key, value);

-- Datasets a run used (MLflow log-inputs), each one of our datasets found or registered by name; the
-- digest and source are MLflow's description of what was read. The lineage edge (TRAINED_ON, or
-- EVALUATED_ON for an "eval"/"test" context) is written beside it.
CREATE TABLE run_input (
  run_id TEXT NOT NULL REFERENCES run (id),
  dataset_id TEXT NOT NULL REFERENCES dataset (id),
  digest TEXT NOT NULL CHECK (length(digest) BETWEEN 1 AND 36),
  context TEXT,
  source_type TEXT,
  source TEXT,
  schema TEXT,
  profile TEXT,
  tags TEXT CHECK (tags IS NULL OR json_valid(tags)),
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, dataset_id, digest)
) WITHOUT ROWID;

-- A model version made from a run (MLflow model-versions/create with run_id): the run it came from and
-- the artifact source it names. The DERIVED_FROM edge to the run carries the lineage.
ALTER TABLE model_version ADD COLUMN run_id TEXT REFERENCES run (id);
ALTER TABLE model_version ADD COLUMN source TEXT CHECK (source IS NULL OR length(source) <= 2048);

-- MLflow's key/value tags on registered models and versions (our models' tags are labels, a list).
CREATE TABLE model_tag (
  model_id TEXT NOT NULL REFERENCES model (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  value TEXT NOT NULL CHECK (length(value) <= 5000),
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;
CREATE TABLE model_version_tag (
  version_id TEXT NOT NULL REFERENCES model_version (id),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 250),
  value TEXT NOT NULL CHECK (length(value) <= 5000),
  PRIMARY KEY (version_id, key)
) WITHOUT ROWID;

-- Runs become lineage nodes (dataset -> run -> version -> deployment). The kinds are CHECKs on edge,
-- and SQLite cannot alter a CHECK: the table is rebuilt with 'Run' added, keeping every row, index and
-- trigger as they were.
CREATE TABLE edge_new (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  type TEXT NOT NULL CHECK (
    type IN ('TRAINED_ON', 'DERIVED_FROM', 'DEPLOYED_TO', 'REPLACED_BY', 'EVALUATED_ON', 'APPROVED_BY')
  ),
  src_id TEXT NOT NULL,
  src_kind TEXT NOT NULL CHECK (
    src_kind IN ('Model', 'ModelVersion', 'Dataset', 'Deployment', 'Experiment', 'User', 'Run')
  ),
  dst_id TEXT NOT NULL,
  dst_kind TEXT NOT NULL CHECK (
    dst_kind IN ('Model', 'ModelVersion', 'Dataset', 'Deployment', 'Experiment', 'User', 'Run')
  ),
  properties TEXT CHECK (properties IS NULL OR json_valid(properties)),
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  removed_at TEXT,
  removed_by TEXT REFERENCES user (id),
  CHECK (src_id <> dst_id),
  CHECK (removed_at IS NULL OR removed_at >= created_at)
);
-- This trigger on dataset reads edge; SQLite refuses the rename while it names a missing table.
DROP TRIGGER model_version_embedding_on_dataset_change;
INSERT INTO edge_new SELECT id, org_id, type, src_id, src_kind, dst_id, dst_kind, properties,
  created_at, created_by, removed_at, removed_by FROM edge;
DROP TABLE edge;
ALTER TABLE edge_new RENAME TO edge;
CREATE INDEX edge_src ON edge (src_id, type, dst_id);
CREATE INDEX edge_dst ON edge (dst_id, type, src_id);
CREATE UNIQUE INDEX edge_live_unique ON edge (src_id, type, dst_id) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX edge_single_replacement ON edge (src_id) WHERE type = 'REPLACED_BY' AND removed_at IS NULL;
CREATE TRIGGER model_version_embedding_on_training_edge AFTER INSERT ON edge
WHEN NEW.type = 'TRAINED_ON' AND NEW.src_kind = 'ModelVersion'
BEGIN
  UPDATE model_version_embedding SET card_generation = card_generation + 1
  WHERE version_id = NEW.src_id;
END;
CREATE TRIGGER model_version_embedding_on_training_edge_end AFTER UPDATE ON edge
WHEN NEW.type = 'TRAINED_ON' AND NEW.src_kind = 'ModelVersion'
  AND OLD.removed_at IS NOT NEW.removed_at
BEGIN
  UPDATE model_version_embedding SET card_generation = card_generation + 1
  WHERE version_id = NEW.src_id;
END;
CREATE TRIGGER model_version_embedding_on_dataset_change AFTER UPDATE ON dataset
WHEN OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description
BEGIN
  UPDATE model_version_embedding SET card_generation = card_generation + 1
  WHERE version_id IN (
    SELECT src_id FROM edge WHERE dst_id = NEW.id AND type = 'TRAINED_ON' AND removed_at IS NULL
  );
END;

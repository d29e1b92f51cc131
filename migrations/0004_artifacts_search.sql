-- Artifacts of model versions (the bytes live in R2, the record here) and the embeddings behind
-- similarity search (the freshness bookkeeping here; the vectors in Vectorize, or in
-- vector_entry for the local default).

-- One file of a model version. A row exists from the moment an upload starts (PENDING) and becomes
-- COMPLETE once the bytes are in R2 and their SHA-256 matched the declared one; a failed or aborted
-- upload deletes its row, so nothing half-uploaded is ever listed. Names are write-once per version
-- (versions are immutable): the unique index covers pending and complete rows alike.
CREATE TABLE artifact (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  model_id TEXT NOT NULL REFERENCES model (id),
  version_id TEXT NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  kind TEXT NOT NULL CHECK (
    kind IN ('WEIGHTS', 'CHECKPOINT', 'TOKENIZER', 'MODEL_CARD', 'CONFIG', 'OTHER')
  ),
  content_type TEXT NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  -- Lowercase hex, declared by the client when the upload starts and verified when it completes.
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  r2_key TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETE')),
  -- Set for multipart uploads: R2's upload id and the size of every part but the last.
  multipart_upload_id TEXT,
  part_size INTEGER CHECK (part_size IS NULL OR part_size > 0),
  -- SHA-256 (hex, first 16 characters) of the SSE-C key the object was written with; null when R2
  -- holds it unencrypted. Downloads refuse to run with another key.
  encryption_key_id TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT REFERENCES user (id),
  completed_at TEXT,
  CHECK ((status = 'COMPLETE') = (completed_at IS NOT NULL)),
  CHECK ((multipart_upload_id IS NULL) = (part_size IS NULL)),
  FOREIGN KEY (version_id, model_id) REFERENCES model_version (id, model_id)
);
CREATE UNIQUE INDEX artifact_version_name ON artifact (version_id, name);
CREATE INDEX artifact_version_status ON artifact (version_id, status, id);
CREATE INDEX artifact_org ON artifact (org_id, id);

-- The parts of a multipart upload received so far. Re-sending a part replaces its row (and R2's
-- part), which is how a client resumes a failed part.
CREATE TABLE artifact_part (
  artifact_id TEXT NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
  org_id TEXT NOT NULL REFERENCES organization (id),
  etag TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (artifact_id, part_number)
);

-- Freshness of each version's embedding. card_generation counts changes to what the model card is
-- built from; the triggers below bump it in the same transaction as the change, whoever makes it.
-- The search service re-embeds versions whose embedded_generation is behind (or that were embedded
-- by another embedder) before it searches, so an embedding is never stale for a search.
CREATE TABLE model_version_embedding (
  version_id TEXT PRIMARY KEY REFERENCES model_version (id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  card_generation INTEGER NOT NULL DEFAULT 1,
  embedded_generation INTEGER NOT NULL DEFAULT 0,
  -- SHA-256 of the card text last embedded: a change that leaves the card as it was re-embeds nothing.
  card_hash TEXT,
  -- Which embedder (model and dimensions) produced the stored vector.
  embedder TEXT,
  embedded_at TEXT
);
CREATE INDEX model_version_embedding_stale ON model_version_embedding (org_id, version_id)
  WHERE embedded_generation < card_generation;
CREATE INDEX model_version_embedding_embedder ON model_version_embedding (org_id, embedder);
CREATE INDEX model_version_embedding_model ON model_version_embedding (model_id);

INSERT INTO model_version_embedding (version_id, org_id, model_id)
SELECT id, org_id, model_id FROM model_version;

CREATE TRIGGER model_version_embedding_on_insert AFTER INSERT ON model_version
BEGIN
  INSERT OR IGNORE INTO model_version_embedding (version_id, org_id, model_id)
  VALUES (NEW.id, NEW.org_id, NEW.model_id);
END;

CREATE TRIGGER model_version_embedding_on_version_change AFTER UPDATE ON model_version
WHEN OLD.description IS NOT NEW.description OR OLD.metadata IS NOT NEW.metadata
BEGIN
  UPDATE model_version_embedding SET card_generation = card_generation + 1
  WHERE version_id = NEW.id;
END;

CREATE TRIGGER model_version_embedding_on_model_change AFTER UPDATE ON model
WHEN OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description
  OR OLD.tags IS NOT NEW.tags OR OLD.metadata IS NOT NEW.metadata
  OR OLD.provider IS NOT NEW.provider OR OLD.framework IS NOT NEW.framework
  OR OLD.model_type IS NOT NEW.model_type
BEGIN
  UPDATE model_version_embedding SET card_generation = card_generation + 1
  WHERE model_id = NEW.id;
END;

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

-- The local VectorIndex: exact cosine search over these rows. Vectors are stored L2-normalised as
-- base64 of little-endian float32 (D1 hands BLOBs back as arrays of numbers, which is ~6x slower to
-- read than base64 text). Production keeps vectors in Vectorize instead and leaves this table empty.
CREATE TABLE vector_entry (
  org_id TEXT NOT NULL,
  id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  dimensions INTEGER NOT NULL CHECK (dimensions > 0),
  vector TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org_id, id)
);

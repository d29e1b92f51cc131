-- Versions become editable (description and metadata, never what identifies the artifact), so they
-- need what models have: updated_at for optimistic concurrency (expectedUpdatedAt). Existing
-- versions were never changed after creation, so their last change is their creation.
ALTER TABLE model_version ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE model_version SET updated_at = created_at;

-- Versions can be archived: hidden from default version lists and search, still readable by id,
-- never promoted. Only the two states: a version is deprecated through its model (REPLACED_BY).
ALTER TABLE model_version ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE'
  CHECK (status IN ('ACTIVE', 'ARCHIVED'));

-- Datasets, deployments and experiments become editable too (name, description, metadata), with the
-- same optimistic concurrency; none was ever changed after creation, so the backfill is exact.
ALTER TABLE dataset ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE dataset SET updated_at = created_at;
ALTER TABLE deployment ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE deployment SET updated_at = created_at;
ALTER TABLE experiment ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE experiment SET updated_at = created_at;

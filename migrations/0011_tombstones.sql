-- Deleting a model, a version or a dataset leaves a tombstone instead of removing the row: approvals
-- and compliance checks refuse deletion (their triggers), metric points and tracked requests keep
-- pointing at what they measured, and the audit trail must still resolve its subjects. A deleted row
-- has deleted_at set, is found by no list, look-up, search or write, and gives up its name: the row
-- is renamed "deleted:<id>", because the UNIQUE constraints on (org_id, name) and
-- (model_id, version) are part of the tables and cannot be made partial without rebuilding them.
-- The name it had is kept beside it (deleted_name, deleted_version), for what still points at the
-- tombstone: an approval, an audit event, a lineage walk as of an earlier time.
ALTER TABLE model ADD COLUMN deleted_at TEXT;
ALTER TABLE model ADD COLUMN deleted_name TEXT;
ALTER TABLE model_version ADD COLUMN deleted_at TEXT;
ALTER TABLE model_version ADD COLUMN deleted_version TEXT;
ALTER TABLE dataset ADD COLUMN deleted_at TEXT;
ALTER TABLE dataset ADD COLUMN deleted_name TEXT;

-- Idempotency keys (issue 8, "no lost or doubled writes").
--
-- One row per (organization, scope, key): scope is a GraphQL mutation name ("modelRegister") or a
-- REST route ("POST /api/models"). The row is written in the same D1 batch as the mutation's own
-- rows, so a key never exists without its write, nor a write without its key; the UNIQUE index
-- decides between concurrent retries (the loser's batch fails whole, and it replays the winner's).
CREATE TABLE idempotency_key (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization (id),
  scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 200),
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  -- SHA-256 (hex) of the canonical JSON of the input without its key: same key, other input -> conflict.
  request_hash TEXT NOT NULL CHECK (length(request_hash) = 64),
  -- 'COMPLETE' rows hold the first result. 'PENDING' is used by REST only: a reservation taken
  -- before the route's handler runs (its batch is not reachable from the router), completed with
  -- the response or deleted when the answer is not a 2xx.
  state TEXT NOT NULL CHECK (state IN ('PENDING', 'COMPLETE')),
  -- The first result as JSON: a mutation's domain result, or a REST response body.
  response TEXT,
  -- REST only: the status and content type replayed with the body.
  response_status INTEGER,
  response_type TEXT,
  created_at TEXT NOT NULL,
  -- At least 24 hours after created_at; the scheduled job deletes rows past it.
  expires_at TEXT NOT NULL,
  CHECK (state = 'PENDING' OR response IS NOT NULL)
);
CREATE UNIQUE INDEX idempotency_key_scope_key ON idempotency_key (org_id, scope, key);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_at, id);

-- inferenceTrack keeps its per-request keys on the request row; the hash of each request (without
-- its key) tells a retry (same hash: replayed) from a different request reusing a key (conflict).
-- NULL on rows recorded before this migration: those keys replay as before.
ALTER TABLE inference_request ADD COLUMN request_hash TEXT
  CHECK (request_hash IS NULL OR length(request_hash) = 64);

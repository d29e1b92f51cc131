-- Artifact uploads: checksums of multi-GB multipart uploads without reading the object back, and
-- expiry of uploads that were started and never completed.

-- The composite checksum of a multipart upload: SHA-256 over the concatenated 32-byte SHA-256
-- digests of its parts, in part order (lowercase hex). Declared by the client (when it starts or
-- completes the upload) and compared on completion with the one computed from the part digests the
-- Worker recorded as each part streamed through it. Null for single-request uploads.
ALTER TABLE artifact ADD COLUMN composite_sha256 TEXT
  CHECK (composite_sha256 IS NULL OR length(composite_sha256) = 64);

-- When a pending upload expires if nothing more arrives: set when it starts, pushed forward by each
-- part received; null once complete. A scheduled job (src/scheduled.ts) removes expired uploads.
ALTER TABLE artifact ADD COLUMN expires_at TEXT;

-- Uploads pending before this migration get the default time to live (24 hours) from their start.
UPDATE artifact SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+24 hours')
WHERE status = 'PENDING';

CREATE INDEX artifact_pending_expiry ON artifact (expires_at, id) WHERE status = 'PENDING';

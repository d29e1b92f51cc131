export interface ArtifactTable {
  id: string;
  org_id: string;
  model_id: string;
  version_id: string;
  name: string;
  kind: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  r2_key: string;
  status: string;
  multipart_upload_id: string | null;
  part_size: number | null;
  encryption_key_id: string | null;
  created_at: string;
  created_by: string | null;
  completed_at: string | null;
  /** Migration 0007: SHA-256 of the part digests, declared by the client (multipart only). */
  composite_sha256: string | null;
  /** Migration 0007: when a pending upload expires; null once complete. */
  expires_at: string | null;
}

export interface ArtifactPartTable {
  artifact_id: string;
  part_number: number;
  org_id: string;
  etag: string;
  size_bytes: number;
  sha256: string;
  uploaded_at: string;
}

import { RegistryError } from '../errors.ts';
import type { ArtifactPartTable, ArtifactTable } from './artifact.table.ts';

export const ARTIFACT_KINDS = [
  'WEIGHTS',
  'CHECKPOINT',
  'TOKENIZER',
  'MODEL_CARD',
  'CONFIG',
  'OTHER',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const ARTIFACT_STATUSES = ['PENDING', 'COMPLETE'] as const;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];

const MiB = 1024 * 1024;
/** R2 refuses multipart parts below 5 MiB, except the last. */
export const MIN_PART_SIZE = 5 * MiB;
/**
 * Every byte reaches R2 through a Worker request, and Workers accept request bodies up to 100 MB
 * (Free and Pro plans): one PUT, whole file or part, carries at most this.
 */
export const MAX_REQUEST_BODY = 100_000_000;
/** R2 takes at most 10,000 parts per multipart upload. */
export const MAX_PARTS = 10_000;
export const DEFAULT_PART_SIZE = 64 * MiB;

export interface Artifact {
  kind: 'Artifact';
  id: string;
  orgId: string;
  modelId: string;
  versionId: string;
  name: string;
  artifactKind: ArtifactKind;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  r2Key: string;
  status: ArtifactStatus;
  multipartUploadId: string | null;
  partSize: number | null;
  encryptionKeyId: string | null;
  createdAt: Date;
  createdById: string | null;
  completedAt: Date | null;
}

export interface ArtifactPart {
  partNumber: number;
  sizeBytes: number;
  sha256: string;
  etag: string;
  uploadedAt: Date;
}

export function toArtifact(row: ArtifactTable): Artifact {
  return {
    kind: 'Artifact',
    id: row.id,
    orgId: row.org_id,
    modelId: row.model_id,
    versionId: row.version_id,
    name: row.name,
    artifactKind: row.kind as ArtifactKind,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    r2Key: row.r2_key,
    status: row.status as ArtifactStatus,
    multipartUploadId: row.multipart_upload_id,
    partSize: row.part_size,
    encryptionKeyId: row.encryption_key_id,
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    completedAt: row.completed_at === null ? null : new Date(row.completed_at),
  };
}

export function toArtifactPart(row: ArtifactPartTable): ArtifactPart {
  return {
    partNumber: row.part_number,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    etag: row.etag,
    uploadedAt: new Date(row.uploaded_at),
  };
}

/** How many parts a multipart upload of `sizeBytes` in parts of `partSize` has. */
export function partCount(artifact: Pick<Artifact, 'sizeBytes' | 'partSize'>): number {
  if (artifact.partSize === null) return 1;
  return Math.max(1, Math.ceil(artifact.sizeBytes / artifact.partSize));
}

/** The exact size part `partNumber` must have: partSize, except the last, which takes the rest. */
export function expectedPartSize(
  artifact: Pick<Artifact, 'sizeBytes' | 'partSize'>,
  partNumber: number,
): number {
  const size = artifact.partSize ?? artifact.sizeBytes;
  const count = partCount(artifact);
  return partNumber < count ? size : artifact.sizeBytes - size * (count - 1);
}

/** Where an artifact's bytes live in R2: under its organization, model and version. */
export function artifactKey(row: {
  orgId: string;
  modelId: string;
  versionId: string;
  id: string;
  name: string;
}): string {
  return `orgs/${row.orgId}/models/${row.modelId}/versions/${row.versionId}/artifacts/${row.id}/${encodeURIComponent(row.name)}`;
}

/** The uploaded bytes do not hash to the SHA-256 declared when the upload started. */
export class ChecksumMismatchError extends RegistryError {
  readonly expected: string;
  readonly actual: string | null;

  constructor(expected: string, actual: string | null, path: readonly string[] = []) {
    super(
      `The uploaded bytes have SHA-256 ${actual ?? '(other)'}, not the declared ${expected}; the upload was discarded`,
      path,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

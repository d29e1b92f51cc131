import { RegistryError } from '../errors.ts';
import { hex } from '../sha256.ts';
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
/**
 * Business and Enterprise plans accept larger request bodies (200 and 500 MB): a deployment may
 * raise the per-request limit with ARTIFACT_MAX_REQUEST_BYTES up to this.
 */
export const MAX_CONFIGURABLE_REQUEST_BODY = 500_000_000;
/** How long a pending upload lives without receiving anything (ARTIFACT_UPLOAD_TTL_HOURS). */
export const DEFAULT_UPLOAD_TTL_HOURS = 24;
const MAX_UPLOAD_TTL_HOURS = 30 * 24;

/** Per-deployment upload settings, from the Worker's vars; the defaults when unset or invalid. */
export interface UploadLimits {
  /** Bytes one PUT (whole file or part) may carry. */
  maxRequestBody: number;
  /** Milliseconds a pending upload lives after it started or last received a part. */
  uploadTtlMs: number;
}

export function uploadLimits(env: {
  ARTIFACT_MAX_REQUEST_BYTES?: string;
  ARTIFACT_UPLOAD_TTL_HOURS?: string;
}): UploadLimits {
  const body = Number(env.ARTIFACT_MAX_REQUEST_BYTES);
  const hours = Number(env.ARTIFACT_UPLOAD_TTL_HOURS);
  return {
    maxRequestBody:
      Number.isSafeInteger(body) && body >= MIN_PART_SIZE
        ? Math.min(body, MAX_CONFIGURABLE_REQUEST_BODY)
        : MAX_REQUEST_BODY,
    uploadTtlMs:
      (Number.isFinite(hours) && hours > 0
        ? Math.min(hours, MAX_UPLOAD_TTL_HOURS)
        : DEFAULT_UPLOAD_TTL_HOURS) * 3_600_000,
  };
}

/**
 * How an artifact's bytes were checked against what the client declared:
 * - WHOLE_FILE: the Worker hashed every byte as it streamed and it matched `sha256` (single-request
 *   uploads, and multipart uploads of one part, whose part digest is the file's).
 * - PARTS: each part was hashed by the Worker as it streamed, and the SHA-256 of those part
 *   digests matched the client's `compositeSha256`. The stored bytes are then exactly the bytes
 *   the client hashed; the whole-file `sha256` is recorded as the client declared it, not
 *   recomputed (that would read the whole object in one request).
 */
export const CHECKSUM_VERIFICATIONS = ['WHOLE_FILE', 'PARTS'] as const;
export type ChecksumVerification = (typeof CHECKSUM_VERIFICATIONS)[number];

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
  compositeSha256: string | null;
  expiresAt: Date | null;
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
    compositeSha256: row.composite_sha256,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
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

export function checksumVerification(
  artifact: Pick<Artifact, 'sizeBytes' | 'partSize'>,
): ChecksumVerification {
  return partCount(artifact) > 1 ? 'PARTS' : 'WHOLE_FILE';
}

/**
 * The composite checksum of a multipart upload: SHA-256 over the concatenation of the parts'
 * 32-byte SHA-256 digests, in part order, as lowercase hex. A client computes it from its file
 * with the same part size; e.g. with coreutils, for parts split into part-0001, part-0002...:
 *   for p in part-*; do sha256sum "$p" | cut -c1-64; done | xxd -r -p | sha256sum
 */
export async function compositeSha256(partDigestsHex: readonly string[]): Promise<string> {
  const joined = new Uint8Array(partDigestsHex.length * 32);
  partDigestsHex.forEach((digest, index) => {
    for (let i = 0; i < 32; i++) {
      joined[index * 32 + i] = Number.parseInt(digest.slice(i * 2, i * 2 + 2), 16);
    }
  });
  return hex(await crypto.subtle.digest('SHA-256', joined));
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

/**
 * The upload was started and not completed within its time to live (ARTIFACT_UPLOAD_TTL_HOURS
 * after it started or last received a part): it takes no more bytes and cannot complete.
 */
export class UploadExpiredError extends RegistryError {
  readonly expiredAt: Date;

  constructor(expiredAt: Date, path: readonly string[] = []) {
    super(
      `This upload expired at ${expiredAt.toISOString()} (no part arrived within its time to live) and was or will be removed; start a new upload with artifactUploadCreate`,
      path,
    );
    this.expiredAt = expiredAt;
  }
}

/** Which checksum a ChecksumMismatchError is about. */
export type ChecksumKind = 'SHA256' | 'COMPOSITE_SHA256' | 'PART_SHA256';

const CHECKSUM_CONSEQUENCES: Record<ChecksumKind, [string, string]> = {
  SHA256: ['SHA-256', 'the upload was discarded'],
  COMPOSITE_SHA256: [
    'composite SHA-256 (SHA-256 of the part digests, in part order)',
    'the upload was discarded',
  ],
  PART_SHA256: ['SHA-256', 'the part was not recorded; send it again'],
};

/** The uploaded bytes do not hash to the SHA-256 declared for them. */
export class ChecksumMismatchError extends RegistryError {
  readonly expected: string;
  readonly actual: string | null;
  readonly checksum: ChecksumKind;

  constructor(
    expected: string,
    actual: string | null,
    path: readonly string[] = [],
    checksum: ChecksumKind = 'SHA256',
  ) {
    const [what, consequence] = CHECKSUM_CONSEQUENCES[checksum];
    super(
      `The uploaded bytes have ${what} ${actual ?? '(other)'}, not the declared ${expected}; ${consequence}`,
      path,
    );
    this.expected = expected;
    this.actual = actual;
    this.checksum = checksum;
  }
}

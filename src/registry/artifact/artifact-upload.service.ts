import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { findAuditEventsBySubject, insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { findVersionsByIds } from '../model/model.repository.ts';
import { requireName } from '../validate.ts';
import {
  artifactIsPending,
  deleteArtifact,
  deleteArtifactParts,
  findArtifactByVersionAndName,
  findArtifactsByIds,
  insertArtifact,
  markArtifactComplete,
} from './artifact.repository.ts';
import {
  ARTIFACT_KINDS,
  type Artifact,
  type ArtifactKind,
  artifactKey,
  ChecksumMismatchError,
  DEFAULT_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  partCount,
  toArtifact,
  UploadExpiredError,
} from './artifact.ts';
import { encryptionKey, findArtifact, keyOf } from './artifact-read.service.ts';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i;

export interface ArtifactUploadCreateInput {
  versionId: string;
  name: string;
  kind: ArtifactKind;
  contentType?: string | null;
  sizeBytes: number;
  sha256: string;
  multipart?: boolean | null;
  partSize?: number | null;
  compositeSha256?: string | null;
}

export function checkSha256(value: string, path: readonly string[], what: string): string {
  const sha256 = value.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) {
    throw new ValidationError(`Must be ${what} as 64 hex characters`, path);
  }
  return sha256;
}

function checkName(value: string): string {
  const name = requireName(value, ['name'], { max: 255 });
  if (
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((s) => s === '..' || s === '.' || s === '')
  ) {
    throw new ValidationError(
      'Must be a file name or relative path without ".", ".." or empty segments',
      ['name'],
    );
  }
  return name;
}

/**
 * Starts an upload: checks the version, reserves the name (write-once per version: versions are
 * immutable) and, for a multipart upload, opens it in R2. Nothing is listed until it completes.
 */
export async function createArtifactUpload(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  input: ArtifactUploadCreateInput,
  claim?: IdempotencyClaim,
): Promise<Artifact> {
  const name = checkName(input.name);
  if (!(ARTIFACT_KINDS as readonly string[]).includes(input.kind)) {
    throw new ValidationError('Unknown artifact kind', ['kind']);
  }
  const contentType = (input.contentType ?? 'application/octet-stream').trim();
  if (contentType.length > 255 || !CONTENT_TYPE.test(contentType)) {
    throw new ValidationError('Must be a media type such as application/octet-stream', [
      'contentType',
    ]);
  }
  const sizeBytes = input.sizeBytes;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new ValidationError('Must be a whole number of bytes, 0 or more', ['sizeBytes']);
  }
  const sha256 = checkSha256(input.sha256, ['sha256'], 'the SHA-256 of the file');
  const { maxRequestBody, uploadTtlMs } = deps.config.uploadLimits;
  const multipart = input.multipart ?? (input.partSize != null || sizeBytes > maxRequestBody);
  let partSize: number | null = null;
  if (multipart) {
    partSize =
      input.partSize ??
      Math.min(maxRequestBody, Math.max(DEFAULT_PART_SIZE, Math.ceil(sizeBytes / MAX_PARTS)));
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > maxRequestBody) {
      throw new ValidationError(
        `Must be from ${MIN_PART_SIZE} (5 MiB, R2's minimum) to ${maxRequestBody} bytes (a Worker request body)`,
        ['partSize'],
      );
    }
    if (sizeBytes === 0) {
      throw new ValidationError('An empty file is uploaded in one PUT, not in parts', [
        'multipart',
      ]);
    }
    if (Math.ceil(sizeBytes / partSize) > MAX_PARTS) {
      throw new ValidationError(`More than ${MAX_PARTS} parts: choose a larger partSize`, [
        'partSize',
      ]);
    }
  } else {
    if (input.partSize != null) {
      throw new ValidationError('partSize applies to multipart uploads only', ['partSize']);
    }
    if (sizeBytes > maxRequestBody) {
      throw new ValidationError(
        `A single PUT carries at most ${maxRequestBody} bytes; upload larger files in parts (multipart: true)`,
        ['sizeBytes'],
      );
    }
  }
  let composite: string | null = null;
  if (input.compositeSha256 != null) {
    if (!multipart) {
      throw new ValidationError('compositeSha256 applies to multipart uploads only', [
        'compositeSha256',
      ]);
    }
    composite = checkSha256(
      input.compositeSha256,
      ['compositeSha256'],
      'the SHA-256 of the parts’ SHA-256 digests',
    );
  }

  const [version] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  if (!version) {
    throw new NotFoundError(
      'No model version with this id',
      ['versionId'],
      input.versionId,
      'ModelVersion',
    );
  }
  const existing = await findArtifactByVersionAndName(deps.db, viewer.orgId, version.id, name);
  if (existing) throw nameTaken(existing.status, name, version.version);

  const key = await encryptionKey(deps, viewer.orgId);
  const id = newId();
  const r2Key = artifactKey({
    orgId: viewer.orgId,
    modelId: version.model_id,
    versionId: version.id,
    id,
    name,
  });
  const upload = multipart
    ? await deps.bucket.createMultipartUpload(r2Key, {
        httpMetadata: { contentType },
        customMetadata: { sha256, artifactId: id },
        ...(key ? { ssecKey: key.key } : {}),
      })
    : null;
  const createdAt = nowIso();
  const row = {
    id,
    org_id: viewer.orgId,
    model_id: version.model_id,
    version_id: version.id,
    name,
    kind: input.kind,
    content_type: contentType,
    size_bytes: sizeBytes,
    sha256,
    r2_key: r2Key,
    status: 'PENDING',
    multipart_upload_id: upload?.uploadId ?? null,
    part_size: partSize,
    encryption_key_id: key?.keyId ?? null,
    created_at: createdAt,
    created_by: viewer.userId,
    completed_at: null,
    composite_sha256: composite,
    expires_at: new Date(Date.parse(createdAt) + uploadTtlMs).toISOString(),
  };
  const artifact = toArtifact(row);
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, artifact),
      insertArtifact(deps.db, row),
    ]);
  } catch (error) {
    await upload?.abort().catch(() => undefined);
    if (String(error).includes('UNIQUE constraint failed: artifact.version_id, artifact.name')) {
      throw nameTaken('PENDING', name, version.version);
    }
    throw error;
  }
  return artifact;
}

function nameTaken(status: string, name: string, version: string) {
  return status === 'COMPLETE'
    ? new ConflictError(
        `Version ${version} already has an artifact "${name}"; versions are immutable, so it cannot be overwritten`,
        ['name'],
      )
    : new ConflictError(
        `An upload of "${name}" to version ${version} is in progress; complete or abort it first`,
        ['name'],
      );
}

/** Refuses an upload past its time to live, even before the scheduled job has removed it. */
export function refuseExpired(artifact: Artifact, path: readonly string[], now = Date.now()): void {
  if (artifact.status === 'PENDING' && artifact.expiresAt && artifact.expiresAt.getTime() <= now) {
    throw new UploadExpiredError(artifact.expiresAt, path);
  }
}

/**
 * The artifact an upload request names. When it is gone because it expired, says so
 * (UploadExpiredError, from its audit trail) rather than a bare NotFoundError.
 */
export async function findUploadingArtifact(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  id: string,
  path: readonly string[],
): Promise<Artifact> {
  try {
    return await findArtifact(deps, viewer, id, path);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const events = await findAuditEventsBySubject(deps.db, viewer.orgId, id, {
      after: null,
      before: null,
      limit: 5,
      inverted: true,
    });
    const expiry = events.find((event) => event.action === 'artifact.expire');
    if (!expiry) throw error;
    const before = JSON.parse(expiry.before ?? '{}') as { expiresAt?: string };
    throw new UploadExpiredError(new Date(before.expiresAt ?? expiry.created_at), path);
  }
}

export async function pendingArtifact(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
  mode: 'single' | 'multipart',
  path: readonly string[] = [],
): Promise<Artifact> {
  const artifact = await findUploadingArtifact(deps, viewer, id, path);
  if (artifact.status !== 'PENDING') {
    throw new ConflictError(
      'This artifact is complete; versions are immutable, so it cannot be overwritten',
      path,
    );
  }
  refuseExpired(artifact, path);
  if (mode === 'single' && artifact.multipartUploadId !== null) {
    throw new ConflictError('This is a multipart upload: PUT its parts to /parts/<n>', path);
  }
  if (mode === 'multipart' && artifact.multipartUploadId === null) {
    throw new ConflictError('This is a single-request upload: PUT the whole file', path);
  }
  return artifact;
}

export function checkLength(contentLength: number | null, expected: number, what: string) {
  if (contentLength === null) {
    throw new ValidationError(`Send Content-Length: ${expected} (${what})`);
  }
  if (contentLength !== expected) {
    throw new ValidationError(
      `${what} must be exactly ${expected} bytes; Content-Length says ${contentLength}`,
    );
  }
}

/**
 * Streams a whole file to R2 and completes the upload: R2 checks the declared SHA-256 as it writes
 * (put's `sha256` option) and refuses the object on a mismatch. The bytes go from the request to
 * R2 without entering JavaScript (a native FixedLengthStream only): a hashing TransformStream of our
 * own here made every chunk a JS buffer, collected late, and cost ~100 MiB more than a bare
 * `put(request.body)` on a 500 MB body (bench/README.md, scenario `artifacts`), for a check R2
 * already makes. A mismatch stores nothing and deletes the pending upload (nothing registered); a
 * broken connection leaves it pending, to PUT again.
 */
export async function uploadArtifactBody(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | null,
): Promise<Artifact> {
  const artifact = await pendingArtifact(deps, viewer, id, 'single');
  checkLength(contentLength, artifact.sizeBytes, 'The body');
  const key = await keyOf(deps, artifact);
  const exact = (body ?? new Blob([]).stream()).pipeThrough(
    new FixedLengthStream(artifact.sizeBytes),
  );
  try {
    await deps.bucket.put(artifact.r2Key, exact, {
      httpMetadata: { contentType: artifact.contentType },
      customMetadata: { sha256: artifact.sha256, artifactId: artifact.id },
      sha256: artifact.sha256,
      ...(key ? { ssecKey: key.key } : {}),
    });
  } catch (error) {
    if (/SHA-256 checksum|BadDigest/i.test(String(error))) {
      await discardUpload(deps, artifact);
      throw new ChecksumMismatchError(artifact.sha256, null);
    }
    throw new ValidationError(
      `The body could not be stored (${String(error).slice(0, 200)}); the upload stays pending, PUT it again`,
    );
  }
  return registerCompletion(deps, viewer, artifact, null);
}

/**
 * Writes the completion and its audit row together, only if the upload is still pending. If it is
 * gone meanwhile (aborted, expired), the object just written is deleted, so no bytes stay in R2
 * without a record; if another request completed it, the object is theirs and stays.
 */
export async function registerCompletion(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  artifact: Artifact,
  composite: string | null,
): Promise<Artifact> {
  const now = nowIso();
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'artifact.upload',
        subjectId: artifact.id,
        subjectKind: 'Artifact',
        after: {
          versionId: artifact.versionId,
          name: artifact.name,
          kind: artifact.artifactKind,
          sizeBytes: artifact.sizeBytes,
          sha256: artifact.sha256,
          ...(composite ? { compositeSha256: composite, parts: partCount(artifact) } : {}),
          encrypted: artifact.encryptionKeyId !== null,
        },
      },
      artifactIsPending(artifact.id),
    ),
    markArtifactComplete(deps.db, artifact.id, now, composite),
    deleteArtifactParts(deps.db, artifact.id),
  ]);
  if (results[1]?.meta.changes === 0) {
    const [row] = await findArtifactsByIds(deps.db, viewer.orgId, [artifact.id]);
    if (!row) await deps.bucket.delete(artifact.r2Key);
    throw new ConflictError(
      'The upload was aborted, expired or completed by another request meanwhile',
    );
  }
  return {
    ...artifact,
    status: 'COMPLETE',
    completedAt: new Date(now),
    compositeSha256: composite,
    expiresAt: null,
  };
}

/** Forgets a pending upload: its row and parts go, so nothing of it stays registered. */
export async function discardUpload(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  artifact: Artifact,
): Promise<void> {
  if (artifact.multipartUploadId !== null) {
    await deps.bucket
      .resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId)
      .abort()
      .catch(() => undefined);
  }
  await runBatch(deps.d1, [
    deleteArtifactParts(deps.db, artifact.id),
    deleteArtifact(deps.db, artifact.id).where('status', '=', 'PENDING'),
  ]);
}

/** Abandons a pending upload: R2's multipart upload is aborted and the reservation removed. */
export async function abortArtifactUpload(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
): Promise<Artifact> {
  const path = ['artifactId'];
  const artifact = await findArtifact(deps, viewer, id, path);
  if (artifact.status !== 'PENDING') {
    throw new ConflictError(
      'Only pending uploads are aborted; an administrator deletes artifacts',
      path,
    );
  }
  await discardUpload(deps, artifact);
  return artifact;
}

import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import {
  findAuditEventsBySubject,
  insertAuditEvent,
  insertAuditEventWhere,
} from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { findVersionsByIds } from '../model/model.repository.ts';
import { hex } from '../sha256.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  artifactIsPending,
  deleteArtifact,
  deleteArtifactPart,
  deleteArtifactParts,
  deleteExpiredUploadParts,
  deleteExpiredUploads,
  extendUploadExpiry,
  findArtifactByVersionAndName,
  findArtifactsByIds,
  findExpiredUploads,
  findPartsByArtifactIds,
  insertArtifact,
  insertExpiryAuditEvents,
  markArtifactComplete,
  upsertArtifactPart,
} from './artifact.repository.ts';
import {
  ARTIFACT_KINDS,
  type Artifact,
  type ArtifactKind,
  type ArtifactPart,
  artifactKey,
  ChecksumMismatchError,
  compositeSha256,
  DEFAULT_PART_SIZE,
  expectedPartSize,
  MAX_PARTS,
  MIN_PART_SIZE,
  partCount,
  toArtifact,
  toArtifactPart,
  UploadExpiredError,
} from './artifact.ts';
import { type ArtifactKey, artifactKeyFor } from './encryption.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
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

function checkSha256(value: string, path: readonly string[], what: string): string {
  const sha256 = value.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) {
    throw new ValidationError(`Must be ${what} as 64 hex characters`, path);
  }
  return sha256;
}

function checkName(value: string): string {
  const name = requireName(value, ['input', 'name'], { max: 255 });
  if (
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((s) => s === '..' || s === '.' || s === '')
  ) {
    throw new ValidationError(
      'Must be a file name or relative path without ".", ".." or empty segments',
      ['input', 'name'],
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
    throw new ValidationError('Unknown artifact kind', ['input', 'kind']);
  }
  const contentType = (input.contentType ?? 'application/octet-stream').trim();
  if (contentType.length > 255 || !CONTENT_TYPE.test(contentType)) {
    throw new ValidationError('Must be a media type such as application/octet-stream', [
      'input',
      'contentType',
    ]);
  }
  const sizeBytes = input.sizeBytes;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new ValidationError('Must be a whole number of bytes, 0 or more', ['input', 'sizeBytes']);
  }
  const sha256 = checkSha256(input.sha256, ['input', 'sha256'], 'the SHA-256 of the file');
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
        ['input', 'partSize'],
      );
    }
    if (sizeBytes === 0) {
      throw new ValidationError('An empty file is uploaded in one PUT, not in parts', [
        'input',
        'multipart',
      ]);
    }
    if (Math.ceil(sizeBytes / partSize) > MAX_PARTS) {
      throw new ValidationError(`More than ${MAX_PARTS} parts: choose a larger partSize`, [
        'input',
        'partSize',
      ]);
    }
  } else {
    if (input.partSize != null) {
      throw new ValidationError('partSize applies to multipart uploads only', [
        'input',
        'partSize',
      ]);
    }
    if (sizeBytes > maxRequestBody) {
      throw new ValidationError(
        `A single PUT carries at most ${maxRequestBody} bytes; upload larger files in parts (multipart: true)`,
        ['input', 'sizeBytes'],
      );
    }
  }
  let composite: string | null = null;
  if (input.compositeSha256 != null) {
    if (!multipart) {
      throw new ValidationError('compositeSha256 applies to multipart uploads only', [
        'input',
        'compositeSha256',
      ]);
    }
    composite = checkSha256(
      input.compositeSha256,
      ['input', 'compositeSha256'],
      'the SHA-256 of the parts’ SHA-256 digests',
    );
  }

  const [version] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  if (!version) {
    throw new NotFoundError(
      'No model version with this id',
      ['input', 'versionId'],
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
        ['input', 'name'],
      )
    : new ConflictError(
        `An upload of "${name}" to version ${version} is in progress; complete or abort it first`,
        ['input', 'name'],
      );
}

async function encryptionKey(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  orgId: string,
): Promise<ArtifactKey | null> {
  return artifactKeyFor(deps.config.encryptionKeys, orgId);
}

/** The key an artifact was written with; refuses when the organization's key changed since. */
async function keyOf(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  artifact: Artifact,
): Promise<ArtifactKey | null> {
  if (artifact.encryptionKeyId === null) return null;
  const key = await encryptionKey(deps, artifact.orgId);
  if (!key || key.keyId !== artifact.encryptionKeyId) {
    throw new ConflictError(
      'This artifact is encrypted with a customer-provided key that is no longer configured (ARTIFACT_SSEC_KEYS); restore that key to read or complete it',
    );
  }
  return key;
}

export async function findArtifact(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  id: string,
  path: readonly string[] = [],
): Promise<Artifact> {
  const [row] = await findArtifactsByIds(deps.db, viewer.orgId, [id]);
  if (!row) throw new NotFoundError('No artifact with this id', path, id, 'Artifact');
  return toArtifact(row);
}

export async function findArtifactParts(
  deps: Pick<Deps, 'db'>,
  orgId: string,
  id: string,
): Promise<ArtifactPart[]> {
  return (await findPartsByArtifactIds(deps.db, orgId, [id])).map(toArtifactPart);
}

/** Refuses an upload past its time to live, even before the scheduled job has removed it. */
function refuseExpired(artifact: Artifact, path: readonly string[], now = Date.now()): void {
  if (artifact.status === 'PENDING' && artifact.expiresAt && artifact.expiresAt.getTime() <= now) {
    throw new UploadExpiredError(artifact.expiresAt, path);
  }
}

/**
 * The artifact an upload request names. When it is gone because it expired, says so
 * (UploadExpiredError, from its audit trail) rather than a bare NotFoundError.
 */
async function findUploadingArtifact(
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

async function pendingArtifact(
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

/** Counts the bytes that pass and hashes them with SHA-256, without holding more than a chunk. */
function hashingStream() {
  // workerd's streaming digest lives on `crypto` (the global type here lacks it).
  const Digest = (crypto as unknown as { DigestStream: typeof DigestStream }).DigestStream;
  const digest = new Digest('SHA-256');
  const writer = digest.getWriter();
  let bytes = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      bytes += chunk.byteLength;
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  });
  return {
    stream,
    bytes: () => bytes,
    digest: async () => hex(await digest.digest),
  };
}

/**
 * A body of exactly `length` bytes as R2 wants it (a stream of known length), hashed on the way.
 * For multipart parts only: R2 takes no checksum for a part, so the Worker hashes each one itself
 * (the composite check on completion needs the part digests). Streams through, part by part.
 */
function measuredBody(body: ReadableStream<Uint8Array>, length: number) {
  const hashing = hashingStream();
  const body_ = body.pipeThrough(hashing.stream).pipeThrough(new FixedLengthStream(length));
  return { body: body_, bytes: hashing.bytes, digest: hashing.digest };
}

function checkLength(contentLength: number | null, expected: number, what: string) {
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
async function registerCompletion(
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
async function discardUpload(
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

/**
 * Streams one part of a multipart upload to R2. The part must have exactly its expected size; when
 * the client sends the part's SHA-256 (header x-part-sha256), a mismatch is refused and the part is
 * not recorded. Sending a part again replaces it: that is how a failed part is resumed.
 */
export async function uploadArtifactPart(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
  partNumber: number,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | null,
  declaredSha256: string | null,
): Promise<ArtifactPart> {
  const artifact = await pendingArtifact(deps, viewer, id, 'multipart');
  const count = partCount(artifact);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > count) {
    throw new ValidationError(`The part number must be from 1 to ${count}`);
  }
  const declared = declaredSha256?.trim().toLowerCase() ?? null;
  if (declared !== null && !SHA256_HEX.test(declared)) {
    throw new ValidationError('x-part-sha256 must be 64 hex characters');
  }
  const expected = expectedPartSize(artifact, partNumber);
  checkLength(contentLength, expected, `Part ${partNumber} of ${count}`);
  const key = await keyOf(deps, artifact);
  const upload = deps.bucket.resumeMultipartUpload(
    artifact.r2Key,
    artifact.multipartUploadId as string,
  );
  const measured = measuredBody(body ?? new Blob([]).stream(), expected);
  let uploaded: R2UploadedPart;
  try {
    uploaded = await upload.uploadPart(partNumber, measured.body, key ? { ssecKey: key.key } : {});
  } catch (error) {
    throw new ValidationError(
      `Part ${partNumber} could not be stored (${String(error).slice(0, 200)}); send it again`,
    );
  }
  const sha256 = await measured.digest();
  if (declared !== null && declared !== sha256) {
    // R2 holds the bad bytes under this part number, but only recorded parts are completed.
    await deleteArtifactPart(deps.db, artifact.id, partNumber).execute();
    throw new ChecksumMismatchError(declared, sha256, [], 'PART_SHA256');
  }
  const part = {
    artifact_id: artifact.id,
    part_number: partNumber,
    org_id: artifact.orgId,
    etag: uploaded.etag,
    size_bytes: measured.bytes(),
    sha256,
    uploaded_at: nowIso(),
  };
  // The part and the extended time to live land together, and only while the upload is pending and
  // unexpired: once expired, the scheduled job may already have aborted R2's upload.
  const now = nowIso();
  const expiresAt = new Date(Date.parse(now) + deps.config.uploadLimits.uploadTtlMs).toISOString();
  const [result] = await runBatch(deps.d1, [
    upsertArtifactPart(deps.db, part, now),
    extendUploadExpiry(deps.db, artifact.id, now, expiresAt),
  ]);
  if (result?.meta.changes === 0) {
    const [row] = await findArtifactsByIds(deps.db, viewer.orgId, [artifact.id]);
    if (row) refuseExpired(toArtifact(row), [], Date.parse(now));
    throw new ConflictError('The upload was completed or aborted meanwhile');
  }
  return toArtifactPart(part);
}

/**
 * Completes a multipart upload without reading the object back (a multi-GB read would not fit one
 * request's CPU time): every part must be there, each hashed by the Worker as it streamed in; with
 * one part, its SHA-256 must be the file's declared `sha256`; with more, the SHA-256 of the part
 * digests must be the client's `compositeSha256` (declared now or when the upload started). Only
 * then does R2 assemble the parts. A mismatch aborts R2's upload and deletes the record: nothing is
 * registered.
 */
export async function completeArtifactUpload(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  input: { artifactId: string; compositeSha256?: string | null },
): Promise<Artifact> {
  const path = ['input', 'artifactId'];
  const compositePath = ['input', 'compositeSha256'];
  const artifact = await findUploadingArtifact(deps, viewer, input.artifactId, path);
  if (artifact.status === 'COMPLETE') {
    throw new ConflictError('This upload is already complete', path);
  }
  if (artifact.multipartUploadId === null) {
    throw new ValidationError(
      'A single-request upload completes when its body is PUT to its uploadUrl',
      path,
    );
  }
  refuseExpired(artifact, path);
  let declared = artifact.compositeSha256;
  if (input.compositeSha256 != null) {
    const now = checkSha256(
      input.compositeSha256,
      compositePath,
      'the SHA-256 of the parts’ SHA-256 digests',
    );
    if (declared !== null && declared !== now) {
      throw new ValidationError(
        `Differs from the compositeSha256 declared when the upload started (${declared})`,
        compositePath,
      );
    }
    declared = now;
  }
  const count = partCount(artifact);
  if (count > 1 && declared === null) {
    throw new ValidationError(
      `A multipart upload of ${count} parts is verified by its composite checksum: send compositeSha256, the SHA-256 of the ${count} parts’ SHA-256 digests (32 bytes each, in part order)`,
      compositePath,
    );
  }
  // Refuses when the organization's SSE-C key changed since the parts were written with it.
  await keyOf(deps, artifact);
  const parts = await findArtifactParts(deps, viewer.orgId, artifact.id);
  const have = new Set(parts.map((part) => part.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= count && missing.length < 20; n++) if (!have.has(n)) missing.push(n);
  if (missing.length > 0) {
    throw new ValidationError(
      `Parts missing: ${missing.join(', ')}${missing.length === 20 ? ', ...' : ''} (of ${count}); upload them, then complete`,
      path,
    );
  }
  // Parts come back ordered by part number, so the composite is over parts 1..count in order.
  const actualComposite = await compositeSha256(parts.map((part) => part.sha256));
  const mismatch =
    declared !== null && actualComposite !== declared
      ? new ChecksumMismatchError(declared, actualComposite, path, 'COMPOSITE_SHA256')
      : count === 1 && parts[0]?.sha256 !== artifact.sha256
        ? new ChecksumMismatchError(artifact.sha256, parts[0]?.sha256 ?? null, path)
        : null;
  if (mismatch) {
    await discardUpload(deps, artifact);
    throw mismatch;
  }
  const upload = deps.bucket.resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId);
  let object: R2Object;
  try {
    object = await upload.complete(
      parts.map((part) => ({ partNumber: part.partNumber, etag: part.etag })),
    );
  } catch (error) {
    throw new ConflictError(
      `R2 refused to assemble the parts (${String(error).slice(0, 200)}); upload them again`,
      path,
    );
  }
  if (object.size !== artifact.sizeBytes) {
    // Each recorded part had its exact size, so this means R2 assembled something else.
    await deps.bucket.delete(artifact.r2Key);
    await discardUpload(deps, artifact);
    throw new ChecksumMismatchError(declared ?? artifact.sha256, null, path);
  }
  return registerCompletion(deps, viewer, artifact, declared ?? actualComposite);
}

/** Abandons a pending upload: R2's multipart upload is aborted and the reservation removed. */
export async function abortArtifactUpload(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
): Promise<Artifact> {
  const path = ['input', 'artifactId'];
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

/**
 * Deletes an artifact (administrators only, audited): the record and its audit row in one batch,
 * then the bytes in R2. Never the other way round, so no listed artifact lacks its bytes.
 */
export async function deleteArtifactById(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  input: { artifactId: string; reason?: string | null },
): Promise<Artifact> {
  const reason = optionalText(input.reason, ['input', 'reason'], 2000);
  const path = ['input', 'artifactId'];
  const artifact = await findArtifact(deps, viewer, input.artifactId, path);
  const results = await runBatch(deps.d1, [
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'artifact.delete',
      subjectId: artifact.id,
      subjectKind: 'Artifact',
      before: {
        versionId: artifact.versionId,
        name: artifact.name,
        status: artifact.status,
        sizeBytes: artifact.sizeBytes,
        sha256: artifact.sha256,
      },
      reason,
    }),
    deleteArtifactParts(deps.db, artifact.id),
    deleteArtifact(deps.db, artifact.id),
  ]);
  if (results[2]?.meta.changes === 0) {
    throw new NotFoundError('No artifact with this id', path, artifact.id, 'Artifact');
  }
  if (artifact.multipartUploadId !== null && artifact.status === 'PENDING') {
    await deps.bucket
      .resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId)
      .abort()
      .catch(() => undefined);
  }
  await deps.bucket.delete(artifact.r2Key);
  return artifact;
}

/** A complete artifact the caller may read, with the SSE-C key it was written with. */
export async function readableArtifact(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
): Promise<{ artifact: Artifact; key: ArtifactKey | null }> {
  const artifact = await findArtifact(deps, viewer, id);
  if (artifact.status !== 'COMPLETE') {
    throw new NotFoundError('This artifact’s upload is not complete', [], id, 'Artifact');
  }
  return { artifact, key: await keyOf(deps, artifact) };
}

/** Streams a complete artifact from R2, whole or one byte range. */
export async function readArtifactBytes(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  readable: { artifact: Artifact; key: ArtifactKey | null },
  range: { offset: number; length: number } | null,
): Promise<R2ObjectBody> {
  const { artifact, key } = readable;
  const object = await deps.bucket.get(artifact.r2Key, {
    ...(range ? { range } : {}),
    ...(key ? { ssecKey: key.key } : {}),
  });
  if (!object) throw new Error(`Artifact ${artifact.id} is registered but missing from R2`);
  return object;
}

/**
 * At most this many uploads expire per run. The D1 cost is fixed whatever the number (one select,
 * then one batch of three statements: the audit events as one json_each insert and two set-wide
 * deletes), so the bound is the size of the JSON parameters (about 60 bytes per upload) and the
 * run's CPU time. The rest wait for the next trigger (every 15 minutes).
 */
export const EXPIRED_UPLOADS_PER_RUN = 500;

/**
 * At most this many R2 multipart uploads are aborted per run: each abort is a call to R2, and with
 * the four D1 statements a run stays under the 50 subrequests a Free-plan invocation allows.
 * Expired multipart uploads past it wait for the next run (single-request ones need no R2 call).
 */
export const EXPIRY_ABORTS_PER_RUN = 40;

export interface ExpiryRun {
  /** Uploads removed, each with an `artifact.expire` audit event. */
  expired: string[];
  /** R2 multipart uploads whose abort failed (R2's lifecycle rule for incomplete uploads is the backstop). */
  abortFailures: string[];
}

const EXPIRY_REASON = 'Upload not completed within its time to live';

/**
 * The scheduled job: removes uploads whose time to live passed at `now`. For each multipart one,
 * R2's multipart upload is aborted first (its parts freed; a failure is logged and R2's lifecycle
 * rule remains the backstop), then, in one D1 batch, the `artifact.expire` audit events (one
 * statement for all) and the removal of the rows and their parts, each guarded by "still pending
 * and expired": an upload completed or extended by a part meanwhile is left alone, without an
 * event. A part can no longer extend an upload once it has expired, so nothing aborted in R2 stays
 * listed as pending.
 */
export async function expireArtifactUploads(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket'>,
  now: Date,
  limit = EXPIRED_UPLOADS_PER_RUN,
  abortLimit = EXPIRY_ABORTS_PER_RUN,
): Promise<ExpiryRun> {
  const at = now.toISOString();
  let aborts = 0;
  // Oldest first; multipart uploads past the abort budget are left whole for the next run.
  const rows = (await findExpiredUploads(deps.db, at, limit))
    .map(toArtifact)
    .filter((artifact) => artifact.multipartUploadId === null || aborts++ < abortLimit);
  const abortFailures: string[] = [];
  for (const artifact of rows) {
    if (artifact.multipartUploadId === null) continue;
    try {
      await deps.bucket.resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId).abort();
    } catch (error) {
      console.error(`aborting R2 upload of expired artifact ${artifact.id} failed: ${error}`);
      abortFailures.push(artifact.id);
    }
  }
  if (rows.length === 0) return { expired: [], abortFailures };
  const ids = rows.map((artifact) => artifact.id);
  await runBatch(deps.d1, [
    insertExpiryAuditEvents(
      deps.db,
      ids.map((artifactId) => ({ auditId: newId(), artifactId })),
      at,
      nowIso(),
      EXPIRY_REASON,
    ),
    deleteExpiredUploadParts(deps.db, ids, at),
    deleteExpiredUploads(deps.db, ids, at),
  ]);
  return { expired: ids, abortFailures };
}

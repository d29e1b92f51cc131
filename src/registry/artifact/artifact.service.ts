import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../governance/audit.repository.ts';
import { newId, nowIso } from '../ids.ts';
import { findVersionsByIds } from '../model/model.repository.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  artifactIsPending,
  deleteArtifact,
  deleteArtifactPart,
  deleteArtifactParts,
  findArtifactByVersionAndName,
  findArtifactsByIds,
  findPartsByArtifactIds,
  insertArtifact,
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
  DEFAULT_PART_SIZE,
  expectedPartSize,
  MAX_PARTS,
  MAX_REQUEST_BODY,
  MIN_PART_SIZE,
  partCount,
  toArtifact,
  toArtifactPart,
} from './artifact.ts';
import { type ArtifactKey, artifactKeyFor } from './encryption.ts';

export interface ArtifactDeps {
  db: Db;
  d1: D1Database;
  bucket: R2Bucket;
  /** The ARTIFACT_SSEC_KEYS secret, if set. */
  encryptionKeys?: string;
}

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
  deps: ArtifactDeps,
  viewer: Viewer,
  input: ArtifactUploadCreateInput,
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
  const sha256 = input.sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) {
    throw new ValidationError('Must be the SHA-256 of the file as 64 hex characters', [
      'input',
      'sha256',
    ]);
  }
  const multipart = input.multipart ?? (input.partSize != null || sizeBytes > MAX_REQUEST_BODY);
  let partSize: number | null = null;
  if (multipart) {
    partSize = input.partSize ?? Math.max(DEFAULT_PART_SIZE, Math.ceil(sizeBytes / MAX_PARTS));
    if (
      !Number.isSafeInteger(partSize) ||
      partSize < MIN_PART_SIZE ||
      partSize > MAX_REQUEST_BODY
    ) {
      throw new ValidationError(
        `Must be from ${MIN_PART_SIZE} (5 MiB, R2's minimum) to ${MAX_REQUEST_BODY} bytes (a Worker request body)`,
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
    if (sizeBytes > MAX_REQUEST_BODY) {
      throw new ValidationError(
        `A single PUT carries at most ${MAX_REQUEST_BODY} bytes; upload larger files in parts (multipart: true)`,
        ['input', 'sizeBytes'],
      );
    }
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
    created_at: nowIso(),
    created_by: viewer.userId,
    completed_at: null,
  };
  try {
    await insertArtifact(deps.db, row).execute();
  } catch (error) {
    await upload?.abort().catch(() => undefined);
    if (String(error).includes('UNIQUE constraint failed: artifact.version_id, artifact.name')) {
      throw nameTaken('PENDING', name, version.version);
    }
    throw error;
  }
  return toArtifact(row);
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

async function encryptionKey(deps: ArtifactDeps, orgId: string): Promise<ArtifactKey | null> {
  return artifactKeyFor(deps.encryptionKeys, orgId);
}

/** The key an artifact was written with; refuses when the organization's key changed since. */
async function keyOf(deps: ArtifactDeps, artifact: Artifact): Promise<ArtifactKey | null> {
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
  deps: Pick<ArtifactDeps, 'db'>,
  viewer: Viewer,
  id: string,
  path: readonly string[] = [],
): Promise<Artifact> {
  const [row] = await findArtifactsByIds(deps.db, viewer.orgId, [id]);
  if (!row) throw new NotFoundError('No artifact with this id', path, id, 'Artifact');
  return toArtifact(row);
}

export async function findArtifactParts(
  deps: Pick<ArtifactDeps, 'db'>,
  orgId: string,
  id: string,
): Promise<ArtifactPart[]> {
  return (await findPartsByArtifactIds(deps.db, orgId, [id])).map(toArtifactPart);
}

async function pendingArtifact(
  deps: ArtifactDeps,
  viewer: Viewer,
  id: string,
  mode: 'single' | 'multipart',
  path: readonly string[] = [],
): Promise<Artifact> {
  const artifact = await findArtifact(deps, viewer, id, path);
  if (artifact.status !== 'PENDING') {
    throw new ConflictError(
      'This artifact is complete; versions are immutable, so it cannot be overwritten',
      path,
    );
  }
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

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A body of exactly `length` bytes as R2 wants it (a stream of known length), hashed on the way.
 * Streams through: memory stays at a chunk or two whatever the size.
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
 * Streams a whole file to R2 and completes the upload: R2 checks the declared SHA-256 as it writes.
 * A mismatch stores nothing and deletes the pending upload (nothing registered); a broken
 * connection leaves it pending, to PUT again.
 */
export async function uploadArtifactBody(
  deps: ArtifactDeps,
  viewer: Viewer,
  id: string,
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | null,
): Promise<Artifact> {
  const artifact = await pendingArtifact(deps, viewer, id, 'single');
  checkLength(contentLength, artifact.sizeBytes, 'The body');
  const key = await keyOf(deps, artifact);
  const measured = measuredBody(body ?? new Blob([]).stream(), artifact.sizeBytes);
  try {
    await deps.bucket.put(artifact.r2Key, measured.body, {
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
  const actual = await measured.digest();
  if (actual !== artifact.sha256) {
    await deps.bucket.delete(artifact.r2Key);
    await discardUpload(deps, artifact);
    throw new ChecksumMismatchError(artifact.sha256, actual);
  }
  return registerCompletion(deps, viewer, artifact);
}

/** Writes the completion and its audit row together, only if the upload is still pending. */
async function registerCompletion(
  deps: ArtifactDeps,
  viewer: Viewer,
  artifact: Artifact,
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
          encrypted: artifact.encryptionKeyId !== null,
        },
      },
      artifactIsPending(artifact.id),
    ),
    markArtifactComplete(deps.db, artifact.id, now),
    deleteArtifactParts(deps.db, artifact.id),
  ]);
  if (results[1]?.meta.changes === 0) {
    throw new ConflictError('The upload was aborted or completed by another request meanwhile');
  }
  return { ...artifact, status: 'COMPLETE', completedAt: new Date(now) };
}

/** Forgets a pending upload: its row and parts go, so nothing of it stays registered. */
async function discardUpload(deps: ArtifactDeps, artifact: Artifact): Promise<void> {
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
  deps: ArtifactDeps,
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
    throw new ChecksumMismatchError(declared, sha256);
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
  const [result] = await runBatch(deps.d1, [upsertArtifactPart(deps.db, part)]);
  if (result?.meta.changes === 0) {
    throw new ConflictError('The upload was completed or aborted meanwhile');
  }
  return toArtifactPart(part);
}

/**
 * Completes a multipart upload: every part must be there; R2 assembles them, then the whole object
 * is read back through SHA-256 and compared with the declared checksum. A mismatch deletes the
 * object and the upload (nothing registered).
 */
export async function completeArtifactUpload(
  deps: ArtifactDeps,
  viewer: Viewer,
  id: string,
): Promise<Artifact> {
  const path = ['input', 'artifactId'];
  const artifact = await findArtifact(deps, viewer, id, path);
  if (artifact.status === 'COMPLETE') {
    throw new ConflictError('This upload is already complete', path);
  }
  if (artifact.multipartUploadId === null) {
    throw new ValidationError(
      'A single-request upload completes when its body is PUT to its uploadUrl',
      path,
    );
  }
  const key = await keyOf(deps, artifact);
  const parts = await findArtifactParts(deps, viewer.orgId, artifact.id);
  const count = partCount(artifact);
  const have = new Set(parts.map((part) => part.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= count && missing.length < 20; n++) if (!have.has(n)) missing.push(n);
  if (missing.length > 0) {
    throw new ValidationError(
      `Parts missing: ${missing.join(', ')}${missing.length === 20 ? ', ...' : ''} (of ${count}); upload them, then complete`,
      path,
    );
  }
  const upload = deps.bucket.resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId);
  try {
    await upload.complete(parts.map((part) => ({ partNumber: part.partNumber, etag: part.etag })));
  } catch (error) {
    throw new ConflictError(
      `R2 refused to assemble the parts (${String(error).slice(0, 200)}); upload them again`,
      path,
    );
  }
  const object = await deps.bucket.get(artifact.r2Key, key ? { ssecKey: key.key } : {});
  let actual: string | null = null;
  if (object) {
    const hashing = hashingStream();
    await object.body.pipeThrough(hashing.stream).pipeTo(new WritableStream());
    actual = await hashing.digest();
  }
  if (actual !== artifact.sha256 || object?.size !== artifact.sizeBytes) {
    await deps.bucket.delete(artifact.r2Key);
    await runBatch(deps.d1, [
      deleteArtifactParts(deps.db, artifact.id),
      deleteArtifact(deps.db, artifact.id).where('status', '=', 'PENDING'),
    ]);
    throw new ChecksumMismatchError(artifact.sha256, actual, path);
  }
  return registerCompletion(deps, viewer, artifact);
}

/** Abandons a pending upload: R2's multipart upload is aborted and the reservation removed. */
export async function abortArtifactUpload(
  deps: ArtifactDeps,
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
  deps: ArtifactDeps,
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
  deps: ArtifactDeps,
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
  deps: ArtifactDeps,
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

import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { nowIso } from '../ids.ts';
import { hex } from '../sha256.ts';
import {
  deleteArtifactPart,
  extendUploadExpiry,
  findArtifactsByIds,
  upsertArtifactPart,
} from './artifact.repository.ts';
import {
  type Artifact,
  type ArtifactPart,
  ChecksumMismatchError,
  compositeSha256,
  expectedPartSize,
  partCount,
  toArtifact,
  toArtifactPart,
} from './artifact.ts';
import { findArtifactParts, keyOf } from './artifact-read.service.ts';
import {
  checkLength,
  checkSha256,
  discardUpload,
  findUploadingArtifact,
  pendingArtifact,
  refuseExpired,
  registerCompletion,
  SHA256_HEX,
} from './artifact-upload.service.ts';

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
  const path = ['artifactId'];
  const compositePath = ['compositeSha256'];
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

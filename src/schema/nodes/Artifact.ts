import { createContextCache } from '@pothos/core';
import type { Context } from '../../context.ts';
import { decodeIdOf } from '../../global-id.ts';
import {
  ARTIFACT_KINDS,
  type ARTIFACT_STATUSES,
  type Artifact,
  type ArtifactKind,
  CHECKSUM_VERIFICATIONS,
  ChecksumMismatchError,
  type ChecksumVerification,
  checksumVerification,
  partCount,
  UploadExpiredError,
} from '../../registry/artifact/artifact.ts';
import {
  artifactPagesOfVersions,
  artifactsByIds,
  findArtifactParts,
} from '../../registry/artifact/artifact-read.service.ts';
import { artifactPath } from '../../routes/artifact-paths.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from '../errors.ts';
import { idOrderedConnections } from '../lib/lists.ts';
import { registerRefetchable } from '../lib/nodes.ts';
import { ModelVersionRef, UserRef } from '../objects/refs.ts';

const KIND_DESCRIPTIONS: Record<ArtifactKind, string> = {
  WEIGHTS: 'Model weights (safetensors, GGUF, ONNX, a pickle...).',
  CHECKPOINT: 'A training checkpoint.',
  TOKENIZER: 'Tokenizer files.',
  MODEL_CARD: 'The model card document.',
  CONFIG: 'Configuration (model config, generation config...).',
  OTHER: 'Anything else.',
};

export const ArtifactKindEnum = builder.enumType('ArtifactKind', {
  description: 'What an artifact file is.',
  values: Object.fromEntries(
    ARTIFACT_KINDS.map((kind) => [kind, { value: kind, description: KIND_DESCRIPTIONS[kind] }]),
  ) as Record<ArtifactKind, { value: ArtifactKind; description: string }>,
});

const VERIFICATION_DESCRIPTIONS: Record<ChecksumVerification, string> = {
  WHOLE_FILE:
    'The Worker hashed every byte as it streamed in and the SHA-256 matched `sha256` (single-request uploads, and multipart uploads of one part).',
  PARTS:
    'Each part was hashed by the Worker as it streamed in, and the SHA-256 of those part digests matched the client’s `compositeSha256`: the stored bytes are exactly the bytes the client hashed. The whole-file `sha256` is recorded as the client declared it, not recomputed (that would read GBs in one request).',
};

export const ChecksumVerificationEnum = builder.enumType('ChecksumVerification', {
  description:
    'How the bytes of an artifact were checked against the checksums its client declared.',
  values: Object.fromEntries(
    CHECKSUM_VERIFICATIONS.map((value) => [
      value,
      { value, description: VERIFICATION_DESCRIPTIONS[value] },
    ]),
  ) as Record<ChecksumVerification, { value: ChecksumVerification; description: string }>,
});

const ChecksumKindEnum = builder.enumType('ChecksumKind', {
  description: 'Which checksum did not match.',
  values: {
    SHA256: { value: 'SHA256' as const, description: 'The whole file’s SHA-256.' },
    COMPOSITE_SHA256: {
      value: 'COMPOSITE_SHA256' as const,
      description: 'The SHA-256 of the parts’ SHA-256 digests (multipart uploads).',
    },
    PART_SHA256: {
      value: 'PART_SHA256' as const,
      description: 'One part’s SHA-256 (header x-part-sha256).',
    },
  },
});

export const ArtifactStatusEnum = builder.enumType('ArtifactStatus', {
  description: 'Where an artifact upload is.',
  values: {
    PENDING: {
      value: 'PENDING' as (typeof ARTIFACT_STATUSES)[number],
      description: 'Started; bytes are being uploaded. Not listed on the version.',
    },
    COMPLETE: {
      value: 'COMPLETE' as (typeof ARTIFACT_STATUSES)[number],
      description: 'Stored and checksum-verified; listed and downloadable.',
    },
  },
});

export const ArtifactRef = builder.loadableNodeRef<Artifact, string, string, string, Artifact>(
  'Artifact',
  {
    id: { resolve: (artifact) => artifact.id },
    load: (ids: string[], context: Context) => artifactsByIds(context.deps, context.viewer, ids),
    toKey: (artifact) => artifact.id,
    sort: true,
    cacheResolved: true,
  },
);

// node(id:) and nodes(ids:) refetch artifacts like any other node.
registerRefetchable('Artifact', ArtifactRef);

const ArtifactPartRef = builder.objectRef<{
  partNumber: number;
  sizeBytes: number;
  sha256: string;
}>('ArtifactPart');
ArtifactPartRef.implement({
  description: 'A part of a multipart upload that has been received.',
  fields: (t) => ({
    partNumber: t.exposeInt('partNumber', { description: 'The part number, from 1.' }),
    sizeBytes: t.exposeFloat('sizeBytes', { description: 'Bytes received.' }),
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the part, hex.' }),
  }),
});

const partsCache = createContextCache(
  () => new Map<string, ReturnType<typeof findArtifactParts>>(),
);

const ArtifactUploadRef = builder.objectRef<Artifact>('ArtifactUpload');
ArtifactUploadRef.implement({
  description:
    'How to send the bytes of a pending upload. Single: PUT the whole file to `url` with Content-Length. Multipart: PUT each part n (1..partCount, each exactly partSize bytes but the last) to `url`/parts/n, optionally with header x-part-sha256; re-send a failed part; then call artifactUploadComplete. Authenticate with the same bearer token.',
  fields: (t) => ({
    url: t.string({
      description: 'Path (on this API’s host) to PUT the file or, with /parts/<n>, its parts.',
      resolve: (artifact) => artifactPath(artifact.id),
    }),
    isMultipart: t.boolean({
      description: 'Whether the file goes in parts.',
      resolve: (artifact) => artifact.multipartUploadId !== null,
    }),
    partSize: t.float({
      nullable: true,
      description: 'Bytes in every part but the last; null for a single-request upload.',
      resolve: (artifact) => artifact.partSize,
    }),
    partCount: t.int({
      description: 'How many parts to send (1 for a single-request upload).',
      resolve: (artifact) => partCount(artifact),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When this upload expires if no further part arrives (ARTIFACT_UPLOAD_TTL_HOURS, default 24, after it started or its last part); an expired upload takes no more bytes, cannot complete (UploadExpiredError) and is removed by a scheduled job, audited as artifact.expire.',
      resolve: (artifact) => artifact.expiresAt,
    }),
    uploadedParts: t.field({
      type: [ArtifactPartRef],
      description:
        'Parts received so far, by part number (at most 10,000): resume by sending the others.',
      resolve: (artifact, _args, context) => {
        const cache = partsCache(context);
        let parts = cache.get(artifact.id);
        if (!parts) {
          parts = findArtifactParts(context, context.viewer.orgId, artifact.id);
          cache.set(artifact.id, parts);
        }
        return parts;
      },
    }),
  }),
});

ArtifactRef.implement({
  description: 'A file of a model version (weights, checkpoint, tokenizer...), stored in R2.',
  isTypeOf: (value) => (value as Artifact).kind === 'Artifact',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'File name or relative path, unique in the version.',
    }),
    kind: t.field({
      type: ArtifactKindEnum,
      description: 'What the file is.',
      resolve: (artifact) => artifact.artifactKind,
    }),
    contentType: t.exposeString('contentType', { description: 'Media type served on download.' }),
    sizeBytes: t.exposeFloat('sizeBytes', {
      description: 'Size in bytes (a Float: sizes pass 2^31; exact up to 2^53).',
    }),
    sha256: t.exposeString('sha256', {
      description:
        'SHA-256 of the whole file, lowercase hex, as declared when the upload started: verified by the Worker when checksumVerification is WHOLE_FILE, recorded as declared when it is PARTS.',
    }),
    compositeSha256: t.exposeString('compositeSha256', {
      nullable: true,
      description:
        'Multipart uploads: SHA-256 of the parts’ SHA-256 digests in part order, verified on completion; null for single-request uploads and while pending without one declared.',
    }),
    checksumVerification: t.field({
      type: ChecksumVerificationEnum,
      description: 'How the stored bytes were (or, while pending, will be) checked.',
      resolve: (artifact) => checksumVerification(artifact),
    }),
    status: t.field({
      type: ArtifactStatusEnum,
      description: 'PENDING while uploading, COMPLETE once stored and verified.',
      resolve: (artifact) => artifact.status,
    }),
    isEncrypted: t.boolean({
      description: 'Whether R2 stores it encrypted with the organization’s own key (SSE-C).',
      resolve: (artifact) => artifact.encryptionKeyId !== null,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version the file belongs to.',
      resolve: (artifact) => artifact.versionId,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the upload started.',
      resolve: (artifact) => artifact.createdAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who uploaded it.',
      resolve: (artifact) => artifact.createdById,
    }),
    completedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the upload completed; null while pending.',
      resolve: (artifact) => artifact.completedAt,
    }),
    downloadUrl: t.string({
      nullable: true,
      description:
        'Path (on this API’s host) to GET the file with the bearer token; supports Range. Null while pending.',
      resolve: (artifact) => (artifact.status === 'COMPLETE' ? artifactPath(artifact.id) : null),
    }),
    upload: t.field({
      type: ArtifactUploadRef,
      nullable: true,
      description: 'Where and how to send the bytes; null once complete.',
      resolve: (artifact) => (artifact.status === 'PENDING' ? artifact : null),
    }),
  }),
});

export const ArtifactConnection = builder.connectionObject(
  { type: ArtifactRef, name: 'ArtifactConnection', description: 'A page of artifacts.' },
  { name: 'ArtifactEdge', description: 'An artifact in a list.' },
);

builder.objectFields(ModelVersionRef, (t) => ({
  artifacts: t.loadable({
    type: ArtifactConnection,
    description: 'The version’s complete artifacts, oldest first (pending uploads are not listed).',
    byPath: true,
    args: { ...t.arg.connectionArgs() },
    load: (ids: string[], context, args) =>
      idOrderedConnections(args, (page) =>
        artifactPagesOfVersions(context.deps, context.viewer, ids, page),
      ),
    resolve: (version) => version.id,
  }),
}));

builder.queryField('artifact', (t) =>
  t.field({
    type: ArtifactRef,
    nullable: true,
    description: 'An artifact by global ID, pending or complete; null when missing or not yours.',
    args: { id: t.arg.id({ required: true, description: 'Global ID of the artifact.' }) },
    resolve: (_root, args) => {
      try {
        return decodeIdOf(String(args.id), ['Artifact'], ['id']).id;
      } catch {
        return null;
      }
    },
  }),
);

builder.objectType(ChecksumMismatchError, {
  name: 'ChecksumMismatchError',
  description:
    'The uploaded bytes do not hash to the declared SHA-256; the upload was discarded and nothing is registered.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ChecksumMismatchError,
  fields: (t) => ({
    checksum: t.field({
      type: ChecksumKindEnum,
      description: 'Which checksum did not match.',
      resolve: (error) => error.checksum,
    }),
    expected: t.exposeString('expected', { description: 'The declared SHA-256.' }),
    actual: t.exposeString('actual', {
      nullable: true,
      description: 'The SHA-256 of what was received, when known.',
    }),
  }),
});

builder.objectType(UploadExpiredError, {
  name: 'UploadExpiredError',
  description:
    'The upload was not completed within its time to live and takes no more parts; start a new one.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UploadExpiredError,
  fields: (t) => ({
    expiredAt: t.field({
      type: 'DateTime',
      description: 'When it expired.',
      resolve: (error) => error.expiredAt,
    }),
  }),
});

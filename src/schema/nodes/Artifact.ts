import { createContextCache } from '@pothos/core';
import type { Context } from '../../context.ts';
import {
  findArtifactPagesByVersionIds,
  findArtifactsByIds,
} from '../../registry/artifact/artifact.repository.ts';
import { findArtifactParts } from '../../registry/artifact/artifact.service.ts';
import {
  ARTIFACT_KINDS,
  type ARTIFACT_STATUSES,
  type Artifact,
  type ArtifactKind,
  ChecksumMismatchError,
  partCount,
  toArtifact,
} from '../../registry/artifact/artifact.ts';
import { artifactPath } from '../../routes/artifact-paths.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from '../errors.ts';
import { encodeCursor, groupRows, parsePageArgs, toConnection } from '../lib/connection.ts';
import { decodeIdOf } from '../lib/ids.ts';
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
    load: async (ids: string[], context: Context) =>
      (await findArtifactsByIds(context.db, context.viewer.orgId, ids)).map(toArtifact),
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
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the file, lowercase hex.' }),
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
    load: async (ids: string[], context, args) => {
      const page = parsePageArgs(args);
      const rows = await findArtifactPagesByVersionIds(context.db, context.viewer.orgId, ids, page);
      return groupRows(ids, rows, (row) => row.version_id).map((group) =>
        toConnection(
          group,
          page,
          (row, cursor) => ({ cursor, node: toArtifact(row) }),
          (row) => encodeCursor(row.id),
        ),
      );
    },
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
    expected: t.exposeString('expected', { description: 'The declared SHA-256.' }),
    actual: t.exposeString('actual', {
      nullable: true,
      description: 'The SHA-256 of what was received, when known.',
    }),
  }),
});

/** What the artifact service needs from a request: D1, the R2 bucket and the SSE-C keys secret. */
export function artifactDeps(context: Context) {
  const secret = (context.env as Env & { ARTIFACT_SSEC_KEYS?: string }).ARTIFACT_SSEC_KEYS;
  return {
    db: context.db,
    d1: context.d1,
    bucket: context.env.ARTIFACTS,
    ...(secret ? { encryptionKeys: secret } : {}),
  };
}

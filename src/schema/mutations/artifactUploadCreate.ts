import { decodeIdOf } from '../../global-id.ts';
import type { Artifact } from '../../registry/artifact/artifact.ts';
import { createArtifactUpload } from '../../registry/artifact/artifact-upload.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ArtifactKindEnum, ArtifactRef } from '../nodes/Artifact.ts';

const ArtifactUploadCreateInput = builder.inputType('ArtifactUploadCreateInput', {
  description: 'A file to upload to a model version.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the model version.' }),
    name: t.string({
      required: true,
      description: 'File name or relative path (e.g. "model.safetensors"), unique in the version.',
    }),
    kind: t.field({ type: ArtifactKindEnum, required: true, description: 'What the file is.' }),
    contentType: t.string({ description: 'Media type (default application/octet-stream).' }),
    sizeBytes: t.float({ required: true, description: 'Exact size of the file in bytes.' }),
    sha256: t.string({
      required: true,
      description:
        'SHA-256 of the whole file, 64 hex characters. Verified by the Worker for single-request uploads and one-part multipart uploads; for more parts, recorded as declared while the bytes are verified part by part through compositeSha256.',
    }),
    multipart: t.boolean({
      description:
        'Upload in parts (default: only when larger than one request body, 100,000,000 bytes).',
    }),
    partSize: t.float({
      description:
        'Bytes per part, 5 MiB to the request body limit (100,000,000 unless ARTIFACT_MAX_REQUEST_BYTES raises it; default 64 MiB, or more for 10,000 parts).',
    }),
    compositeSha256: t.string({
      description:
        'Multipart only: SHA-256 (64 hex) over the concatenated 32-byte SHA-256 digests of parts 1..partCount in order. Completion checks it against the digests the Worker computed as each part streamed in, without reading the object back; required (here or on artifactUploadComplete) when there is more than one part.',
    }),
  }),
});

const ArtifactUploadCreatePayload = builder.objectRef<{ artifact: Artifact }>(
  'ArtifactUploadCreatePayload',
);
ArtifactUploadCreatePayload.implement({
  description: 'The pending artifact; its `upload` says where to send the bytes.',
  fields: (t) => ({
    artifact: t.field({
      type: ArtifactRef,
      description: 'The artifact, PENDING until its bytes arrive and verify.',
      resolve: (payload) => payload.artifact,
    }),
  }),
});

const ArtifactUploadCreateResult = mutationResult(
  'artifactUploadCreate',
  ArtifactUploadCreatePayload,
  [...COMMON_ERRORS],
);

builder.mutationField('artifactUploadCreate', (t) =>
  t.field({
    type: ArtifactUploadCreateResult,
    description:
      'Starts uploading a file to a model version (in parts for large files). Names are write-once per version: an existing one is a ConflictError.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ArtifactUploadCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        artifact: await idempotent(context, 'artifactUploadCreate', input, (claim) =>
          createArtifactUpload(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              name: input.name,
              kind: input.kind,
              contentType: input.contentType,
              sizeBytes: input.sizeBytes,
              sha256: input.sha256,
              multipart: input.multipart,
              partSize: input.partSize,
              compositeSha256: input.compositeSha256,
            },
            claim,
          ),
        ),
      })),
  }),
);

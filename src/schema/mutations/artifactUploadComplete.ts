import { decodeIdOf } from '../../global-id.ts';
import type { Artifact } from '../../registry/artifact/artifact.ts';
import { ChecksumMismatchError, UploadExpiredError } from '../../registry/artifact/artifact.ts';
import { completeArtifactUpload } from '../../registry/artifact/artifact-multipart.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ArtifactRef } from '../nodes/Artifact.ts';

const ArtifactUploadCompleteInput = builder.inputType('ArtifactUploadCompleteInput', {
  description: 'A multipart upload whose parts have all been sent.',
  fields: (t) => ({
    artifactId: t.id({ required: true, description: 'Global ID of the pending artifact.' }),
    compositeSha256: t.string({
      description:
        'SHA-256 (64 hex) over the concatenated 32-byte SHA-256 digests of parts 1..partCount in order; required when the upload has more than one part and none was declared by artifactUploadCreate (if one was, it must be the same).',
    }),
  }),
});

const ArtifactUploadCompletePayload = builder.objectRef<{ artifact: Artifact }>(
  'ArtifactUploadCompletePayload',
);
ArtifactUploadCompletePayload.implement({
  description: 'The completed, verified artifact.',
  fields: (t) => ({
    artifact: t.field({
      type: ArtifactRef,
      description: 'The artifact, now COMPLETE.',
      resolve: (payload) => payload.artifact,
    }),
  }),
});

const ArtifactUploadCompleteResult = mutationResult(
  'artifactUploadComplete',
  ArtifactUploadCompletePayload,
  [...COMMON_ERRORS, ChecksumMismatchError, UploadExpiredError],
);

builder.mutationField('artifactUploadComplete', (t) =>
  t.field({
    type: ArtifactUploadCompleteResult,
    description:
      'Verifies a multipart upload and has R2 assemble it. Each part was hashed (SHA-256) by the Worker as it streamed in; with one part, its digest must equal the declared sha256; with more, the SHA-256 of the part digests must equal compositeSha256. The object is never read back, so files of many GB complete in one short request; for more than one part the whole-file sha256 is recorded as declared (checksumVerification: PARTS). A mismatch aborts the upload (ChecksumMismatchError, nothing registered); an upload past its time to live is refused (UploadExpiredError). The completion is audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({
        type: ArtifactUploadCompleteInput,
        required: true,
        description: 'What to do.',
      }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        artifact: await completeArtifactUpload(context.deps, context.viewer, {
          artifactId: decodeIdOf(input.artifactId, ['Artifact'], ['artifactId']).id,
          compositeSha256: input.compositeSha256,
        }),
      })),
  }),
);

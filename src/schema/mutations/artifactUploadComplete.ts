import { completeArtifactUpload } from '../../registry/artifact/artifact.service.ts';
import type { Artifact } from '../../registry/artifact/artifact.ts';
import { ChecksumMismatchError } from '../../registry/artifact/artifact.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { decodeIdOf } from '../lib/ids.ts';
import { ArtifactRef, artifactDeps } from '../nodes/Artifact.ts';

const ArtifactUploadCompleteInput = builder.inputType('ArtifactUploadCompleteInput', {
  description: 'A multipart upload whose parts have all been sent.',
  fields: (t) => ({
    artifactId: t.id({ required: true, description: 'Global ID of the pending artifact.' }),
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

builder.mutationField('artifactUploadComplete', (t) =>
  t.field({
    type: ArtifactUploadCompletePayload,
    description:
      'Assembles a multipart upload in R2 and verifies its SHA-256; a mismatch discards it (ChecksumMismatchError, nothing registered). The completion is audited.',
    authScopes: { editor: true },
    errors: { types: [...COMMON_ERRORS, ChecksumMismatchError] },
    args: {
      input: t.arg({
        type: ArtifactUploadCompleteInput,
        required: true,
        description: 'What to do.',
      }),
    },
    resolve: async (_root, { input }, context) => ({
      artifact: await completeArtifactUpload(
        artifactDeps(context),
        context.viewer,
        decodeIdOf(input.artifactId, ['Artifact'], ['input', 'artifactId']).id,
      ),
    }),
  }),
);

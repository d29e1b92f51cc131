import { decodeIdOf } from '../../global-id.ts';
import { abortArtifactUpload } from '../../registry/artifact/artifact-upload.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ArtifactUploadAbortInput = builder.inputType('ArtifactUploadAbortInput', {
  description: 'A pending upload to abandon.',
  fields: (t) => ({
    artifactId: t.id({ required: true, description: 'Global ID of the pending artifact.' }),
  }),
});

const ArtifactUploadAbortPayload = builder.objectRef<{ artifactId: string; versionId: string }>(
  'ArtifactUploadAbortPayload',
);
ArtifactUploadAbortPayload.implement({
  description: 'What was abandoned.',
  fields: (t) => ({
    abortedArtifactId: t.id({
      description: 'Global ID of the upload that no longer exists.',
      resolve: (payload) => payload.artifactId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version the upload was for.',
      resolve: (payload) => payload.versionId,
    }),
  }),
});

const ArtifactUploadAbortResult = mutationResult(
  'artifactUploadAbort',
  ArtifactUploadAbortPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('artifactUploadAbort', (t) =>
  t.field({
    type: ArtifactUploadAbortResult,
    description:
      'Abandons a pending upload: R2’s multipart upload is aborted and the name is free again.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ArtifactUploadAbortInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const artifact = await abortArtifactUpload(
          context.deps,
          context.viewer,
          decodeIdOf(input.artifactId, ['Artifact'], ['artifactId']).id,
        );
        return { artifactId: input.artifactId, versionId: artifact.versionId };
      }),
  }),
);

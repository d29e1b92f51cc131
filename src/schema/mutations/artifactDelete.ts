import { decodeIdOf } from '../../global-id.ts';
import { deleteArtifactById } from '../../registry/artifact/artifact-deletion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ArtifactDeleteInput = builder.inputType('ArtifactDeleteInput', {
  description: 'An artifact to delete.',
  fields: (t) => ({
    artifactId: t.id({ required: true, description: 'Global ID of the artifact.' }),
    reason: t.string({ description: 'Why, for the audit trail (up to 2,000 characters).' }),
  }),
});

const ArtifactDeletePayload = builder.objectRef<{ artifactId: string; versionId: string }>(
  'ArtifactDeletePayload',
);
ArtifactDeletePayload.implement({
  description: 'What was deleted.',
  fields: (t) => ({
    deletedArtifactId: t.id({
      description: 'Global ID of the artifact that no longer exists.',
      resolve: (payload) => payload.artifactId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version the artifact belonged to.',
      resolve: (payload) => payload.versionId,
    }),
  }),
});

const ArtifactDeleteResult = mutationResult('artifactDelete', ArtifactDeletePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('artifactDelete', (t) =>
  t.field({
    type: ArtifactDeleteResult,
    description:
      'Deletes an artifact and its bytes (administrators only); the deletion is audited in the same batch.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: ArtifactDeleteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const artifact = await deleteArtifactById(context.deps, context.viewer, {
          artifactId: decodeIdOf(input.artifactId, ['Artifact'], ['artifactId']).id,
          reason: input.reason,
        });
        return { artifactId: input.artifactId, versionId: artifact.versionId };
      }),
  }),
);

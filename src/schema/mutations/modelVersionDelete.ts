import { decodeIdOf } from '../../global-id.ts';
import { deleteModelVersion } from '../../registry/deletion/deletion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { deletionPayload } from '../objects/Deletion.ts';

const ModelVersionDeletePayload = deletionPayload('ModelVersionDeletePayload');

const ModelVersionDeleteInput = builder.inputType('ModelVersionDeleteInput', {
  description: 'The version to delete.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the version.' }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelVersionDeleteResult = mutationResult('modelVersionDelete', ModelVersionDeletePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('modelVersionDelete', (t) =>
  t.field({
    type: ModelVersionDeleteResult,
    description:
      'Deletes a version: refused (ConflictError naming it) while it is in production or served by a live deployment. Its lineage edges end, its other aliases and its artifacts (R2 bytes too) are removed, its version string is free again; the audit trail keeps the record.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionDeleteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelVersionDelete', input, (claim) =>
          deleteModelVersion(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

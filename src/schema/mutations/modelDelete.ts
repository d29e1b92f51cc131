import { decodeIdOf } from '../../global-id.ts';
import { deleteModel } from '../../registry/deletion/deletion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { deletionPayload } from '../objects/Deletion.ts';

const ModelDeletePayload = deletionPayload('ModelDeletePayload');

const ModelDeleteInput = builder.inputType('ModelDeleteInput', {
  description: 'The model to delete, with all its versions.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelDeleteResult = mutationResult('modelDelete', ModelDeletePayload, [...COMMON_ERRORS]);

builder.mutationField('modelDelete', (t) =>
  t.field({
    type: ModelDeleteResult,
    description:
      'Deletes a model and its versions: refused (ConflictError naming it) while a version is in production or served by a live deployment. Lineage edges end, aliases and artifacts (R2 bytes too) are removed, the name is free again; the audit trail keeps the record.',
    authScopes: { editor: true },
    args: { input: t.arg({ type: ModelDeleteInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelDelete', input, (claim) =>
          deleteModel(
            context.deps,
            context.viewer,
            {
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

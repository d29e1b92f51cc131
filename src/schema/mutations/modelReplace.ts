import { decodeIdOf } from '../../global-id.ts';
import { replaceModel } from '../../registry/model/model.service.ts';
import type { Model } from '../../registry/model/model.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS, EDGE_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelRef } from '../objects/refs.ts';

const ModelReplaceInput = builder.inputType('ModelReplaceInput', {
  description: 'Record that one model replaces another.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model being replaced.' }),
    replacedById: t.id({ required: true, description: 'Global ID of its replacement.' }),
    reason: t.string({ description: 'Why, for the audit trail and the edge.' }),
  }),
});

const ModelReplacePayload = builder.objectRef<{ model: Model; replacement: Model }>(
  'ModelReplacePayload',
);
ModelReplacePayload.implement({
  description: 'The replaced (now DEPRECATED) model and its replacement.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The replaced model.', resolve: (p) => p.model }),
    replacement: t.field({
      type: ModelRef,
      description: 'The replacement.',
      resolve: (p) => p.replacement,
    }),
  }),
});

const ModelReplaceResult = mutationResult('modelReplace', ModelReplacePayload, [
  ...COMMON_ERRORS,
  ...EDGE_ERRORS,
]);

builder.mutationField('modelReplace', (t) =>
  t.field({
    type: ModelReplaceResult,
    description:
      'Adds a REPLACED_BY edge and deprecates the replaced model, in one batch. Refuses cycles.',
    authScopes: { editor: true },
    args: { input: t.arg({ type: ModelReplaceInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelReplace', input, (claim) =>
          replaceModel(
            context.deps,
            context.viewer,
            {
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              replacedById: decodeIdOf(input.replacedById, ['Model'], ['replacedById']).id,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

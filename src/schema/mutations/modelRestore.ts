import { decodeIdOf } from '../../global-id.ts';
import type { Model } from '../../registry/model/model.ts';
import { setModelArchived } from '../../registry/model/model-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelRef } from '../objects/refs.ts';

const ModelRestoreInput = builder.inputType('ModelRestoreInput', {
  description: 'The model to restore.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    expectedUpdatedAt: t.field({
      type: 'DateTime',
      description: 'Optimistic concurrency: the updatedAt you read (see modelUpdate).',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelRestorePayload = builder.objectRef<{ model: Model }>('ModelRestorePayload');
ModelRestorePayload.implement({
  description: 'The model as it is now.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (p) => p.model }),
  }),
});

const ModelRestoreResult = mutationResult('modelRestore', ModelRestorePayload, [...COMMON_ERRORS]);

builder.mutationField('modelRestore', (t) =>
  t.field({
    type: ModelRestoreResult,
    description:
      'Restores an archived model: ACTIVE again (DEPRECATED if it was replaced). Audited.',
    authScopes: { editor: true },
    args: { input: t.arg({ type: ModelRestoreInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        model: await idempotent(context, 'modelRestore', input, (claim) =>
          setModelArchived(
            context.deps,
            context.viewer,
            {
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              archived: false,
              reason: input.reason,
              expectedUpdatedAt: input.expectedUpdatedAt,
            },
            claim,
          ),
        ),
      })),
  }),
);

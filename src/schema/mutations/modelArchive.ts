import { decodeIdOf } from '../../global-id.ts';
import type { Model } from '../../registry/model/model.ts';
import { setModelArchived } from '../../registry/model/model-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelRef } from '../objects/refs.ts';

const ModelArchiveInput = builder.inputType('ModelArchiveInput', {
  description: 'The model to archive.',
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

const ModelArchivePayload = builder.objectRef<{ model: Model }>('ModelArchivePayload');
ModelArchivePayload.implement({
  description: 'The model as it is now.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (p) => p.model }),
  }),
});

const ModelArchiveResult = mutationResult('modelArchive', ModelArchivePayload, [...COMMON_ERRORS]);

builder.mutationField('modelArchive', (t) =>
  t.field({
    type: ModelArchiveResult,
    description:
      'Archives a model: hidden from models and search unless asked for (filter status ARCHIVED), still readable by id, never promoted, not editable. Refused while a version is in production or deployed (the ConflictError names them). Audited.',
    authScopes: { editor: true },
    args: { input: t.arg({ type: ModelArchiveInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        model: await idempotent(context, 'modelArchive', input, (claim) =>
          setModelArchived(
            context.deps,
            context.viewer,
            {
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              archived: true,
              reason: input.reason,
              expectedUpdatedAt: input.expectedUpdatedAt,
            },
            claim,
          ),
        ),
      })),
  }),
);

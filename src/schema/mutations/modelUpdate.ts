import { decodeIdOf } from '../../global-id.ts';
import type { Model } from '../../registry/model/model.ts';
import { updateModel } from '../../registry/model/model-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { MetadataModeEnum } from '../objects/enums.ts';
import { ModelRef } from '../objects/refs.ts';

const ModelUpdateInput = builder.inputType('ModelUpdateInput', {
  description:
    'What to change about a model; a field left out stays as it is. Its versions, aliases and lineage change through their own mutations.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    name: t.string({
      description:
        'A new name, unique in the organization. The old name is free afterwards: models(filter: { text }) and lookups by it no longer find this model; the audit trail keeps both.',
    }),
    description: t.string({ description: 'A new description; "" or null clears it.' }),
    metadata: t.field({
      type: 'JSON',
      description:
        'A JSON object: merged into the metadata (RFC 7386: null removes a key) or replacing it, per metadataMode; null clears it.',
    }),
    metadataMode: t.field({
      type: MetadataModeEnum,
      description: 'How metadata applies (default MERGE).',
    }),
    addTags: t.stringList({ description: 'Tags to add (at most 50 in all).' }),
    removeTags: t.stringList({ description: 'Tags to remove; one not there is ignored.' }),
    provider: t.string({ description: 'The provider; null clears it.' }),
    framework: t.string({ description: 'The framework; null clears it.' }),
    modelType: t.string({ description: 'The model type; null clears it.' }),
    expectedUpdatedAt: t.field({
      type: 'DateTime',
      description:
        'Optimistic concurrency: the updatedAt you read. If the model changed since, nothing is written and a ConflictError on this field says when.',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelUpdatePayload = builder.objectRef<{ model: Model }>('ModelUpdatePayload');
ModelUpdatePayload.implement({
  description: 'The model as it is now.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (p) => p.model }),
  }),
});

const ModelUpdateResult = mutationResult('modelUpdate', ModelUpdatePayload, [...COMMON_ERRORS]);

builder.mutationField('modelUpdate', (t) =>
  t.field({
    type: ModelUpdateResult,
    description:
      'Edits a model: name, description, metadata, tags, provider, framework, model type; audited with before and after. An archived model cannot be edited (restore it first); nothing to change writes nothing.',
    authScopes: { editor: true },
    args: { input: t.arg({ type: ModelUpdateInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        model: await idempotent(context, 'modelUpdate', input, (claim) =>
          updateModel(
            context.deps,
            context.viewer,
            {
              ...input,
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              metadata: input.metadata as Record<string, unknown> | null | undefined,
            },
            claim,
          ),
        ),
      })),
  }),
);

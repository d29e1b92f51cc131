import { decodeIdOf } from '../../global-id.ts';
import type { Model } from '../../registry/model/model.ts';
import { deleteModelAlias } from '../../registry/model/model-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelRef, ModelVersionRef } from '../objects/refs.ts';

const ModelAliasDeleteInput = builder.inputType('ModelAliasDeleteInput', {
  description: 'The alias to remove from a model.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    alias: t.string({
      required: true,
      description: 'The alias, e.g. "champion"; "production" takes the model out of production.',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelAliasDeletePayload = builder.objectRef<{ model: Model; previousVersionId: string }>(
  'ModelAliasDeletePayload',
);
ModelAliasDeletePayload.implement({
  description: 'The model, and the version the alias pointed at.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (p) => p.model }),
    previousVersion: t.field({
      type: ModelVersionRef,
      description: 'The version the alias pointed at until now.',
      resolve: (p) => p.previousVersionId,
    }),
  }),
});

const ModelAliasDeleteResult = mutationResult('modelAliasDelete', ModelAliasDeletePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('modelAliasDelete', (t) =>
  t.field({
    type: ModelAliasDeleteResult,
    description:
      'Removes an alias from a model (production too: then no version is in production); audited, guarded against a concurrent move.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelAliasDeleteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelAliasDelete', input, (claim) =>
          deleteModelAlias(
            context.deps,
            context.viewer,
            {
              modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
              alias: input.alias,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

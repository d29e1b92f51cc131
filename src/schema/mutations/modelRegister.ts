import { registerModel } from '../../registry/model/model.service.ts';
import type { Model } from '../../registry/model/model.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelRef } from '../objects/refs.ts';

const ModelRegisterInput = builder.inputType('ModelRegisterInput', {
  description: 'A new model. Provider, framework, model type and tags may also come in metadata.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({ required: true, description: 'Unique within your organization.' }),
    description: t.string({ description: 'Free text, up to 10,000 characters.' }),
    tags: t.stringList({ description: 'Up to 50 tags of up to 64 characters.' }),
    metadata: t.field({
      type: 'JSON',
      description:
        'A JSON object up to 64 KiB, e.g. { framework, model_type, provider, model_name, tags }.',
    }),
    provider: t.string({ description: 'Overrides metadata.provider.' }),
    framework: t.string({ description: 'Overrides metadata.framework.' }),
    modelType: t.string({ description: 'Overrides metadata.model_type.' }),
  }),
});

const ModelRegisterPayload = builder.objectRef<{ model: Model }>('ModelRegisterPayload');
ModelRegisterPayload.implement({
  description: 'The registered model.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The new model.', resolve: (p) => p.model }),
  }),
});

const ModelRegisterResult = mutationResult('modelRegister', ModelRegisterPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('modelRegister', (t) =>
  t.field({
    type: ModelRegisterResult,
    description: 'Registers a model. Errors: duplicate name, bad metadata or tags.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelRegisterInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        model: await idempotent(context, 'modelRegister', input, (claim) =>
          registerModel(context.deps, context.viewer, input, claim),
        ),
      })),
  }),
);

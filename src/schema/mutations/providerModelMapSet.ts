import { decodeIdOf } from '../../global-id.ts';
import { setProviderModelMap } from '../../registry/usage/provider-model-map.service.ts';
import type { ProviderModelMap } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ProviderModelMapRef } from '../objects/ProviderModelMap.ts';

const ProviderModelMapSetInput = builder.inputType('ProviderModelMapSetInput', {
  description:
    'Which registered model a provider’s model name stands for; the same provider and name again changes the target.',
  fields: (t) => ({
    provider: t.string({
      required: true,
      description: 'The provider as spans name it (gen_ai.provider.name); stored lowercase.',
    }),
    providerModel: t.string({
      required: true,
      description:
        'The provider’s model name (gen_ai.response.model or gen_ai.request.model): exact, or a GLOB such as "gpt-4o*".',
    }),
    modelId: t.id({ required: true, description: 'Global ID of the registered model.' }),
    versionId: t.id({
      description: 'Global ID of one of its versions, recorded when a span names none.',
    }),
  }),
});

const ProviderModelMapSetPayload = builder.objectRef<{ providerModelMap: ProviderModelMap }>(
  'ProviderModelMapSetPayload',
);
ProviderModelMapSetPayload.implement({
  description: 'The stored mapping.',
  fields: (t) => ({
    providerModelMap: t.field({
      type: ProviderModelMapRef,
      description: 'The mapping.',
      resolve: (p) => p.providerModelMap,
    }),
  }),
});

const ProviderModelMapSetResult = mutationResult(
  'providerModelMapSet',
  ProviderModelMapSetPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('providerModelMapSet', (t) =>
  t.field({
    type: ProviderModelMapSetResult,
    description:
      'Maps a provider model name to a registered model for GenAI spans that carry no registry.model (admins; audited). Spans recorded earlier keep their attribution.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: ProviderModelMapSetInput, required: true, description: 'The entry.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        providerModelMap: await setProviderModelMap(context.deps, context.viewer, {
          provider: input.provider,
          providerModel: input.providerModel,
          modelId: decodeIdOf(String(input.modelId), ['Model'], ['modelId']).id,
          versionId: input.versionId
            ? decodeIdOf(String(input.versionId), ['ModelVersion'], ['versionId']).id
            : null,
        }),
      })),
  }),
);

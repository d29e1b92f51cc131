import { decodeIdOf } from '../../global-id.ts';
import { removeProviderModelMap } from '../../registry/usage/provider-model-map.service.ts';
import type { ProviderModelMap } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ProviderModelMapRef } from '../objects/ProviderModelMap.ts';

const ProviderModelMapDeleteInput = builder.inputType('ProviderModelMapDeleteInput', {
  description: 'The mapping to remove.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the mapping (ProviderModelMap.id).' }),
  }),
});

const ProviderModelMapDeletePayload = builder.objectRef<{ providerModelMap: ProviderModelMap }>(
  'ProviderModelMapDeletePayload',
);
ProviderModelMapDeletePayload.implement({
  description: 'The removed mapping.',
  fields: (t) => ({
    providerModelMap: t.field({
      type: ProviderModelMapRef,
      description: 'The mapping as it was.',
      resolve: (p) => p.providerModelMap,
    }),
  }),
});

const ProviderModelMapDeleteResult = mutationResult(
  'providerModelMapDelete',
  ProviderModelMapDeletePayload,
  [...COMMON_ERRORS],
);

builder.mutationField('providerModelMapDelete', (t) =>
  t.field({
    type: ProviderModelMapDeleteResult,
    description:
      'Removes a provider model mapping (admins; audited): later spans of that name are kept as unmatched usage.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: ProviderModelMapDeleteInput, required: true, description: 'Which.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        providerModelMap: await removeProviderModelMap(
          context.deps,
          context.viewer,
          decodeIdOf(String(input.id), ['ProviderModelMap'], ['id']).id,
        ),
      })),
  }),
);

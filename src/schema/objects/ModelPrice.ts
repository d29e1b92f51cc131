// The effective-dated price table (prices, priceSet).

import type { ModelPrice } from '../../registry/usage/usage.ts';
import { pricePage } from '../../registry/usage/usage-read.service.ts';
import { builder } from '../builder.ts';
import { idOrderedConnection } from '../lib/lists.ts';

export const ModelPriceRef = builder.objectRef<ModelPrice>('ModelPrice');
ModelPriceRef.implement({
  description:
    'A price per million tokens for a provider’s models matching a pattern, from a date on. The newest effective price of the most specific matching pattern applies.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The price row’s id.' }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    modelPattern: t.exposeString('modelPattern', {
      description: 'Provider model names it applies to: a GLOB (`*` any run, `?` one character).',
    }),
    inputPerMillion: t.exposeFloat('inputPerMillion', {
      description: 'USD per million input tokens.',
    }),
    outputPerMillion: t.exposeFloat('outputPerMillion', {
      description: 'USD per million output tokens.',
    }),
    cachedInputPerMillion: t.exposeFloat('cachedInputPerMillion', {
      nullable: true,
      description: 'USD per million cached input tokens; null: the input price.',
    }),
    reasoningPerMillion: t.exposeFloat('reasoningPerMillion', {
      nullable: true,
      description: 'USD per million reasoning tokens; null: the output price.',
    }),
    effectiveFrom: t.field({
      type: 'DateTime',
      description: 'Requests at or after this time use this price.',
      resolve: (p) => p.effectiveFrom,
    }),
  }),
});

builder.queryField('prices', (t) =>
  t.connection(
    {
      type: ModelPriceRef,
      description: 'The price table of your organization, oldest entry first.',
      args: { provider: t.arg.string({ description: 'Only this provider’s prices.' }) },
      resolve: (_root, args, context) =>
        idOrderedConnection(args, (page) =>
          pricePage(context.deps, context.viewer, args.provider?.toLowerCase() ?? null, page),
        ),
    },
    { name: 'ModelPriceConnection', description: 'A page of prices.' },
    { name: 'ModelPriceEdge', description: 'A ModelPrice in a page.' },
  ),
);

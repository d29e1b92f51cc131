import { setPrice } from '../../registry/usage/usage.service.ts';
import type { ModelPrice } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelPriceRef } from '../objects/ModelPrice.ts';

const PriceSetInput = builder.inputType('PriceSetInput', {
  description:
    'A price per million tokens from a date on. The same provider, pattern and date again corrects that entry; a new date adds a price change and keeps the old one for earlier requests.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    provider: t.string({ required: true, description: 'The provider; stored lowercase.' }),
    modelPattern: t.string({
      required: true,
      description: 'Provider model names it applies to: exact, or a GLOB such as "gpt-4o*".',
    }),
    inputPerMillion: t.float({ required: true, description: 'USD per million input tokens.' }),
    outputPerMillion: t.float({ required: true, description: 'USD per million output tokens.' }),
    cachedInputPerMillion: t.float({
      description: 'USD per million cached input tokens (default: input price).',
    }),
    reasoningPerMillion: t.float({
      description: 'USD per million reasoning tokens (default: output price).',
    }),
    effectiveFrom: t.field({
      type: 'DateTime',
      description: 'From when it applies (default now).',
    }),
  }),
});

const PriceSetPayload = builder.objectRef<{ price: ModelPrice }>('PriceSetPayload');
PriceSetPayload.implement({
  description: 'The stored price.',
  fields: (t) => ({
    price: t.field({
      type: ModelPriceRef,
      description: 'The price entry.',
      resolve: (p) => p.price,
    }),
  }),
});

const PriceSetResult = mutationResult('priceSet', PriceSetPayload, [...COMMON_ERRORS]);

builder.mutationField('priceSet', (t) =>
  t.field({
    type: PriceSetResult,
    description:
      'Adds or corrects an entry of the price table (admins). Costs already recorded keep their price; the change is audited.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: PriceSetInput, required: true, description: 'The price.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        price: await idempotent(context, 'priceSet', input, (claim) =>
          setPrice(context.deps, context.viewer, input, claim),
        ),
      })),
  }),
);

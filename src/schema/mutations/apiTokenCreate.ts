import { decodeIdOf } from '../../global-id.ts';
import { createApiToken } from '../../registry/user/user.service.ts';
import type { ApiToken } from '../../registry/user/user.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ApiTokenRef } from '../nodes/User.ts';

const ApiTokenCreateInput = builder.inputType('ApiTokenCreateInput', {
  description: 'A new API token for a user of your organization.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'Global ID of the user the token acts as.' }),
    name: t.string({ required: true, description: 'What the token is for.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working; never if unset.' }),
  }),
});

const ApiTokenCreatePayload = builder.objectRef<{ token: string; apiToken: ApiToken }>(
  'ApiTokenCreatePayload',
);
ApiTokenCreatePayload.implement({
  description: 'The new token. The secret is shown here once and never again.',
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'The secret, to send as "Authorization: Bearer <token>". Store it now.',
    }),
    apiToken: t.field({
      type: ApiTokenRef,
      description: 'The token’s record.',
      resolve: (p) => p.apiToken,
    }),
  }),
});

const ApiTokenCreateResult = mutationResult('apiTokenCreate', ApiTokenCreatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('apiTokenCreate', (t) =>
  t.field({
    type: ApiTokenCreateResult,
    description: 'Creates an API token for a user. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: ApiTokenCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        createApiToken(context.deps, context.viewer, {
          userId: decodeIdOf(input.userId, ['User'], ['userId']).id,
          name: input.name,
          expiresAt: input.expiresAt,
        }),
      ),
  }),
);

import { decodeIdOf } from '../../global-id.ts';
import { revokeApiTokenById } from '../../registry/user/user.service.ts';
import type { ApiToken } from '../../registry/user/user.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ApiTokenRef } from '../nodes/User.ts';

const ApiTokenRevokeInput = builder.inputType('ApiTokenRevokeInput', {
  description: 'The token to revoke.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the token (ApiToken.id).' }),
  }),
});

const ApiTokenRevokePayload = builder.objectRef<{ apiToken: ApiToken }>('ApiTokenRevokePayload');
ApiTokenRevokePayload.implement({
  description: 'The revoked token.',
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, description: 'The token.', resolve: (p) => p.apiToken }),
  }),
});

const ApiTokenRevokeResult = mutationResult('apiTokenRevoke', ApiTokenRevokePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('apiTokenRevoke', (t) =>
  t.field({
    type: ApiTokenRevokeResult,
    description: 'Revokes a token at once: the next request with it is refused. Admins only.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: ApiTokenRevokeInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        apiToken: await revokeApiTokenById(
          context.deps,
          context.viewer,
          decodeIdOf(input.id, ['ApiToken'], ['id']).id,
        ),
      })),
  }),
);

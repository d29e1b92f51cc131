import type { Role } from '../../auth/viewer.ts';
import { createUser } from '../../registry/user/user.service.ts';
import type { User } from '../../registry/user/user.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { RoleEnum } from '../objects/enums.ts';
import { UserRef } from '../objects/refs.ts';

const UserCreateInput = builder.inputType('UserCreateInput', {
  description: 'A new user of your organization.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({ required: true, description: 'Display name.' }),
    email: t.string({ description: 'Unique in the organization.' }),
    role: t.field({ type: RoleEnum, required: true, description: 'What they may do.' }),
  }),
});

const UserCreatePayload = builder.objectRef<{ user: User }>('UserCreatePayload');
UserCreatePayload.implement({
  description: 'The created user.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The new user.', resolve: (p) => p.user }),
  }),
});

const UserCreateResult = mutationResult('userCreate', UserCreatePayload, [...COMMON_ERRORS]);

builder.mutationField('userCreate', (t) =>
  t.field({
    type: UserCreateResult,
    description: 'Adds a user to your organization. Admins only.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: UserCreateInput, required: true, description: 'What to do.' }) },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        user: await idempotent(context, 'userCreate', input, (claim) =>
          createUser(context.deps, context.viewer, { ...input, role: input.role as Role }, claim),
        ),
      })),
  }),
);

import type { ApiToken, User } from '../../registry/user/user.ts';
import { tokensOfUsers, userPage } from '../../registry/user/user-read.service.ts';
import { builder } from '../builder.ts';
import { loadRelationPages } from '../lib/edge-loaders.ts';
import { idOrderedConnection } from '../lib/lists.ts';
import { RoleEnum } from '../objects/enums.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { OrganizationRef, UserRef } from '../objects/refs.ts';
import { ModelVersionConnection } from '../objects/relations.ts';

export const ApiTokenRef = builder.objectRef<ApiToken>('ApiToken');
ApiTokenRef.implement({
  description: 'An API token. The secret is shown once, when created; only its hash is stored.',
  fields: (t) => ({
    id: t.globalID({
      description: 'The token’s global ID (for revoking).',
      resolve: (token) => ({ type: 'ApiToken', id: token.id }),
    }),
    name: t.exposeString('name', { description: 'What the token is for.' }),
    prefix: t.exposeString('prefix', { description: 'The first characters, to recognise it.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was created.',
      resolve: (token) => token.createdAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it stops working; null for never.',
      resolve: (token) => token.expiresAt,
    }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked.',
      resolve: (token) => token.revokedAt,
    }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was last used (recorded at most hourly).',
      resolve: (token) => token.lastUsedAt,
    }),
  }),
});

UserRef.implement({
  description: 'A person or service account in one organization, with one role.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as User).kind === 'User',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.exposeString('email', { nullable: true, description: 'Unique in the organization.' }),
    role: t.field({
      type: RoleEnum,
      description: 'What they may do.',
      resolve: (user) => user.role,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the user was added.',
      resolve: (user) => user.createdAt,
    }),
    organization: t.field({
      type: OrganizationRef,
      description: 'The organization the user belongs to.',
      resolve: (user) => user.orgId,
    }),
    approvedVersions: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions this user approved (inverse of approvedBy).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['APPROVED_BY'] }, args),
      resolve: (user) => user.id,
    }),
    // Loaded for all the users of a list at once (one statement), not one user at a time.
    apiTokens: t.loadableList({
      type: ApiTokenRef,
      description: 'The user’s API tokens; visible to the user themself and to admins.',
      load: (ids: string[], context) => tokensOfUsers(context.deps, context.viewer, ids),
      resolve: (user) => user.id,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description: 'The user the request’s token belongs to.',
    // Read with the token (src/context.ts): returning the object primes the loader, no statement.
    resolve: (_root, _args, context) => context.viewerUser ?? context.viewer.userId,
  }),
);

builder.queryField('users', (t) =>
  t.connection(
    {
      type: UserRef,
      description: 'Users of your organization, oldest first.',
      resolve: (_root, args, context) =>
        idOrderedConnection(args, (page) => userPage(context.deps, context.viewer, page)),
    },
    { name: 'UserConnection', description: 'A page of users.' },
    { name: 'UserEdge', description: 'A User in a page.' },
  ),
);

import type { Organization } from '../../registry/user/user.ts';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../objects/refs.ts';

OrganizationRef.implement({
  description: 'A tenant: every node belongs to exactly one organization, and sees only its own.',
  isTypeOf: (value) => (value as Organization).kind === 'Organization',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique name.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the organization was created.',
      resolve: (organization) => organization.createdAt,
    }),
  }),
});

builder.queryField('organization', (t) =>
  t.field({
    type: OrganizationRef,
    description: 'Your organization.',
    resolve: (_root, _args, context) => context.viewer.orgId,
  }),
);

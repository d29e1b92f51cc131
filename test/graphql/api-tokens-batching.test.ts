// Issue 8 (D1 statement budget): User.apiTokens is loaded for all the users of a list at once, so
// auditEvents with nested actors and subjects costs the same for a page of 5 and of 100; a user
// who is not an admin still sees only their own tokens.
import { describe, expect, it } from 'vitest';
import { createApiToken, createUser } from '../../src/registry/user/user.service.ts';
import { fieldOf, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const AuditTrail = /* GraphQL */ `
  query ($first: Int!) {
    auditEvents(first: $first) {
      edges {
        node {
          action
          actor { id apiTokens { id name } }
          subject { ... on User { id apiTokens { id name } } }
        }
      }
    }
  }
`;

const Users = /* GraphQL */ `
  query {
    users(first: 100) { edges { node { id apiTokens { name } } } }
  }
`;

describe('User.apiTokens', () => {
  it('costs the same statements for 5 and for 100 audit events with users nested', async () => {
    const org = await createTestOrg('tokens-batch');
    const admin = viewerOf(org, 'ADMIN');
    // Audit events whose subjects are users (user.create and token.create) with tokens of their own.
    for (let index = 0; index < 40; index += 1) {
      const user = await createUser(serviceDeps(), admin, { name: `u${index}`, role: 'VIEWER' });
      await createApiToken(serviceDeps(), admin, { userId: user.id, name: `t${index}` });
    }
    await gql(org.admin.token, '{ viewer { id } }');

    const few = await gql(org.admin.token, AuditTrail, { first: 5 });
    const many = await gql(org.admin.token, AuditTrail, { first: 100 });

    const events = fieldOf(many, 'auditEvents').edges;
    expect(events.length).toBeGreaterThanOrEqual(80);
    const withTokens = events.filter(
      (edge: { node: { subject: { apiTokens?: unknown[] } | null } }) =>
        (edge.node.subject?.apiTokens?.length ?? 0) > 0,
    );
    expect(withTokens.length).toBeGreaterThanOrEqual(40);
    expect(fieldOf(few, 'auditEvents').edges).toHaveLength(5);
    expect(many.statements).toBe(few.statements);
  }, 60_000);

  it('shows a non-admin only their own tokens, each user their own', async () => {
    const org = await createTestOrg('tokens-visibility');
    const admin = await gql(org.admin.token, Users);
    const editor = await gql(org.tokens.EDITOR, Users);

    const byUser = (response: typeof admin) =>
      new Map(
        fieldOf(response, 'users').edges.map(
          (edge: { node: { id: string; apiTokens: { name: string }[] } }) => [
            atob(edge.node.id).split(':')[1],
            edge.node.apiTokens.map((token) => token.name),
          ],
        ),
      );
    const asAdmin = byUser(admin);
    const asEditor = byUser(editor);
    expect(asAdmin.get(org.userIds.EDITOR)).toEqual(['EDITOR']);
    expect(asAdmin.get(org.userIds.VIEWER)).toEqual(['VIEWER']);
    expect(asEditor.get(org.userIds.EDITOR)).toEqual(['EDITOR']);
    expect(asEditor.get(org.userIds.VIEWER)).toEqual([]);
    expect(asEditor.get(org.admin.userId)).toEqual([]);
  });
});

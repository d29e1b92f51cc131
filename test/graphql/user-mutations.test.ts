// The user and API token mutations (admins), through the Worker's fetch: the payload, the rows
// written (and their audit events), and what the tokens can do afterwards.
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  rowId,
  topLevelError,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';

const UserCreate = /* GraphQL */ `
  mutation UserCreate($input: UserCreateInput!) {
    userCreate(input: $input) {
      __typename
      ... on UserCreatePayload { user { id name email role organization { id } } }
      ... on Error { message path }
    }
  }
`;

const ApiTokenCreate = /* GraphQL */ `
  mutation ApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreatePayload {
        token
        apiToken { id name prefix expiresAt revokedAt }
      }
      ... on Error { message path }
    }
  }
`;

const ApiTokenRevoke = /* GraphQL */ `
  mutation ApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokePayload { apiToken { id revokedAt } }
      ... on Error { message path }
    }
  }
`;

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer { id name role }
  }
`;

const UserTokens = /* GraphQL */ `
  query UserTokens($id: ID!) {
    node(id: $id) {
      ... on User { apiTokens { id name prefix } }
    }
  }
`;

describe('userCreate', () => {
  it('adds a user to the organization with a normalised email, audited', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Ada', email: ' Ada@Example.COM ', role: 'REVIEWER' },
    });

    // then
    const user = fieldOf(result, 'userCreate').user;
    expect(user).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      role: 'REVIEWER',
      organization: { id: globalId('Organization', org.orgId) },
    });
    const row = await testDb()
      .selectFrom('user')
      .selectAll()
      .where('id', '=', rowId(user.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'Ada',
      email: 'ada@example.com',
      role: 'REVIEWER',
      created_by: org.userIds.ADMIN,
    });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'user.create', actor_id: org.userIds.ADMIN, after: { role: 'REVIEWER' } },
    ]);
  });

  it('refuses a second user with the same email as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    fieldOf(
      await gql(org.tokens.ADMIN, UserCreate, {
        input: { name: 'Ada', email: 'ada@example.com', role: 'VIEWER' },
      }),
      'userCreate',
    );
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Ada again', email: 'ADA@example.com', role: 'EDITOR' },
    });

    // then
    expect(fieldOf(result, 'userCreate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'email'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a malformed email as a ValidationError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, UserCreate, {
      input: { name: 'Bob', email: 'not an email', role: 'VIEWER' },
    });

    // then
    expect(fieldOf(result, 'userCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'email'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('apiTokenCreate', () => {
  it('creates a working token whose secret is stored only as a hash, audited', async () => {
    // given
    const org = await createTestOrg();
    const userId = globalId('User', org.userIds.VIEWER);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: { userId, name: 'ci', expiresAt: '2999-01-01T00:00:00.000Z' },
    });

    // then
    const payload = fieldOf(result, 'apiTokenCreate');
    expect(payload.token).toMatch(/^mr_[A-Za-z0-9_-]{43}$/);
    expect(payload.apiToken).toMatchObject({
      name: 'ci',
      prefix: payload.token.slice(0, 11),
      expiresAt: '2999-01-01T00:00:00.000Z',
      revokedAt: null,
    });
    const row = await testDb()
      .selectFrom('api_token')
      .selectAll()
      .where('id', '=', rowId(payload.apiToken.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      user_id: org.userIds.VIEWER,
      name: 'ci',
      token_hash: await hashToken(payload.token),
      expires_at: '2999-01-01T00:00:00.000Z',
      revoked_at: null,
    });
    expect(JSON.stringify(row)).not.toContain(payload.token);
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'apiToken.create', after: { userId: org.userIds.VIEWER, name: 'ci' } },
    ]);
    const viewer = fieldOf(await gql(payload.token, Viewer), 'viewer');
    expect(viewer).toEqual({ id: userId, name: 'VIEWER user', role: 'VIEWER' });
  });

  it('shows a user’s tokens to the user and to admins only', async () => {
    // given
    const org = await createTestOrg();
    const editorId = globalId('User', org.userIds.EDITOR);

    // when
    const asAdmin = fieldOf(await gql(org.tokens.ADMIN, UserTokens, { id: editorId }), 'node');
    const asSelf = fieldOf(await gql(org.tokens.EDITOR, UserTokens, { id: editorId }), 'node');
    const asViewer = fieldOf(await gql(org.tokens.VIEWER, UserTokens, { id: editorId }), 'node');

    // then
    expect(asAdmin.apiTokens).toEqual([
      { id: expect.any(String), name: 'EDITOR', prefix: org.tokens.EDITOR.slice(0, 11) },
    ]);
    expect(asSelf.apiTokens).toEqual(asAdmin.apiTokens);
    expect(asViewer.apiTokens).toEqual([]);
  });

  it.each([
    ['an unknown user', () => unknownId('User'), ['input', 'userId']],
    ['a malformed user id', () => 'not-a-global-id', ['input', 'userId']],
    ['the id of a model', () => unknownId('Model'), ['input', 'userId']],
  ])('refuses a token for %s as a NotFoundError, writing nothing', async (_case, userId, path) => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: { userId: userId(), name: 'ci' },
    });

    // then
    expect(fieldOf(result, 'apiTokenCreate')).toMatchObject({ __typename: 'NotFoundError', path });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an expiry in the past as a ValidationError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenCreate, {
      input: {
        userId: globalId('User', org.userIds.EDITOR),
        name: 'old',
        expiresAt: '2001-01-01T00:00:00.000Z',
      },
    });

    // then
    expect(fieldOf(result, 'apiTokenCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'expiresAt'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('apiTokenRevoke', () => {
  it('revokes a token so that its very next request is refused with UNAUTHENTICATED', async () => {
    // given
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: { userId: globalId('User', org.userIds.EDITOR), name: 'laptop' },
      }),
      'apiTokenCreate',
    );
    expect(fieldOf(await gql(created.token, Viewer), 'viewer').role).toBe('EDITOR');

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, {
      input: { id: created.apiToken.id },
    });

    // then
    const revoked = fieldOf(result, 'apiTokenRevoke').apiToken;
    expect(revoked).toEqual({ id: created.apiToken.id, revokedAt: expect.any(String) });
    const row = await testDb()
      .selectFrom('api_token')
      .select('revoked_at')
      .where('id', '=', rowId(created.apiToken.id))
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBe(revoked.revokedAt);
    expect(
      await auditEvents(org.orgId, { action: 'apiToken.revoke', subjectId: rowId(revoked.id) }),
    ).toMatchObject([{ before: { revokedAt: null }, after: { revokedAt: revoked.revokedAt } }]);
    const refused = await gql(created.token, Viewer);
    expect(refused.status).toBe(401);
    expect(refused.data).toBeNull();
    expect(topLevelError(refused).extensions?.code).toBe('UNAUTHENTICATED');
    // the other tokens of the organization keep working
    expect(fieldOf(await gql(org.tokens.EDITOR, Viewer), 'viewer').role).toBe('EDITOR');
  });

  it('refuses to revoke a token twice as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: { userId: globalId('User', org.userIds.EDITOR), name: 'once' },
      }),
      'apiTokenCreate',
    );
    const input = { id: created.apiToken.id };
    fieldOf(await gql(org.tokens.ADMIN, ApiTokenRevoke, { input }), 'apiTokenRevoke');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, { input });

    // then
    expect(fieldOf(result, 'apiTokenRevoke')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'id'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an unknown token id as a NotFoundError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.ADMIN, ApiTokenRevoke, {
      input: { id: unknownId('ApiToken') },
    });

    // then
    expect(fieldOf(result, 'apiTokenRevoke')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'id'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a token whose expiry has passed', async () => {
    // given a token that expired a second ago
    const org = await createTestOrg();
    const created = fieldOf(
      await gql(org.tokens.ADMIN, ApiTokenCreate, {
        input: {
          userId: globalId('User', org.userIds.EDITOR),
          name: 'short-lived',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      }),
      'apiTokenCreate',
    );
    expect(fieldOf(await gql(created.token, Viewer), 'viewer').role).toBe('EDITOR');
    await testDb()
      .updateTable('api_token')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', rowId(created.apiToken.id))
      .execute();

    // when
    const result = await gql(created.token, Viewer);

    // then
    expect(result.status).toBe(401);
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
  });
});

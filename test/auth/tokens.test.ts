// Token handling (issue 8): a revoked token is refused by the very next request, in the same
// isolate (nothing caches a resolved viewer), on every route that takes tokens; a token's text
// never comes back in a response (other than the one that creates it) nor is it stored; and what
// the authentication path compares is a SHA-256, never the secret.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { hashToken } from '../../src/auth/token.ts';
import { globalId } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const ApiTokenCreate = /* GraphQL */ `
  mutation ApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreatePayload {
        token
        apiToken {
          id
        }
      }
    }
  }
`;

const ApiTokenRevoke = /* GraphQL */ `
  mutation ApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokePayload {
        apiToken {
          revokedAt
        }
      }
    }
  }
`;

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer {
      name
      role
    }
  }
`;

const ViewerWithTokens = /* GraphQL */ `
  query ViewerWithTokens {
    viewer {
      apiTokens {
        id
        name
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
    auditEvents(first: 50) {
      edges {
        node {
          action
          before
          after
        }
      }
    }
  }
`;

const InferenceTrack = /* GraphQL */ `
  mutation InferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
    }
  }
`;

async function newAdminToken(org: Awaited<ReturnType<typeof createTestOrg>>, name: string) {
  const created = await gql(org.admin.token, ApiTokenCreate, {
    input: { userId: globalId('User', org.admin.userId), name },
  });
  const payload = created.data?.apiTokenCreate;
  expect(payload?.__typename, JSON.stringify(created)).toBe('ApiTokenCreatePayload');
  return { token: payload.token as string, id: payload.apiToken.id as string };
}

function fetchWith(token: string, path: string, init: RequestInit = {}) {
  return SELF.fetch(`http://registry.test${path}`, {
    ...init,
    headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
  });
}

describe('revoked tokens', () => {
  it('refuses a revoked token on the very next request, after it was used (warm isolate)', async () => {
    // Given a token that has just authenticated several requests in this isolate
    const org = await createTestOrg('revoke');
    const { token, id } = await newAdminToken(org, 'soon revoked');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await gql(token, Viewer)).data?.viewer?.role).toBe('ADMIN');
    }

    // When it is revoked (by another admin token)
    const revoked = await gql(org.admin.token, ApiTokenRevoke, { input: { id } });
    expect(revoked.data?.apiTokenRevoke?.__typename).toBe('ApiTokenRevokePayload');

    // Then the next request with it is 401, on GraphQL, REST and artifact routes alike
    const next = await gql(token, Viewer);
    expect(next.status).toBe(401);
    expect(next.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(next.data).toBeNull();
    expect((await fetchWith(token, '/api/models')).status).toBe(401);
    const artifact = await fetchWith(token, `/artifacts/${crypto.randomUUID()}`);
    expect(artifact.status).toBe(401);
    await artifact.body?.cancel();
    // And the revocation is stored: revoked_at is set for exactly that token
    const row = await env.DB.prepare('SELECT revoked_at FROM api_token WHERE token_hash = ?')
      .bind(await hashToken(token))
      .first<{ revoked_at: string | null }>();
    expect(row?.revoked_at).toEqual(expect.any(String));
    // While the organization's other tokens keep working
    expect((await gql(org.admin.token, Viewer)).status).toBe(200);
  });

  it('refuses a token that revoked itself on its next request', async () => {
    const org = await createTestOrg('self-revoke');
    const { token, id } = await newAdminToken(org, 'self');
    const revoked = await gql(token, ApiTokenRevoke, { input: { id } });
    expect(revoked.data?.apiTokenRevoke?.__typename).toBe('ApiTokenRevokePayload');
    expect((await gql(token, Viewer)).status).toBe(401);
  });

  it('does not replay an idempotent result to a revoked token', async () => {
    // Given a tracking request recorded with an idempotency key
    const org = await createTestOrg('revoke-idem');
    const { token, id } = await newAdminToken(org, 'tracker');
    const model = await gql(
      org.admin.token,
      'mutation($i: ModelRegisterInput!) { modelRegister(input: $i) { ... on ModelRegisterPayload { model { id } } } }',
      { i: { name: 'tracked' } },
    );
    const input = {
      request: {
        idempotencyKey: 'revoked-replay-1',
        modelId: model.data?.modelRegister?.model?.id,
        provider: 'openai',
        providerModel: 'gpt-x',
        inputTokens: 1,
        outputTokens: 1,
        latencyMs: 10,
        status: 'SUCCESS',
      },
    };
    const first = await gql(token, InferenceTrack, { input });
    expect(first.data?.inferenceTrack?.__typename, JSON.stringify(first)).toBe(
      'InferenceTrackPayload',
    );
    // When the token is revoked and the same request is retried with it
    await gql(org.admin.token, ApiTokenRevoke, { input: { id } });
    const replay = await gql(token, InferenceTrack, { input });
    // Then it is refused before anything is replayed
    expect(replay.status).toBe(401);
    expect(replay.data).toBeNull();
  });

  it('refuses an expired token at once', async () => {
    const org = await createTestOrg('expired');
    const { token } = await newAdminToken(org, 'short-lived');
    expect((await gql(token, Viewer)).status).toBe(200);
    await env.DB.prepare('UPDATE api_token SET expires_at = ? WHERE token_hash = ?')
      .bind(new Date(Date.now() - 1000).toISOString(), await hashToken(token))
      .run();
    expect((await gql(token, Viewer)).status).toBe(401);
  });
});

describe('token text', () => {
  const INVALID_TOKENS = [
    `mr_${'A'.repeat(43)}`,
    'mr_invalid-token-text-that-must-not-echo',
    'not-even-the-right-prefix-1234567890',
    `mr_${'x'.repeat(5000)}`,
  ];

  it('never echoes an invalid token in any response, nor logs it', async () => {
    // The Worker runs in this isolate (SELF): whatever it logs goes through these spies.
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const spies = methods.map((method) => vi.spyOn(console, method));
    for (const token of INVALID_TOKENS) {
      for (const [path, init] of [
        ['/graphql', { method: 'POST', body: JSON.stringify({ query: '{ viewer { name } }' }) }],
        ['/graphql?query=%7Bviewer%7Bname%7D%7D', { method: 'GET' }],
        ['/api/models', { method: 'GET' }],
        ['/api/models', { method: 'POST', body: JSON.stringify({ name: token }) }],
        [`/artifacts/${crypto.randomUUID()}`, { method: 'GET' }],
      ] as const) {
        const response = await fetchWith(token, path, {
          ...init,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        });
        const body = await response.text();
        expect(response.status, `${path} ${body}`).toBe(401);
        expect(body).not.toContain(token);
        expect(body).not.toContain(token.slice(3, 40));
        for (const [, value] of response.headers) expect(value).not.toContain(token.slice(3, 40));
      }
    }
    const logged = spies.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(' ')));
    for (const spy of spies) spy.mockRestore();
    for (const token of INVALID_TOKENS) {
      expect(logged.filter((line) => line.includes(token.slice(3, 40)))).toEqual([]);
    }
  });

  it('never returns a valid token after its creation, nor stores it', async () => {
    // Given a token that is created, then used
    const org = await createTestOrg('no-echo');
    const { token } = await newAdminToken(org, 'secret keeper');
    const secret = token.slice(11); // past the prefix that lists deliberately show
    const listed = await fetchWith(token, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: ViewerWithTokens }),
    });
    const text = await listed.text();
    expect(listed.status, text).toBe(200);
    expect(text).toContain('secret keeper');
    // Then no response reading tokens or their audit trail contains the secret part
    expect(text).not.toContain(secret);
    // And the database holds only its hash: no table of the organization contains the secret
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ).all<{ name: string }>();
    for (const { name } of tables.results) {
      const columns = await env.DB.prepare('SELECT name FROM pragma_table_info(?)')
        .bind(name)
        .all<{ name: string }>();
      const text = columns.results.map((column) => `coalesce(CAST("${column.name}" AS TEXT), '')`);
      const found = await env.DB.prepare(
        `SELECT count(*) AS n FROM "${name}" WHERE instr(${text.join(" || '|' || ")}, ?) > 0`,
      )
        .bind(secret)
        .first<{ n: number }>();
      expect(found?.n, `table ${name} holds the token`).toBe(0);
    }
  });

  it('authenticates by the SHA-256 of the token: the stored hash is the only token material', async () => {
    const org = await createTestOrg('hash');
    const { token } = await newAdminToken(org, 'hashed');
    const row = await env.DB.prepare(
      'SELECT token_hash, prefix FROM api_token WHERE token_hash = ?',
    )
      .bind(await hashToken(token))
      .first<{ token_hash: string; prefix: string }>();
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.startsWith(row?.prefix ?? '?')).toBe(true);
    expect(row?.prefix).toHaveLength(11);
    // A token differing in its last character is another hash: refused
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await gql(altered, Viewer)).status).toBe(401);
  });
});

describe('the viewer read with the token', () => {
  const ViewerFields = /* GraphQL */ `
    query ViewerFields {
      viewer { id name email role createdAt organization { id } }
    }
  `;
  const UserById = /* GraphQL */ `
    query UserById($id: ID!) {
      node(id: $id) { ... on User { id name email role createdAt organization { id } } }
    }
  `;

  it('answers { viewer { name } } with one D1 statement: the token lookup', async () => {
    // given: a token used once already (its first use records last_used_at, off the path)
    const org = await createTestOrg('viewer-one-statement');
    await gql(org.tokens.EDITOR, /* GraphQL */ '{ viewer { id } }');

    // when
    const response = await gql(org.tokens.EDITOR, /* GraphQL */ '{ viewer { name } }');

    // then
    expect(response.data).toEqual({ viewer: { name: 'EDITOR user' } });
    expect(response.statements).toBe(1);
  });

  it('gives every viewer field exactly what the by-id read of that user gives', async () => {
    const org = await createTestOrg('viewer-same-as-node');
    for (const role of ['ADMIN', 'VIEWER'] as const) {
      const viewer = await gql(org.tokens[role], ViewerFields);
      const byId = await gql(org.tokens[role], UserById, {
        id: globalId('User', org.userIds[role]),
      });
      expect(viewer.errors).toBeUndefined();
      expect(viewer.data?.viewer).toEqual(byId.data?.node);
      expect(viewer.data?.viewer.id).toBe(globalId('User', org.userIds[role]));
    }
  });

  it('reads the user as it is now, not as it was when the token was made', async () => {
    const org = await createTestOrg('viewer-renamed');
    await env.DB.prepare('UPDATE user SET name = ? WHERE id = ?')
      .bind('Renamed', org.userIds.REVIEWER)
      .run();
    const response = await gql(org.tokens.REVIEWER, /* GraphQL */ '{ viewer { name role } }');
    expect(response.data).toEqual({ viewer: { name: 'Renamed', role: 'REVIEWER' } });
  });
});

// The deployment switches of the GraphQL endpoint, each tested by running the Worker under it:
// GRAPHQL_INTROSPECTION, GRAPHIQL and PERSISTED_OPERATIONS (off | allow | require), and how the
// vars are read (src/config.ts).
import { describe, expect, it } from 'vitest';
import persistedDocuments from '../../examples/gql/persisted-documents.json' with { type: 'json' };
import { httpConfig } from '../../src/config.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest, URL_BASE } from './worker-client.ts';

/** The allow-list's hash of the named operation, without the "sha256:" prefix. */
function hashOf(operationName: string): string {
  const entry = Object.entries(persistedDocuments).find(
    ([, document]) =>
      document.includes(` ${operationName}(`) || document.includes(` ${operationName} {`),
  );
  if (!entry) throw new Error(`${operationName} is not in the allow-list`);
  return entry[0].replace(/^sha256:/, '');
}

function persisted(operationName: string, variables: Record<string, unknown> = {}) {
  return {
    operationName,
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(operationName) } },
  };
}

const ArbitraryRegister = /* GraphQL */ `
  mutation ArbitraryRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) { __typename }
  }
`;

async function modelsNamed(name: string) {
  return testDb().selectFrom('model').where('name', '=', name).select('id').execute();
}

describe('introspection (GRAPHQL_INTROSPECTION)', () => {
  const Introspect = '{ __schema { queryType { name } } __type(name: "Model") { name } }';

  it('answers __schema and __type by default', async () => {
    const org = await createTestOrg();
    const body = await graphqlBody(
      await fetchWorker(graphqlRequest(org.tokens.VIEWER, { query: Introspect })),
    );
    expect(body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
      __type: { name: 'Model' },
    });
  });

  it('refuses them with "false", before running anything, and still serves __typename', async () => {
    const org = await createTestOrg();
    const vars = { GRAPHQL_INTROSPECTION: 'false' };

    const refused = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, { query: Introspect }),
      vars,
    );
    const typename = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, { query: '{ __typename }' }),
      vars,
    );

    expect(refused.status).toBe(400);
    const body = await graphqlBody(refused);
    expect(body.data).toBeUndefined();
    const messages = body.errors?.map((error) => error.message) ?? [];
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages)
      expect(message).toMatch(/^GraphQL introspection has been disabled/);
    expect(messages.join()).toContain('"__schema"');
    expect(messages.join()).toContain('"__type"');
    expect(await graphqlBody(typename)).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('GraphiQL (GRAPHIQL)', () => {
  const browserGet = () => new Request(`${URL_BASE}/graphql`, { headers: { accept: 'text/html' } });

  it('is served by default', async () => {
    const response = await fetchWorker(browserGet());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('renderYogaGraphiQL');
  });

  it('is not served with "false": a browser gets a JSON error, not the IDE', async () => {
    const response = await fetchWorker(browserGet(), { GRAPHIQL: 'false' });
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(text).errors[0].extensions.code).toBe('GRAPHIQL_DISABLED');
    expect(text).not.toContain('renderYogaGraphiQL');
  });
});

describe('persisted operations (PERSISTED_OPERATIONS)', () => {
  it('off (local default): a hash alone is not a request', async () => {
    const org = await createTestOrg();
    const response = await fetchWorker(graphqlRequest(org.tokens.VIEWER, persisted('Viewer')));
    expect(response.status).toBe(400);
    expect((await graphqlBody(response)).errors?.[0]?.message).toBe('Must provide query string.');
  });

  it('allow: runs allow-listed documents by hash and any other document too', async () => {
    const org = await createTestOrg();
    const vars = { PERSISTED_OPERATIONS: 'allow' };

    const byHash = await graphqlBody(
      await fetchWorker(graphqlRequest(org.tokens.VIEWER, persisted('Viewer')), vars),
    );
    const arbitrary = await graphqlBody(
      await fetchWorker(graphqlRequest(org.tokens.VIEWER, { query: '{ viewer { role } }' }), vars),
    );

    expect(byHash.errors).toBeUndefined();
    expect(byHash.data?.viewer).toMatchObject({ name: 'VIEWER user', role: 'VIEWER' });
    expect(arbitrary).toEqual({ data: { viewer: { role: 'VIEWER' } } });
  });

  it('allow: an unknown hash is a clear error', async () => {
    const org = await createTestOrg();
    const response = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, {
        extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
      }),
      { PERSISTED_OPERATIONS: 'allow' },
    );
    expect(response.status).toBe(400);
    expect((await graphqlBody(response)).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('require: refuses any document not sent by hash, before it writes anything', async () => {
    // given
    const org = await createTestOrg();
    const name = `arbitrary-${crypto.randomUUID()}`;

    // when
    const response = await fetchWorker(
      graphqlRequest(org.tokens.EDITOR, {
        query: ArbitraryRegister,
        variables: { input: { name } },
      }),
      { PERSISTED_OPERATIONS: 'require' },
    );

    // then
    expect(response.status).toBe(400);
    const body = await graphqlBody(response);
    expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(body.errors?.[0]?.message).toContain('PERSISTED_OPERATIONS=require');
    expect(await modelsNamed(name)).toEqual([]);
  });

  it('require: runs an allow-listed mutation by hash, which writes', async () => {
    const org = await createTestOrg();
    const name = `persisted-${crypto.randomUUID()}`;

    const response = await fetchWorker(
      graphqlRequest(org.tokens.EDITOR, persisted('ModelRegister', { input: { name } })),
      { PERSISTED_OPERATIONS: 'require' },
    );

    const body = await graphqlBody(response);
    expect(body.errors).toBeUndefined();
    expect(body.data?.modelRegister?.__typename).toBe('ModelRegisterPayload');
    expect(await modelsNamed(name)).toHaveLength(1);
  });

  it('the allow-list holds every operation of the repo’s client, keyed by its SHA-256', async () => {
    const entries = Object.entries(persistedDocuments);
    expect(entries.length).toBeGreaterThan(0);
    for (const [key, document] of entries) {
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(document));
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      expect(key).toBe(`sha256:${hex}`);
    }
  });
});

describe('httpConfig', () => {
  it('is safe when vars are missing: masked, no CORS, rate limit on, persisted off', () => {
    expect(httpConfig({})).toEqual({
      exposeErrors: false,
      introspection: true,
      graphiql: true,
      persistedOperations: 'off',
      corsOrigins: [],
      rateLimit: true,
      production: false,
    });
  });

  it('reads each var, ignoring values it does not understand', () => {
    expect(
      httpConfig({
        ENVIRONMENT: 'production',
        EXPOSE_ERRORS: 'TRUE',
        GRAPHQL_INTROSPECTION: 'false',
        GRAPHIQL: 'off',
        PERSISTED_OPERATIONS: 'require',
        CORS_ORIGINS: 'https://a.example, http://localhost:5173,https://b.example/x',
        RATE_LIMIT: 'maybe',
      }),
    ).toEqual({
      exposeErrors: true,
      introspection: false,
      graphiql: false,
      persistedOperations: 'require',
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      rateLimit: true,
      production: true,
    });
    expect(httpConfig({ PERSISTED_OPERATIONS: 'sometimes' }).persistedOperations).toBe('off');
  });
});

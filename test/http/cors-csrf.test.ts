// Cross-origin access only for the origins in CORS_ORIGINS, preflights answered before any route
// runs, and no GraphQL operation executed from a request a browser could send cross-site unasked.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest, URL_BASE } from './worker-client.ts';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';
const ALLOWED = { CORS_ORIGINS: `${APP}, https://admin.example.com` };

function preflight(origin: string, path = '/graphql'): Request {
  return new Request(`${URL_BASE}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

describe('CORS', () => {
  it('allows no cross-origin access by default (CORS_ORIGINS empty)', async () => {
    // given the test configuration, which lists no origin
    expect(env.CORS_ORIGINS).toBe('');
    const org = await createTestOrg();

    // when a page on another origin asks, then sends the request anyway
    const asked = await fetchWorker(preflight(APP));
    const sent = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, { query: '{ __typename }' }, { origin: APP }),
    );

    // then the preflight is refused with a reason, and the answer carries no CORS grant
    expect(asked.status).toBe(403);
    expect((await graphqlBody(asked)).errors?.[0]?.extensions?.code).toBe('CORS_FORBIDDEN');
    expect(asked.headers.get('access-control-allow-origin')).toBeNull();
    expect(sent.headers.get('access-control-allow-origin')).toBeNull();
    expect(sent.headers.get('vary')).toContain('Origin');
  });

  it('answers the preflight of a listed origin and grants it the response', async () => {
    const org = await createTestOrg();

    const asked = await fetchWorker(preflight(APP), ALLOWED);
    const sent = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, { query: '{ __typename }' }, { origin: APP }),
      ALLOWED,
    );

    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBe(APP);
    expect(asked.headers.get('access-control-allow-methods')).toContain('POST');
    expect(asked.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(asked.headers.get('access-control-allow-credentials')).toBeNull();
    expect(asked.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sent.status).toBe(200);
    expect(sent.headers.get('access-control-allow-origin')).toBe(APP);
    expect(sent.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('refuses an origin that is not listed, on every route, even when others are', async () => {
    for (const path of ['/graphql', '/api/models', '/artifacts/x']) {
      const asked = await fetchWorker(preflight(OTHER, path), ALLOWED);
      expect(asked.status).toBe(403);
      expect(asked.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('ignores malformed entries in CORS_ORIGINS instead of allowing something else', async () => {
    const vars = { CORS_ORIGINS: '*, null, https://app.example.com/path, not a url' };
    for (const origin of ['null', APP, 'https://anything.example']) {
      const asked = await fetchWorker(preflight(origin), vars);
      expect(asked.status).toBe(403);
    }
  });
});

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) { __typename }
  }
`;

describe('CSRF protection', () => {
  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
  ])('refuses a %s POST a form could send, before it executes anything', async (contentType) => {
    // given a mutation a hostile page could post
    const name = `csrf-${crypto.randomUUID()}`;
    const body = JSON.stringify({ query: ModelRegister, variables: { input: { name } } });

    // when it arrives without a token or CSRF header
    const response = await fetchWorker(
      new Request(`${URL_BASE}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      }),
    );

    // then it is refused as such and nothing was written
    expect(response.status).toBe(403);
    expect((await graphqlBody(response)).errors?.[0]?.extensions?.code).toBe('CSRF_REFUSED');
    const rows = await testDb().selectFrom('model').where('name', '=', name).selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('refuses a GET that carries an operation but no token or CSRF header', async () => {
    const response = await fetchWorker(
      new Request(`${URL_BASE}/graphql?query=${encodeURIComponent('{ __typename }')}`),
    );
    expect(response.status).toBe(403);
    expect((await graphqlBody(response)).errors?.[0]?.extensions?.code).toBe('CSRF_REFUSED');
  });

  it('lets through what needs a preflight: JSON, a token, or the X-GraphQL-CSRF header', async () => {
    const org = await createTestOrg();
    const query = encodeURIComponent('{ __typename }');

    const json = await fetchWorker(graphqlRequest(org.tokens.VIEWER, { query: '{ __typename }' }));
    const withToken = await fetchWorker(
      new Request(`${URL_BASE}/graphql?query=${query}`, {
        headers: { authorization: `Bearer ${org.tokens.VIEWER}` },
      }),
    );
    const withHeader = await fetchWorker(
      new Request(`${URL_BASE}/graphql?query=${query}`, { headers: { 'x-graphql-csrf': '1' } }),
    );

    expect(json.status).toBe(200);
    expect(withToken.status).toBe(200);
    // past the CSRF check, authentication decides
    expect(withHeader.status).toBe(401);
  });

  it('still serves GraphiQL, which loads with a plain GET and then posts JSON', async () => {
    const page = await fetchWorker(
      new Request(`${URL_BASE}/graphql`, { headers: { accept: 'text/html' } }),
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});

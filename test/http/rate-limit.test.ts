// Requests per token through the Workers rate-limiting binding (simulated by miniflare): the
// configured number pass, the next is 429 with Retry-After and a JSON error naming the limit;
// other tokens are unaffected; the key holds a hash prefix, never the token.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/token.ts';
import { RATE_LIMIT, rateLimitKey } from '../../src/http/rate-limit.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest, URL_BASE } from './worker-client.ts';

const ON = { RATE_LIMIT: 'on' };

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) { __typename }
  }
`;

describe('rate limit per token', () => {
  it('is off in the local and test configuration, so suites and the load test are not throttled', () => {
    expect(env.RATE_LIMIT).toBe('off');
  });

  it(`lets ${RATE_LIMIT.requests} requests a minute through, then answers 429 with Retry-After`, async () => {
    // given a token that used its whole allowance
    const org = await createTestOrg();
    const token = org.tokens.EDITOR;
    const statuses = await Promise.all(
      Array.from({ length: RATE_LIMIT.requests }, async () => {
        const response = await fetchWorker(
          new Request(`${URL_BASE}/no-such-route`, {
            headers: { authorization: `Bearer ${token}` },
          }),
          ON,
        );
        return response.status;
      }),
    );
    expect(statuses.every((status) => status === 404)).toBe(true);

    // when it sends one more, a mutation
    const name = `limited-${crypto.randomUUID()}`;
    const response = await fetchWorker(
      graphqlRequest(token, { query: ModelRegister, variables: { input: { name } } }),
      ON,
    );

    // then it is refused, says why and when to retry, and nothing ran
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(String(RATE_LIMIT.periodSeconds));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await graphqlBody(response)).toEqual({
      errors: [
        {
          message: `Rate limit exceeded: ${RATE_LIMIT.requests} requests per ${RATE_LIMIT.periodSeconds} s per token (limit: rateLimit). Retry after ${RATE_LIMIT.periodSeconds} s.`,
          extensions: {
            code: 'RATE_LIMITED',
            limit: 'rateLimit',
            max: RATE_LIMIT.requests,
            periodSeconds: RATE_LIMIT.periodSeconds,
          },
        },
      ],
    });
    const rows = await testDb().selectFrom('model').where('name', '=', name).select('id').execute();
    expect(rows).toEqual([]);

    // and another token of the same organization is not affected
    const other = await fetchWorker(
      graphqlRequest(org.tokens.VIEWER, { query: '{ __typename }' }),
      ON,
    );
    expect(other.status).toBe(200);

    // and with RATE_LIMIT off (the local default) the same token is served
    const unlimited = await fetchWorker(graphqlRequest(token, { query: '{ __typename }' }));
    expect(unlimited.status).toBe(200);
  });

  it('keys requests by a prefix of the token’s SHA-256, never the token itself', async () => {
    const token = `mr_${'a'.repeat(43)}`;
    const key = await rateLimitKey(
      new Request(URL_BASE, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(key).toBe(`token:${(await hashToken(token)).slice(0, 16)}`);
    expect(key).not.toContain('aaaa');
  });

  it('keys requests without a token by client address', async () => {
    const key = await rateLimitKey(
      new Request(URL_BASE, { headers: { 'cf-connecting-ip': '203.0.113.7' } }),
    );
    expect(key).toBe('addr:203.0.113.7');
  });
});

// Security headers on every response the Worker writes, whatever route and status; a CSP on the
// GraphiQL page that lets exactly its own inline scripts run; HSTS only in production.
import { describe, expect, it } from 'vitest';
import { inlineScriptHashes } from '../../src/http/security-headers.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { fetchWorker, graphqlRequest, URL_BASE } from './worker-client.ts';

function expectSecurityHeaders(response: Response) {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('strict-transport-security')).toBeNull();
}

const ARTIFACT = '0190a7c2-0000-7000-8000-000000000000';

describe('security headers', () => {
  it.each([
    ['GET', '/graphql?query=%7B__typename%7D', 200],
    ['GET', '/api/models', 200],
    ['GET', `/artifacts/${ARTIFACT}`, 404],
    ['GET', '/lineage/unknown-node', 200],
    ['GET', '/no-such-route', 404],
    ['GET', '/', 302],
    ['DELETE', '/graphql', 405],
  ])('are on %s %s (%i)', async (method, path, status) => {
    // given
    const org = await createTestOrg();

    // when
    const response = await fetchWorker(
      new Request(`${URL_BASE}${path}`, {
        method,
        headers: { authorization: `Bearer ${org.tokens.VIEWER}`, accept: 'application/json' },
        redirect: 'manual',
      }),
    );

    // then
    expect(response.status).toBe(status);
    expectSecurityHeaders(response);
  });

  it('are on refusals too: unauthenticated, CSRF, oversized body', async () => {
    const unauthenticated = await fetchWorker(graphqlRequest(null, { query: '{ __typename }' }));
    const csrf = await fetchWorker(
      new Request(`${URL_BASE}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"query":"{ __typename }"}',
      }),
    );
    const oversized = await fetchWorker(graphqlRequest('x', 'x'.repeat(1_048_577)));
    expect([unauthenticated.status, csrf.status, oversized.status]).toEqual([401, 403, 413]);
    for (const response of [unauthenticated, csrf, oversized]) expectSecurityHeaders(response);
  });

  it('keep JSON answers from loading or running anything', async () => {
    const response = await fetchWorker(new Request(`${URL_BASE}/no-such-route`));
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('let GraphiQL run its own inline scripts, by hash, and load only same-origin files', async () => {
    // when a browser opens GraphiQL
    const response = await fetchWorker(
      new Request(`${URL_BASE}/graphql`, { headers: { accept: 'text/html' } }),
    );

    // then every inline script of the page sent is allowed by its hash, and nothing else is
    const page = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const hashes = await inlineScriptHashes(page);
    expect(hashes).toHaveLength(2);
    const scriptSrc = csp.split('; ').find((directive) => directive.startsWith('script-src'));
    expect(scriptSrc).toBe(`script-src 'self' ${hashes.map((hash) => `'${hash}'`).join(' ')}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|https?:/);
    expectSecurityHeaders(response);
  });

  it('leave the lineage page its own policy, which allows no inline script', async () => {
    const response = await fetchWorker(new Request(`${URL_BASE}/lineage/some-node`));
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('sha256-');
    expectSecurityHeaders(response);
  });

  it('add Strict-Transport-Security in production only', async () => {
    const production = await fetchWorker(new Request(`${URL_BASE}/no-such-route`), {
      ENVIRONMENT: 'production',
    });
    expect(production.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });
});

describe('inlineScriptHashes', () => {
  it('hashes inline scripts only, as browsers do (SHA-256 of the exact text, base64)', async () => {
    const hashes = await inlineScriptHashes(
      '<script src="/a.js"></script><script>alert(1)</script><script type="module">x</script>',
    );
    // sha256("alert(1)") and sha256("x"), as `printf %s ... | openssl sha256 -binary | base64`
    expect(hashes).toEqual([
      'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=',
      'sha256-LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=',
    ]);
  });
});

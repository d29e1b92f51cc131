// The harness itself: the shared registry answers its seeded token and refuses a missing one, so a
// client test that fails points at the client path under test, not at the server setup.
import { describe, expect, it } from 'vitest';
import { graphql, registryUrl } from './registry.ts';

describe('the registry the client tests share', () => {
  it('answers the seeded admin token', async () => {
    const data = await graphql<{ viewer: { role: string } }>('{ viewer { role } }');
    expect(data.viewer.role).toBe('ADMIN');
  });

  it('refuses a request without a token', async () => {
    const response = await fetch(`${registryUrl()}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(response.status).toBe(401);
  });
});

import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('GraphiQL', () => {
  it('loads without a token, from the Worker’s own assets and no CDN', async () => {
    // when a browser opens /graphql
    const response = await SELF.fetch('http://registry.test/graphql', {
      headers: { accept: 'text/html' },
    });

    // then it gets the page, which names only same-origin files
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<script src="/graphiql/graphiql.js"></script>');
    expect(page).toContain('query ModelsOverview');
    expect(page).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\//i);
  });

  it('escapes the options it embeds, so no value can close the script element', async () => {
    const response = await SELF.fetch('http://registry.test/graphql', {
      headers: { accept: 'text/html' },
    });
    const page = await response.text();
    const embedded = page.slice(page.indexOf('renderYogaGraphiQL'));
    expect(embedded.indexOf('</script>')).toBe(embedded.lastIndexOf('</script>'));
  });
});

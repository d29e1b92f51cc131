import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  buildDrawing,
  type LineageAnswer,
  locationOfState,
  stateFromLocation,
} from '../../public/lineage/src/graph.ts';
import { handleLineagePage } from '../../src/routes/lineage-page.ts';

const VERSION_ID = btoa('ModelVersion:0190f3a2-0000-7000-8000-000000000001');

function page(path: string, init?: RequestInit) {
  return SELF.fetch(`http://registry.test${path}`, init);
}

/** The JSON the page's script reads. */
function embeddedConfig(html: string): { graphqlUrl: string; token: string | null } {
  const match = /<script type="application\/json" id="lineage-config">(.*?)<\/script>/s.exec(html);
  if (!match?.[1]) throw new Error('no config element');
  return JSON.parse(match[1]);
}

describe('the lineage page route', () => {
  it('serves the page for /lineage/<id> without a token, from the Worker’s own files', async () => {
    // when a browser opens the page of a node (a global ID holds "/", "+" and "=", so it is encoded)
    const response = await page(`/lineage/${encodeURIComponent(VERSION_ID)}`);

    // then it gets HTML that loads only same-origin files and names the node
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('<script src="/lineage/lineage.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/lineage/lineage.css" />');
    expect(html).toContain(`value="${VERSION_ID}"`);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(embeddedConfig(html).graphqlUrl).toBe('/graphql');
  });

  it('takes the rest of the path as the ID, also when a "/" of the ID is not encoded', async () => {
    const id = 'TW9kZWw6/abc+def==';
    const html = await (await page(`/lineage/${id}`)).text();
    expect(html).toContain(`value="${id}"`);
  });

  it('serves an empty page (asking for an ID) at /lineage and /lineage/', async () => {
    for (const path of ['/lineage', '/lineage/']) {
      const response = await page(path);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('<input id="node-id" name="id" value=""');
      expect(html).toContain('<title>Lineage · Model Registry</title>');
    }
  });

  it('escapes the ID wherever it is embedded', async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror='alert(2)'>&amp;`;
    const html = await (await page(`/lineage/${encodeURIComponent(hostile)}`)).text();

    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(
      'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(2)&#39;&gt;&amp;amp;"',
    );
    // the title too
    expect(html).toContain('<title>&quot;&gt;&lt;script&gt;');
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await page(`/lineage/${VERSION_ID}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await page(`/lineage/${VERSION_ID}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      await response.text();
    }
  });

  it('refuses a path that is not valid percent-encoding, or an ID far too long to be one', async () => {
    const bad = await page('/lineage/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not valid percent-encoding');

    const long = await page(`/lineage/${'A'.repeat(513)}`);
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('longer than 512 characters');

    const longest = await page(`/lineage/${'A'.repeat(512)}`);
    expect(longest.status).toBe(200);
    await longest.text();
  });

  it('leaves other paths alone: /lineagex is not the page', async () => {
    const response = await page('/lineagex');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found. The API is at /graphql.' });
  });

  it('says how to build the page’s script when a request for it reaches the Worker', () => {
    // Built assets are answered before the Worker runs; a missing one falls through to it.
    const response = handleLineagePage(new Request('http://registry.test/lineage/lineage.js'), {
      ENVIRONMENT: 'development',
    });
    expect(response.status).toBe(404);
  });

  it('embeds the token only where GraphiQL does: development with LOCAL_ADMIN_TOKEN set', async () => {
    const request = () => new Request(`http://registry.test/lineage/${VERSION_ID}`);
    const token = 'mr_local</script><script>alert(1)</script>\u2028';

    const dev = await handleLineagePage(request(), {
      ENVIRONMENT: 'development',
      LOCAL_ADMIN_TOKEN: token,
    }).text();
    expect(embeddedConfig(dev).token).toBe(token);
    // nothing in the token can close the config element or start another
    expect(dev).not.toContain('<script>alert');
    expect(dev.match(/<\/script>/g)).toHaveLength(2);

    const production = await handleLineagePage(request(), {
      ENVIRONMENT: 'production',
      LOCAL_ADMIN_TOKEN: token,
    }).text();
    expect(embeddedConfig(production).token).toBeNull();
    expect(production).not.toContain('mr_local');

    const devWithout = await handleLineagePage(request(), { ENVIRONMENT: 'development' }).text();
    expect(embeddedConfig(devWithout).token).toBeNull();

    // and through the Worker, the test environment's own settings decide
    const served = await (await page(`/lineage/${VERSION_ID}`)).text();
    const local = (env as { LOCAL_ADMIN_TOKEN?: string }).LOCAL_ADMIN_TOKEN;
    expect(embeddedConfig(served).token).toBe(
      env.ENVIRONMENT === 'development' && local ? local : null,
    );
  });

  it('serves the page, but the page’s data still needs a token', async () => {
    const response = await SELF.fetch('http://registry.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ node(id: "${VERSION_ID}") { id } }` }),
    });
    expect(response.status).toBe(401);
    await response.text();
  });
});

describe('what the lineage page draws', () => {
  // v2 derived from v1; both trained on `train`, which was derived from `raw`; v2 deployed.
  const info = (id: string, kind: string, depth: number, reachedBy: string) => ({
    kind,
    label: id,
    depth,
    reachedBy,
    node: { id },
  });
  const edge = (id: string, type: string, from: string, to: string, depth: number) => ({
    id,
    type,
    depth,
    from: { id: from },
    to: { id: to },
  });
  const answer = {
    root: { id: 'v2' },
    depthReached: 2,
    isTruncated: false,
    totalNodes: 5,
    totalEdges: 5,
    nodeInfo: [
      info('v2', 'MODEL_VERSION', 0, 'ROOT'),
      info('v1', 'MODEL_VERSION', 1, 'UPSTREAM'),
      info('train', 'DATASET', 1, 'UPSTREAM'),
      info('deploy', 'DEPLOYMENT', 1, 'DOWNSTREAM'),
      info('raw', 'DATASET', 2, 'UPSTREAM'),
    ],
    edges: [
      edge('e1', 'DERIVED_FROM', 'v2', 'v1', 1),
      edge('e2', 'TRAINED_ON', 'v2', 'train', 1),
      edge('e3', 'DEPLOYED_TO', 'v2', 'deploy', 1),
      edge('e4', 'TRAINED_ON', 'v1', 'train', 2),
      edge('e5', 'DERIVED_FROM', 'train', 'raw', 2),
      // an edge to a node on another page: not drawn
      edge('e6', 'TRAINED_ON', 'v1', 'elsewhere', 2),
    ],
  } as LineageAnswer;

  it('puts upstream left and downstream right, each node at its longest chain to the root', () => {
    const drawing = buildDrawing(answer);
    const column = Object.fromEntries(drawing.nodes.map((node) => [node.id, node.column]));
    // train is one hop from v2 but also upstream of v1: it goes left of v1, so no edge is vertical
    expect(column).toEqual({ v2: 0, v1: -1, train: -2, raw: -3, deploy: 1 });
    expect(drawing.nodes.find((node) => node.isRoot)?.id).toBe('v2');
  });

  it('draws each edge once with its type as label, leaving out edges to nodes not on the page', () => {
    const drawing = buildDrawing(answer);
    expect(drawing.edges.map((e) => [e.id, e.label])).toEqual([
      ['e1', 'derived from'],
      ['e2', 'trained on'],
      ['e3', 'deployed to'],
      ['e4', 'trained on'],
      ['e5', 'derived from'],
    ]);
    // v2 -> train skips v1's column, so it bows around it; neighbours are straight
    expect(drawing.edges.find((e) => e.id === 'e2')?.bend).not.toBe(0);
    expect(drawing.edges.find((e) => e.id === 'e1')?.bend).toBe(0);
  });

  it('colours nodes by kind, and places no two nodes on the same spot', () => {
    const drawing = buildDrawing(answer);
    const colours = new Set(drawing.nodes.map((node) => `${node.kind}:${node.color}`));
    expect(colours).toEqual(
      new Set(['MODEL_VERSION:#2e9d5b', 'DATASET:#2f7ed8', 'DEPLOYMENT:#d64545']),
    );
    const spots = new Set(drawing.nodes.map((node) => `${node.x},${node.y}`));
    expect(spots.size).toBe(drawing.nodes.length);
  });

  it('falls back to the walk’s depths when the edges form a cycle', () => {
    const cyclic = {
      ...answer,
      nodeInfo: [
        info('r', 'MODEL_VERSION', 0, 'ROOT'),
        info('a', 'MODEL_VERSION', 1, 'UPSTREAM'),
        info('b', 'MODEL_VERSION', 2, 'UPSTREAM'),
      ],
      edges: [
        edge('x', 'DERIVED_FROM', 'r', 'a', 1),
        edge('y', 'DERIVED_FROM', 'a', 'b', 2),
        edge('z', 'DERIVED_FROM', 'b', 'a', 2),
      ],
      root: { id: 'r' },
    } as LineageAnswer;
    const column = Object.fromEntries(
      buildDrawing(cyclic).nodes.map((node) => [node.id, node.column]),
    );
    expect(column).toEqual({ r: 0, a: -1, b: -2 });
  });

  it('keeps its state in the address, and reads bad query values as the defaults', () => {
    const state = { id: 'TW9k/ZWw6+1==', direction: 'UPSTREAM' as const, depth: null, limit: 100 };
    const location = locationOfState(state);
    expect(location).toBe('/lineage/TW9k%2FZWw6%2B1%3D%3D?direction=UPSTREAM&depth=all&limit=100');
    const url = new URL(location, 'http://x');
    expect(stateFromLocation(url.pathname, url.search)).toEqual(state);

    expect(locationOfState({ id: 'a', direction: 'BOTH', depth: 3, limit: 300 })).toBe(
      '/lineage/a',
    );
    expect(
      stateFromLocation('/lineage/%E0%A4%A', '?direction=SIDEWAYS&depth=-1&limit=99999'),
    ).toEqual({ id: '', direction: 'BOTH', depth: 3, limit: 300 });
  });
});

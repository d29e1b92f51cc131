// The lineage page: GET /lineage/<node id> answers an HTML page whose script (public/lineage/,
// bundled by `npm run lineage:assets` and served as a static asset) fetches the node's lineage from
// /graphql and draws it. The page needs no token to load; its data does. In local development the
// page embeds the token `npm start` seeded, exactly as GraphiQL does; elsewhere it asks for one.

/** Paths the route answers: /lineage, /lineage/ and /lineage/<id>. */
export const LINEAGE_PAGE_PREFIX = '/lineage';

/** The page's static files in public/lineage/ (written by `npm run assets`). */
const PAGE_ASSETS = new Set(['lineage.js', 'lineage.css']);

/** Longer IDs are not IDs: global IDs are base64 of "<Type>:<uuid>", about 60 characters. */
const MAX_ID_LENGTH = 512;

export function isLineagePagePath(pathname: string): boolean {
  return pathname === LINEAGE_PAGE_PREFIX || pathname.startsWith(`${LINEAGE_PAGE_PREFIX}/`);
}

type LineagePageEnv = Pick<Env, 'ENVIRONMENT'> & { LOCAL_ADMIN_TOKEN?: string };

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** JSON for a <script type="application/json"> element: no "<", so nothing can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The page's own files only: no inline script, no other origin. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Cytoscape sets inline styles on its canvases.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  });
}

/** The node ID in a lineage page path; '' for /lineage and /lineage/, null when not decodable. */
export function lineagePageNodeId(pathname: string): string | null {
  const rest = pathname.slice(LINEAGE_PAGE_PREFIX.length + 1);
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

export function handleLineagePage(request: Request, env: LineagePageEnv): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return text(405, 'The lineage page only answers GET.\n', { allow: 'GET, HEAD' });
  }
  const url = new URL(request.url);
  const id = lineagePageNodeId(url.pathname);
  if (id === null) return text(400, 'The node ID in the path is not valid percent-encoding.\n');
  if (PAGE_ASSETS.has(id)) {
    // Only reached when the asset is missing: it is served before the Worker runs.
    return text(404, `/lineage/${id} is not built: run \`npm run assets\`.\n`);
  }
  if (id.length > MAX_ID_LENGTH) {
    return text(400, `The node ID in the path is longer than ${MAX_ID_LENGTH} characters.\n`);
  }
  const token =
    env.ENVIRONMENT === 'development' && env.LOCAL_ADMIN_TOKEN ? env.LOCAL_ADMIN_TOKEN : null;
  const body = renderLineagePage({ id, token });
  return new Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // The page may carry a token (local development): never cache it.
      'cache-control': 'no-store',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  });
}

export function renderLineagePage(options: { id: string; token: string | null }): string {
  const config = scriptJson({ graphqlUrl: '/graphql', token: options.token });
  const id = escapeHtml(options.id);
  const title = options.id ? `${id} · Lineage · Model Registry` : 'Lineage · Model Registry';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/lineage/lineage.css" />
    <script type="application/json" id="lineage-config">${config}</script>
    <script src="/lineage/lineage.js" defer></script>
  </head>
  <body data-status="loading">
    <header>
      <h1><a href="/graphql">Model Registry</a> <span>/ Lineage</span></h1>
      <form id="controls" role="search">
        <label class="grow">Node ID
          <input id="node-id" name="id" value="${id}" autocomplete="off" spellcheck="false" placeholder="ID of a dataset, model, version, experiment or deployment" />
        </label>
        <label>Direction
          <select id="direction" name="direction">
            <option value="BOTH">Both ways</option>
            <option value="UPSTREAM">Upstream</option>
            <option value="DOWNSTREAM">Downstream</option>
          </select>
        </label>
        <label>Depth <select id="depth" name="depth"></select></label>
        <label>Show at most <select id="limit" name="limit"></select></label>
        <button type="submit">Show</button>
      </form>
      <button type="button" id="token-button" class="secondary">API token</button>
    </header>
    <div id="summary" aria-live="polite"></div>
    <main>
      <div class="stage">
        <div id="graph" aria-label="Lineage graph; the same nodes are listed beside it"></div>
        <div id="message" class="message" role="status">Loading lineage…</div>
        <noscript><div class="message error">The lineage page needs JavaScript.</div></noscript>
        <form id="token-form" hidden>
          <h2>API token</h2>
          <p id="token-error" role="alert"></p>
          <p>The page reads the registry with your token; it is kept in this tab only (sessionStorage).</p>
          <input id="token-input" type="password" autocomplete="off" placeholder="mr_…" aria-label="API token" />
          <div class="row">
            <button type="submit">Use token</button>
            <button type="button" id="token-forget" class="secondary">Forget stored token</button>
            <button type="button" id="token-cancel" class="secondary">Cancel</button>
          </div>
        </form>
      </div>
      <aside>
        <h3>Details</h3>
        <div id="details"><p class="hint">Point at a node for details; click one to centre on it.</p></div>
        <h3>Kinds</h3>
        <ul id="legend-kinds"></ul>
        <h3>Edges</h3>
        <ul id="legend-edges" class="legend-edges"></ul>
        <h3>Nodes on this page</h3>
        <ol id="node-list"></ol>
      </aside>
    </main>
  </body>
</html>
`;
}

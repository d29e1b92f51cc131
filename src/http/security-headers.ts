// Security headers on every response the Worker writes (GraphQL, REST, artifacts, lineage page,
// 404s). A route that sets its own Content-Security-Policy (the lineage page) keeps it.

import { withHeaders } from './response-headers.ts';

/** For responses that are data, not pages: nothing may load, nothing may frame them. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * For GraphiQL: its script, styles and editor workers come from this origin (public/graphiql/);
 * its two inline scripts are allowed by hash, computed from the page actually sent. Monaco sets
 * inline styles and loads fonts as data: URLs.
 */
function pageCsp(inlineScriptHashes: readonly string[]): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...inlineScriptHashes.map((hash) => `'${hash}'`)].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** One year, subdomains included: sent only in production, where the Worker is served over TLS. */
const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let binary = '';
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return `sha256-${btoa(binary)}`;
}

/** The hashes of the page's inline `<script>` elements (those without `src`), in page order. */
export async function inlineScriptHashes(html: string): Promise<string[]> {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)) {
    if (/\ssrc\s*=/i.test(match[1] ?? '')) continue;
    hashes.push(await sha256Base64(match[2] ?? ''));
  }
  return hashes;
}

/** Adds the security headers to a response (in place, or on a copy when its headers are immutable). */
export async function withSecurityHeaders(
  response: Response,
  options: { production: boolean },
): Promise<Response> {
  let page: Response = response;
  if (!response.headers.has('content-security-policy')) {
    const isHtml =
      response.headers.get('content-type')?.toLowerCase().startsWith('text/html') ?? false;
    if (isHtml && response.body) {
      // Pages are small and generated here; hashing them lets their inline scripts run, and
      // nothing injected into the DOM later.
      const html = await response.text();
      const headers = new Headers(response.headers);
      headers.set('content-security-policy', pageCsp(await inlineScriptHashes(html)));
      page = new Response(html, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }
  }
  return withHeaders(page, (headers) => {
    if (!headers.has('content-security-policy')) headers.set('content-security-policy', DATA_CSP);
    headers.set('x-content-type-options', 'nosniff');
    headers.set('referrer-policy', 'no-referrer');
    headers.set('x-frame-options', 'DENY');
    headers.set('cross-origin-opener-policy', 'same-origin');
    if (options.production) headers.set('strict-transport-security', STRICT_TRANSPORT_SECURITY);
  });
}

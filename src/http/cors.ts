// CORS: no cross-origin access unless the origin is listed in CORS_ORIGINS. Same-origin requests
// (GraphiQL, the lineage page) need none. Preflights are answered here, before any route runs.

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
/** What a browser client sends: JSON bodies, a token, the CSRF header, idempotency keys. */
const ALLOWED_HEADERS =
  'authorization, content-type, accept, x-graphql-csrf, idempotency-key, x-part-sha256, range';
const EXPOSED_HEADERS = 'retry-after, x-d1-statements, www-authenticate, content-range, etag';
/** Browsers cache a preflight this long (seconds). */
const PREFLIGHT_MAX_AGE = '600';

function isAllowed(origin: string | null, allowed: readonly string[]): origin is string {
  return origin !== null && allowed.includes(origin);
}

/** A CORS preflight: OPTIONS with Access-Control-Request-Method. */
export function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

/**
 * Answers a preflight: 204 with the allowed methods and headers for a listed origin; 403 with a
 * JSON reason otherwise (the browser then refuses the real request).
 */
export function preflightResponse(request: Request, allowed: readonly string[]): Response {
  const origin = request.headers.get('origin');
  if (!isAllowed(origin, allowed)) {
    return Response.json(
      {
        errors: [
          {
            message: `Origin ${origin ?? '(none)'} may not call this API cross-origin (CORS_ORIGINS)`,
            extensions: { code: 'CORS_FORBIDDEN' },
          },
        ],
      },
      { status: 403, headers: { vary: 'Origin' } },
    );
  }
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE,
      vary: 'Origin',
    },
  });
}

/** Adds Access-Control-Allow-Origin for a listed origin; every response varies by Origin. */
export function applyCors(headers: Headers, request: Request, allowed: readonly string[]): void {
  headers.append('vary', 'Origin');
  const origin = request.headers.get('origin');
  if (!isAllowed(origin, allowed)) return;
  headers.set('access-control-allow-origin', origin);
  headers.set('access-control-expose-headers', EXPOSED_HEADERS);
}

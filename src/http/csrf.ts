// CSRF protection for browser requests. A browser can send a "simple" cross-site request (GET, or
// a POST of a form or text/plain) without asking the server first; any other request needs a CORS
// preflight, which CORS_ORIGINS decides. So a request that would execute something must prove it
// is not simple: a JSON (or other non-simple) Content-Type, or a header a form cannot set
// (Authorization, which every API call carries, or X-GraphQL-CSRF). The same rule as Yoga's and
// Apollo's CSRF prevention, extended to the REST and artifact routes.

/** Content types an HTML form or a no-preflight fetch may send. */
const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

/** Headers whose presence proves a preflight happened (or no browser sent the request). */
export const CSRF_HEADERS = ['authorization', 'x-graphql-csrf'] as const;

function hasSimpleContentType(request: Request): boolean {
  const contentType = request.headers.get('content-type');
  if (contentType === null) return true;
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return SIMPLE_CONTENT_TYPES.has(essence);
}

/**
 * Whether a request could have been sent cross-site by a browser without a preflight and would
 * execute something. Pages (GET without a GraphQL `query` parameter: GraphiQL, the lineage page,
 * downloads without a token are refused by authentication anyway) are not refused here.
 */
export function isCsrfSuspect(request: Request): boolean {
  if (CSRF_HEADERS.some((header) => request.headers.has(header))) return false;
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') {
    return new URL(request.url).searchParams.has('query');
  }
  if (method === 'OPTIONS') return false;
  return hasSimpleContentType(request);
}

export function csrfRefused(): Response {
  return Response.json(
    {
      errors: [
        {
          message:
            'Request refused as a possible cross-site request forgery: send Content-Type: application/json, an Authorization header, or an X-GraphQL-CSRF header',
          extensions: { code: 'CSRF_REFUSED' },
        },
      ],
    },
    { status: 403 },
  );
}

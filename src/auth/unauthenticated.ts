/**
 * A request without a usable API token. Each API answers it its own way: GraphQL as an
 * UNAUTHENTICATED error, REST as its 401 body; both with `WWW-Authenticate: Bearer`.
 */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

// What a client test needs from the shared registry: its origin, its admin token, and a GraphQL
// call for arranging and checking state through the public API.
import { inject } from 'vitest';

export function registryUrl(): string {
  return inject('registryUrl');
}

export function registryToken(): string {
  return inject('registryToken');
}

/** POST /graphql as the seeded admin; throws on a transport error or top-level GraphQL errors. */
export async function graphql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${registryUrl()}/graphql`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${registryToken()}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

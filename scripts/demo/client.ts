// The GraphQL client: the admin token, one call, and the payload of a mutation result union.
import { existsSync, readFileSync } from 'node:fs';

export const BASE_URL = (process.env.DEMO_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const TOKEN_FILE = '.wrangler/local-admin-token';

export class DemoError extends Error {}

export function readToken(): string {
  if (process.env.DEMO_TOKEN) return process.env.DEMO_TOKEN.trim();
  if (!existsSync(TOKEN_FILE)) {
    throw new DemoError(
      `No token: ${TOKEN_FILE} does not exist. Run \`npm start\` once (it seeds the local admin token), or set DEMO_TOKEN.`,
    );
  }
  return readFileSync(TOKEN_FILE, 'utf8').trim();
}

let adminToken = '';

/** Sets the token every call sends unless given another: once, at the start of the run. */
export function setAdminToken(token: string) {
  adminToken = token;
}

/** The admin token, for the few calls that do not go through gql(). */
export function getAdminToken(): string {
  return adminToken;
}

// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field and checked
export type Json = any;

export async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  token = adminToken,
): Promise<Json> {
  let response: Response;
  try {
    response = await fetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new DemoError(
      `The registry is not reachable at ${BASE_URL} (${cause}). Start it with \`npm start\` in another terminal and wait for "Ready", or set DEMO_URL.`,
    );
  }
  const text = await response.text();
  let body: { data?: Json; errors?: { message: string; path?: string[] }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new DemoError(
      `${BASE_URL}/graphql answered HTTP ${response.status} with no GraphQL response: ${text.slice(0, 200)}`,
    );
  }
  if (body.errors?.length) {
    const messages = body.errors.map(
      (e) => `${e.message}${e.path ? ` (at ${e.path.join('.')})` : ''}`,
    );
    if (response.status === 401) {
      throw new DemoError(
        `The token was refused (${messages.join('; ')}). Restart \`npm start\` to re-seed ${TOKEN_FILE}, or set DEMO_TOKEN.`,
      );
    }
    throw new DemoError(`GraphQL error: ${messages.join('; ')}`);
  }
  return body.data;
}

/** The payload of a mutation result union, or a DemoError naming the error returned as data. */
export function payload(result: Json, typename: string): Json {
  if (result?.__typename === typename) return result;
  const path = Array.isArray(result?.path) ? ` at ${result.path.join('.')}` : '';
  throw new DemoError(`${result?.__typename ?? 'No result'}: ${result?.message ?? ''}${path}`);
}

export const ERROR_FIELDS = '... on Error { message path }';

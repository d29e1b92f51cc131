// Calls the Worker's own fetch handler in process with the test bindings and some vars changed:
// the deployment-level settings (RATE_LIMIT, CORS_ORIGINS, PERSISTED_OPERATIONS, ...) are tested by
// running the real Worker under each value, not a copy of it.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index.ts';

export type Vars = Partial<Record<keyof Env, unknown>> & Record<string, unknown>;

export const URL_BASE = 'http://registry.test';

/** The Worker's answer to `request` with `vars` laid over the test environment. */
export async function fetchWorker(request: Request, vars: Vars = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const incoming = request as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(incoming, { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** A JSON GraphQL POST, as clients send it. */
export function graphqlRequest(
  token: string | null,
  body: unknown,
  headers: Record<string, string> = {},
): Request {
  return new Request(`${URL_BASE}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export interface GraphQLBody {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export async function graphqlBody(response: Response): Promise<GraphQLBody> {
  return (await response.json()) as GraphQLBody;
}

// A minimal GraphQL-over-HTTP client that times each request end to end (request sent to body
// read) and reads the Worker's `x-d1-statements` header.

export interface Timed<T> {
  data: T;
  ms: number;
  statements: number;
}

export class GraphQLRequestError extends Error {}

export interface Client {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>>;
  /** Requests sent so far; the runner refuses to go past its budget. */
  readonly sent: number;
}

export function createClient(options: {
  url: string;
  token: string;
  signal: AbortSignal;
  maxRequests: number;
  requestTimeoutMs?: number;
}): Client {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<Timed<T>> {
      if (sent >= options.maxRequests) {
        throw new Error(`Request budget of ${options.maxRequests} exhausted`);
      }
      sent += 1;
      const signal = AbortSignal.any([
        options.signal,
        AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
      ]);
      const started = performance.now();
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: JSON.stringify({ query, variables }),
        signal,
      });
      const text = await response.text();
      const ms = performance.now() - started;
      const statements = Number(response.headers.get('x-d1-statements') ?? Number.NaN);
      let body: { data?: T; errors?: { message: string; extensions?: unknown }[] };
      try {
        body = JSON.parse(text);
      } catch {
        throw new GraphQLRequestError(`HTTP ${response.status}: ${text.slice(0, 500)}`);
      }
      if (!response.ok || body.errors?.length || body.data === undefined) {
        throw new GraphQLRequestError(
          `HTTP ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 1000)}`,
        );
      }
      return { data: body.data, ms, statements };
    },
  };
}

/** Pothos' default global ID: base64 of "<Type>:<id>". */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const text = Buffer.from(globalId, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return { typename: text.slice(0, colon), id: text.slice(colon + 1) };
}

export function encodeGlobalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

import { SELF } from 'cloudflare:test';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  statements: number;
}

export interface ApiErrorBody {
  error: { code: string; message: string; path: string[]; [detail: string]: unknown };
}

/** Calls a REST route through the Worker's fetch, as a client would. */
export async function api<T = any>(
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  init: { rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const hasBody = body !== undefined || init.rawBody !== undefined;
  const response = await SELF.fetch(`http://registry.test${path}`, {
    method,
    headers: {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: init.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return {
    status: response.status,
    body: (await response.json()) as T,
    headers: response.headers,
    statements: Number(response.headers.get('x-d1-statements') ?? 'NaN'),
  };
}

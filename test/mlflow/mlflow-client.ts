import { SELF } from 'cloudflare:test';

export interface MlflowResponse<T = any> {
  status: number;
  body: T;
  statements: number;
}

/** Calls an MLflow endpoint as MLflow's clients do: GET with a query, POST with a JSON body. */
export async function mlflow<T = any>(
  token: string | null,
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  endpoint: string,
  fields: Record<string, unknown> = {},
  prefix = '/api/2.0/mlflow/',
): Promise<MlflowResponse<T>> {
  const url = new URL(`http://registry.test${prefix}${endpoint}`);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let body: string | undefined;
  if (method === 'GET') {
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value])
        url.searchParams.append(name, String(item));
    }
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  }
  const response = await SELF.fetch(url, { method, headers, body });
  return {
    status: response.status,
    body: (await response.json()) as T,
    statements: Number(response.headers.get('x-d1-statements') ?? 'NaN'),
  };
}

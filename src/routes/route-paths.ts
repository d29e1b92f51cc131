// The paths of the route families src/index.ts loads on first use (the REST routes, MLflow's API
// and artifact proxy, the OTLP receiver), kept apart from their handlers so that telling a request
// apart loads none of them: what those modules build when they load (the REST routes' zod
// schemas, the OTLP protobuf classes) is then paid by the first request that needs it, not by
// every cold start.

export const API_PREFIX = '/api';
export const OPENAPI_PATH = '/api/openapi.json';

export function isApiPath(pathname: string): boolean {
  return pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);
}

const MLFLOW_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];

/** The endpoint path after the MLflow prefix, or null when the path is not MLflow's. */
export function mlflowEndpoint(pathname: string): string | null {
  const prefix = MLFLOW_PREFIXES.find((candidate) => pathname.startsWith(candidate));
  return prefix ? pathname.slice(prefix.length) : null;
}

const MLFLOW_ARTIFACT_PREFIXES = [
  '/api/2.0/mlflow-artifacts/artifacts',
  '/ajax-api/2.0/mlflow-artifacts/artifacts',
];

/** The proxy path after the prefix ('' for the listing endpoint), or null when not the proxy's. */
export function mlflowArtifactPath(pathname: string): string | null {
  for (const prefix of MLFLOW_ARTIFACT_PREFIXES) {
    if (pathname === prefix) return '';
    if (pathname.startsWith(`${prefix}/`))
      return decodeURIComponent(pathname.slice(prefix.length + 1));
  }
  return null;
}

export const OTLP_TRACES_PATH = '/v1/traces';

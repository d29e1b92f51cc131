// The one wrapping every Worker route goes through (src/index.ts): CORS preflights, the per-token
// rate limit, CSRF refusal, the body cap for /graphql and /api, then the route, then CORS and
// security headers on whatever it answered (refusals included).
import { type HttpConfig, type HttpVars, httpConfig } from '../config.ts';
import { limitBody } from './body-limit.ts';
import { applyCors, isPreflight, preflightResponse } from './cors.ts';
import { csrfRefused, isCsrfSuspect } from './csrf.ts';
import { checkRateLimit } from './rate-limit.ts';
import { withSecurityHeaders } from './security-headers.ts';

export type GuardedEnv = HttpVars & { RATE_LIMITER?: RateLimit };

/** Routes whose bodies are parsed in memory; artifact bytes stream and are not capped here. */
function hasParsedBody(pathname: string): boolean {
  // MLflow's artifact proxy streams files to R2 under its own size limit (routes/mlflow/artifacts.ts).
  if (pathname.startsWith('/api/2.0/mlflow-artifacts/')) return false;
  return pathname === '/graphql' || pathname === '/api' || pathname.startsWith('/api/');
}

async function guardedResponse(
  request: Request,
  env: GuardedEnv,
  config: HttpConfig,
  route: (request: Request) => Promise<Response>,
): Promise<Response> {
  if (isPreflight(request)) return preflightResponse(request, config.corsOrigins);
  if (config.rateLimit) {
    const refused = await checkRateLimit(request, env.RATE_LIMITER);
    if (refused) return refused;
  }
  const { pathname } = new URL(request.url);
  // The other routes execute nothing without a token, and a token is proof enough (csrf.ts).
  if (pathname === '/graphql' && isCsrfSuspect(request)) return csrfRefused();
  let admitted = request;
  if (hasParsedBody(pathname)) {
    const limited = await limitBody(request);
    if (limited instanceof Response) return limited;
    admitted = limited;
  }
  return route(admitted);
}

/** Runs `route` behind the HTTP guards and adds CORS and security headers to its answer. */
export async function guard(
  request: Request,
  env: GuardedEnv,
  route: (request: Request) => Promise<Response>,
): Promise<Response> {
  const config = httpConfig(env);
  const response = await guardedResponse(request, env, config, route);
  const secured = await withSecurityHeaders(response, config);
  applyCors(secured.headers, request, config.corsOrigins);
  return secured;
}

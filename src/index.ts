import type { StatementCounter } from './db/client.ts';
import { yogaFor } from './graphql/yoga.ts';
import { guard } from './http/guard.ts';
import { handleApiRequest, isApiPath } from './routes/api/router.ts';
import { ARTIFACT_ROUTE_PREFIX } from './routes/artifact-paths.ts';
import { handleArtifactRequest } from './routes/artifacts.ts';
import { handleLineagePage, isLineagePagePath } from './routes/lineage-page.ts';
import { handleMlflowArtifacts, mlflowArtifactPath } from './routes/mlflow/artifacts.ts';
import { handleMlflowRequest, mlflowEndpoint } from './routes/mlflow/router.ts';
import { handleOtlpTraces, OTLP_TRACES_PATH } from './routes/otlp.ts';
import { runScheduledJobs } from './scheduled.ts';

// Durable Object classes must be exported by the Worker's main module (wrangler.jsonc).
export { BudgetCounter } from './budget-counter.ts';

/** The routes, each answering one family of paths; src/http/guard.ts wraps them all. */
async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/') return Response.redirect(new URL('/graphql', url).toString(), 302);
  if (url.pathname.startsWith(ARTIFACT_ROUTE_PREFIX)) {
    return handleArtifactRequest(request, env, ctx);
  }
  // Static assets (public/) are answered before the Worker runs, so /lineage/lineage.js and
  // /lineage/lineage.css never get here; /lineage/<id> matches no asset (global IDs hold no ".")
  // and does.
  if (isLineagePagePath(url.pathname)) return handleLineagePage(request, env);
  // Before /api: MLflow's paths sit under /api/2.0/mlflow/ and answer in MLflow's own format.
  const artifactPath = mlflowArtifactPath(url.pathname);
  if (artifactPath !== null) return handleMlflowArtifacts(request, env, ctx, artifactPath);
  const mlflow = mlflowEndpoint(url.pathname);
  if (mlflow !== null) return handleMlflowRequest(request, env, ctx, mlflow);
  if (isApiPath(url.pathname)) return handleApiRequest(request, env, ctx);
  if (url.pathname === OTLP_TRACES_PATH) {
    return handleOtlpTraces(request, env, ctx, { statements: 0, roundTrips: 0 });
  }
  if (url.pathname !== '/graphql') {
    return Response.json({ error: 'Not found. The API is at /graphql.' }, { status: 404 });
  }
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  const response = await yogaFor(env).fetch(request, { env, ctx, statements });
  // How many D1 statements the request ran: tests and benchmarks read it; it reveals nothing.
  const headers = new Headers(response.headers);
  headers.set('x-d1-statements', String(statements.statements));
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

export default {
  fetch(request, env, ctx): Promise<Response> {
    return guard(request, env, (admitted) => route(admitted, env, ctx));
  },

  async scheduled(controller, env, ctx): Promise<void> {
    ctx.waitUntil(runScheduledJobs(env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;

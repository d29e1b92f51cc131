import { registryConfig } from './config.ts';
import type { StatementCounter } from './db/client.ts';
import { createDb } from './db/client.ts';
import { guard } from './http/guard.ts';
import { withHeaders } from './http/response-headers.ts';
import type { WebhookMessage } from './registry/webhook/webhook-dispatch.service.ts';
import { ARTIFACT_ROUTE_PREFIX } from './routes/artifact-paths.ts';
import { handleArtifactRequest } from './routes/artifacts.ts';
import { handleLineagePage, isLineagePagePath } from './routes/lineage-page.ts';
import {
  isApiPath,
  mlflowArtifactPath,
  mlflowEndpoint,
  OTLP_TRACES_PATH,
} from './routes/route-paths.ts';
import { runScheduledJobs } from './scheduled.ts';

// Durable Object classes must be exported by the Worker's main module (wrangler.jsonc).
export { BudgetCounter } from './budget-counter.ts';

/**
 * The routes, each answering one family of paths; src/http/guard.ts wraps them all. The REST,
 * MLflow and OTLP families and GraphQL are imported on their first request: wrangler bundles a dynamic
 * import() into the same script (there is one upload), but esbuild then wraps the module in a
 * function that runs on that first import(), so what those modules build at load time (the REST
 * zod schemas, the OTLP protobuf classes and zod) stays out of the cold start of every other
 * request (bench/README.md "Scenario startup").
 */
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
  if (artifactPath !== null) {
    const { handleMlflowArtifacts } = await import('./routes/mlflow/artifacts.ts');
    return handleMlflowArtifacts(request, env, ctx, artifactPath);
  }
  const mlflow = mlflowEndpoint(url.pathname);
  if (mlflow !== null) {
    const { handleMlflowRequest } = await import('./routes/mlflow/router.ts');
    return handleMlflowRequest(request, env, ctx, mlflow);
  }
  if (isApiPath(url.pathname)) {
    const { handleApiRequest } = await import('./routes/api/router.ts');
    return handleApiRequest(request, env, ctx);
  }
  if (url.pathname === OTLP_TRACES_PATH) {
    const { handleOtlpTraces } = await import('./routes/otlp.ts');
    return handleOtlpTraces(request, env, ctx, { statements: 0, roundTrips: 0 });
  }
  if (url.pathname !== '/graphql') {
    return Response.json({ error: 'Not found. The API is at /graphql.' }, { status: 404 });
  }
  // Loaded on the first GraphQL request, like the route families above: building the Pothos
  // schema is most of the GraphQL stack's startup, and no other route, the cron or the queue
  // consumer needs it. A cold GraphQL request pays the same work here instead of at module scope.
  const { yogaFor } = await import('./graphql/yoga.ts');
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  const response = await yogaFor(env).fetch(request, { env, ctx, statements });
  // How many D1 statements the request ran: tests and benchmarks read it; it reveals nothing.
  return withHeaders(response, (headers) => {
    headers.set('x-d1-statements', String(statements.statements));
  });
}

export default {
  fetch(request, env, ctx): Promise<Response> {
    return guard(request, env, (admitted) => route(admitted, env, ctx));
  },

  async scheduled(controller, env, ctx): Promise<void> {
    ctx.waitUntil(runScheduledJobs(env, new Date(controller.scheduledTime)));
  },

  // Webhook deliveries (wrangler.jsonc `queues`): one attempt per message.
  async queue(batch, env): Promise<void> {
    // The workerd test suite has no network: it sets WEBHOOK_DELIVERY=off and drives the consumer
    // itself with a fake fetch (test/webhooks). The messages are then acknowledged unsent.
    if ((env as { WEBHOOK_DELIVERY?: string }).WEBHOOK_DELIVERY === 'off') return;
    // Loaded on the first batch, as the REST, MLflow and OTLP routes are on their first request.
    const { consumeWebhookBatch } = await import('./registry/webhook/webhook-delivery.service.ts');
    await consumeWebhookBatch(
      { db: createDb(env.DB), config: registryConfig(env) },
      batch as MessageBatch<WebhookMessage>,
    );
  },
} satisfies ExportedHandler<Env>;

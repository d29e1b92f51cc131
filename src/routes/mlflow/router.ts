// The MLflow REST API's entry: `/api/2.0/mlflow/<endpoint>` as MLflow clients call it, and the
// `/ajax-api/2.0/mlflow/` twin MLflow's UI uses. Authenticated with our API token (MLflow clients
// send MLFLOW_TRACKING_TOKEN as `Authorization: Bearer`), role-checked, errors as MLflow's bodies.
import { viewerScopes } from '../../auth/viewer.ts';
import { createContext, type WorkerEnv } from '../../context.ts';
import type { StatementCounter } from '../../db/client.ts';
import { MlflowError, mlflowErrorOf } from './errors.ts';
import { MlflowParams } from './params.ts';
import { REGISTRY_ROUTES } from './registry.ts';
import type { MlflowRoute } from './route.ts';
import { TRACKING_ROUTES } from './tracking.ts';

// A path may have one route per method (registered-models/alias: set, get, delete).
const ROUTES = new Map<string, MlflowRoute[]>();
for (const route of [...TRACKING_ROUTES, ...REGISTRY_ROUTES]) {
  ROUTES.set(route.path, [...(ROUTES.get(route.path) ?? []), route]);
}

export async function handleMlflowRequest(
  request: Request,
  env: WorkerEnv,
  ctx: ExecutionContext,
  endpoint: string,
): Promise<Response> {
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  let response: Response;
  try {
    const routes = ROUTES.get(endpoint);
    if (!routes) {
      throw new MlflowError('ENDPOINT_NOT_FOUND', `No MLflow endpoint ${endpoint} here`);
    }
    const method = (
      request.method === 'HEAD' ? 'GET' : request.method
    ) as MlflowRoute['methods'][number];
    const route = routes.find((candidate) => candidate.methods.includes(method));
    if (!route) {
      throw new MlflowError(
        'ENDPOINT_NOT_FOUND',
        `${endpoint} accepts ${routes.flatMap((candidate) => candidate.methods).join(', ')}, not ${request.method}`,
        405,
      );
    }
    const context = await createContext(request, { env, ctx, statements });
    if (route.write && !viewerScopes(context.viewer).editor) {
      throw new MlflowError(
        'PERMISSION_DENIED',
        `Your role (${context.viewer.role}) may not call ${endpoint}`,
      );
    }
    const params = await MlflowParams.of(request, new URL(request.url));
    response = Response.json(await route.handle(params, context));
  } catch (error) {
    response = mlflowErrorOf(error).toResponse();
  }
  response.headers.set('x-d1-statements', String(statements.statements));
  return response;
}

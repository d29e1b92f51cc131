import { viewerScopes } from '../../auth/viewer.ts';
import type { StatementCounter } from '../../db/client.ts';
import { createContext, type ServerContext } from '../../yoga.ts';
import { ApiError, fromThrown, validationError } from './errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { compilePath, type RouteDef } from './route.ts';
import { API_ROUTES } from './routes.ts';

export const API_PREFIX = '/api';
export const OPENAPI_PATH = '/api/openapi.json';

const COMPILED = API_ROUTES.map((route) => ({ route, pattern: compilePath(route.path) }));

/** Routes whose capability is built; the others answer 501. */
export function liveRoutes(): { method: string; path: string }[] {
  return API_ROUTES.filter((route) => route.handler).map(({ method, path }) => ({ method, path }));
}

let openApiDocument: Record<string, unknown> | null = null;

export function isApiPath(pathname: string): boolean {
  return pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);
}

/** The `/api` entry: matches the route table, authenticates, validates, calls the handler. */
export async function handleApiRequest(
  request: Request,
  env: ServerContext['env'],
  ctx: ExecutionContext,
): Promise<Response> {
  const url = new URL(request.url);
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  const headers = new Headers();
  const finish = (response: Response) => {
    // How many D1 statements the request ran, as /graphql reports it.
    response.headers.set('x-d1-statements', String(statements.statements));
    return response;
  };

  if (url.pathname === OPENAPI_PATH && request.method === 'GET') {
    openApiDocument ??= buildOpenApiDocument(API_ROUTES);
    return Response.json(openApiDocument);
  }

  const pathMatches = COMPILED.flatMap(({ route, pattern }) => {
    const match = pattern.exec(url.pathname);
    return match ? [{ route, params: { ...match.groups } }] : [];
  });
  // First match in table order: the table lists literal paths before parameterised ones.
  const found =
    pathMatches.find(({ route }) => route.method === request.method) ??
    (request.method === 'HEAD'
      ? pathMatches.find(({ route }) => route.method === 'GET')
      : undefined);
  if (!found) {
    if (pathMatches.length > 0) {
      const allowed = [...new Set(pathMatches.map(({ route }) => route.method))].join(', ');
      return finish(
        new ApiError(
          405,
          'METHOD_NOT_ALLOWED',
          `${url.pathname} accepts ${allowed}`,
          [],
          {},
          {
            Allow: allowed,
          },
        ).toResponse(headers),
      );
    }
    return finish(
      new ApiError(
        404,
        'NOT_FOUND',
        `No route ${request.method} ${url.pathname}. The routes are listed at ${OPENAPI_PATH}.`,
      ).toResponse(headers),
    );
  }

  const { route } = found;
  try {
    const context = await createContext(request, { env, ctx, statements });
    if (!viewerScopes(context.viewer)[route.scope]) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        `Your role (${context.viewer.role}) may not call ${route.method} ${route.path}`,
      );
    }
    if (!route.handler) {
      throw new ApiError(
        501,
        'NOT_IMPLEMENTED',
        `${route.method} ${route.path} is not built yet; use the GraphQL operation ${route.graphql} at /graphql`,
      );
    }
    const params = parsePart(route, 'params', found.params);
    const query = parsePart(route, 'query', Object.fromEntries(url.searchParams));
    const body = route.body ? parsePart(route, 'body', await readJson(request)) : undefined;
    const result = await route.handler({
      params: params as Record<string, unknown>,
      query: query as Record<string, unknown>,
      body,
      context,
      request,
    });
    if (result instanceof Response) return finish(result);
    return finish(Response.json(result, { status: route.status ?? 200, headers }));
  } catch (error) {
    return finish(fromThrown(error, route.inputPaths).toResponse(headers));
  }
}

function parsePart(route: RouteDef, part: 'params' | 'query' | 'body', value: unknown) {
  const schema = route[part];
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(part, parsed.error);
  return parsed.data;
}

/** The JSON body; undefined when there is none (routes whose body is optional accept that). */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'VALIDATION_ERROR', 'The body is not valid JSON', ['body']);
  }
}

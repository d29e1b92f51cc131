import { viewerScopes } from '../../auth/viewer.ts';
import { type Context, createContext, type WorkerEnv } from '../../context.ts';
import type { StatementCounter } from '../../db/client.ts';
import {
  hashCanonical,
  IdempotencyClaim,
  type IdempotencyPresenter,
  isKeyCollision,
  type RestAnswer,
  requireIdempotencyKey,
  runWithKey,
  storedAnswer,
} from '../../registry/idempotency/idempotency.service.ts';
import '../../zod-locale.ts';

import { OPENAPI_PATH } from '../route-paths.ts';
import { ApiError, fromThrown, validationError } from './errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { compilePath, isWriteRoute, type RouteDef } from './route.ts';
import { API_ROUTES } from './routes.ts';

const COMPILED = API_ROUTES.map((route) => ({ route, pattern: compilePath(route.path) }));

/** Routes with a handler: all of them now (the route table requires one). */
export function liveRoutes(): { method: string; path: string }[] {
  return API_ROUTES.filter((route) => route.handler).map(({ method, path }) => ({ method, path }));
}

let openApiDocument: Record<string, unknown> | null = null;

/**
 * Path parameters as the client meant them: a global ID sent URL-encoded (`...%3D`, as
 * encodeURIComponent writes its padding) is the same ID. A malformed escape is left as sent, and
 * then names nothing (404 on that parameter).
 */
function decodedParams(groups: Record<string, string> | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(groups ?? {})) params[name] = decodedSegment(value);
  return params;
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The `/api` entry: matches the route table, authenticates, validates, calls the handler. */
export async function handleApiRequest(
  request: Request,
  env: WorkerEnv,
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
    return match ? [{ route, params: decodedParams(match.groups) }] : [];
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
    const handler = route.handler;
    // Read once: the idempotency hash and the body validation both need it.
    let bodyText: Promise<string> | null = null;
    const readBody = () => {
      bodyText ??= request.text();
      return bodyText;
    };
    // Throws what the client gets: an ApiError, or (with a claim) the key's UNIQUE-index failure,
    // which runWithKey answers with the concurrent winner's answer when it can read it.
    const run = async (claim?: IdempotencyClaim): Promise<unknown> => {
      try {
        const params = parsePart(route, 'params', found.params);
        const query = parsePart(route, 'query', Object.fromEntries(url.searchParams));
        const body = route.body
          ? parsePart(route, 'body', parseJsonBody(await readBody()))
          : undefined;
        return await handler({
          params: params as Record<string, unknown>,
          query: query as Record<string, unknown>,
          body,
          context,
          request,
          claim,
        });
      } catch (error) {
        if (claim && isKeyCollision(error)) throw error;
        // A write route passes its body as its service's input, so the service's error paths are
        // body fields (inputPaths name those from the path); a read passes arguments as named.
        throw fromThrown(error, route.inputPaths, isWriteRoute(route));
      }
    };
    const idempotencyKey = request.headers.get(IDEMPOTENCY_KEY_HEADER);
    if (route.method !== 'GET' && idempotencyKey !== null) {
      let claim: IdempotencyClaim;
      try {
        claim = await restClaim(context, route, url, await readBody(), idempotencyKey);
      } catch (error) {
        return finish(fromThrown(error).toResponse(new Headers()));
      }
      // A read-only route stores what its handler returns (its JSON body) as is.
      if (route.readOnly) claim.presenting((answer: unknown) => answer);
      try {
        return finish(
          await runWithKey(context.deps, claim, routePresenter(route), run, {
            readOnly: route.readOnly,
          }),
        );
      } catch (error) {
        // A duplicate committed the key first and its answer could not be read yet.
        if (isKeyCollision(error)) return finish(keyBusy(route));
        throw error;
      }
    }
    const result = await run();
    if (result instanceof Response) return finish(result);
    return finish(Response.json(result, { status: route.status ?? 200, headers }));
  } catch (error) {
    return finish(fromThrown(error, route.inputPaths, isWriteRoute(route)).toResponse(headers));
  }
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const KEY_PATH = ['headers', IDEMPOTENCY_KEY_HEADER] as const;

/**
 * The claim of a write sent with an `Idempotency-Key`: scoped to the organization and the route,
 * holding the hash of the request (path, query and body, canonical JSON) and the route's status.
 * Throws ValidationError on a malformed key.
 */
export async function restClaim(
  context: Context,
  route: RouteDef,
  url: URL,
  bodyText: string,
  key: string,
): Promise<IdempotencyClaim> {
  requireIdempotencyKey(key, KEY_PATH);
  const requestHash = await hashCanonical({
    // As routed: the same ID sent URL-encoded or not is the same request.
    path: url.pathname.split('/').map(decodedSegment).join('/'),
    query: Object.fromEntries(url.searchParams),
    body: parseOrText(bodyText),
  });
  const address = { orgId: context.viewer.orgId, scope: `${route.method} ${route.path}`, key };
  return new IdempotencyClaim(address, requestHash, new Date(), KEY_PATH, route.status ?? 200);
}

/**
 * `Idempotency-Key` on every POST, PATCH and DELETE route, once for all handlers, the GraphQL way (runWithKey): the
 * same key with the same request (path, query and body, hashed canonically) replays the first 2xx
 * answer, status and body byte for byte; with another request it is 409 CONFLICT.
 */
function routePresenter(route: RouteDef): IdempotencyPresenter<unknown, Response> {
  return {
    fresh(_result, claim) {
      if (!claim.answer) {
        throw new Error(`${route.method} ${route.path} did not record its idempotency key`);
      }
      return answerOf(claim.answer);
    },
    replay: (row) => answerOf(storedAnswer(row), true),
    conflict() {
      throw new ApiError(
        409,
        'CONFLICT',
        `This ${IDEMPOTENCY_KEY_HEADER} was already used for ${route.method} ${route.path} with a different request`,
        KEY_PATH,
      );
    },
    // Only a conflict can come from a concurrent request with the key.
    mayBeConcurrent: (error) =>
      error instanceof ApiError ? error.status === 409 : isKeyCollision(error),
  };
}

function keyBusy(route: RouteDef): Response {
  return new ApiError(
    409,
    'CONFLICT',
    `A request with this ${IDEMPOTENCY_KEY_HEADER} for ${route.method} ${route.path} ran at the same time; retry shortly`,
    KEY_PATH,
    {},
    { 'Retry-After': '1' },
  ).toResponse(new Headers());
}

function answerOf(answer: RestAnswer, replayed = false): Response {
  const response = new Response(answer.body, {
    status: answer.status,
    headers: { 'content-type': answer.contentType },
  });
  if (replayed) response.headers.set('Idempotent-Replayed', 'true');
  return response;
}

function parseOrText(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return { json: JSON.parse(text) };
  } catch {
    return { text };
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
function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'VALIDATION_ERROR', 'The body is not valid JSON', ['body']);
  }
}

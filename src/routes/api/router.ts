import { viewerScopes } from '../../auth/viewer.ts';
import type { Context } from '../../context.ts';
import type { StatementCounter } from '../../db/client.ts';
import { deps as depsOf } from '../../global-id.ts';
import {
  hashCanonical,
  releaseRestKey,
  requireIdempotencyKey,
  reserveRestKey,
  settleRestKey,
} from '../../registry/idempotency/idempotency.service.ts';
import { createContext, type ServerContext } from '../../yoga.ts';
import { ApiError, fromThrown, validationError } from './errors.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { compilePath, type RouteDef } from './route.ts';
import { API_ROUTES } from './routes.ts';

export const API_PREFIX = '/api';
export const OPENAPI_PATH = '/api/openapi.json';

const COMPILED = API_ROUTES.map((route) => ({ route, pattern: compilePath(route.path) }));

/** Routes with a handler: all of them now (the route table requires one). */
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
    const handler = route.handler;
    // Read once: the idempotency hash and the body validation both need it.
    let bodyText: Promise<string> | null = null;
    const readBody = () => {
      bodyText ??= request.text();
      return bodyText;
    };
    const run = async (): Promise<Response> => {
      try {
        const params = parsePart(route, 'params', found.params);
        const query = parsePart(route, 'query', Object.fromEntries(url.searchParams));
        const body = route.body
          ? parsePart(route, 'body', parseJsonBody(await readBody()))
          : undefined;
        const result = await handler({
          params: params as Record<string, unknown>,
          query: query as Record<string, unknown>,
          body,
          context,
          request,
        });
        if (result instanceof Response) return result;
        return Response.json(result, { status: route.status ?? 200, headers });
      } catch (error) {
        return fromThrown(error, route.inputPaths).toResponse(headers);
      }
    };
    const idempotencyKey = request.headers.get(IDEMPOTENCY_KEY_HEADER);
    if (request.method === 'POST' && idempotencyKey !== null) {
      return finish(
        await runIdempotentPost(context, route, url, await readBody(), idempotencyKey, run),
      );
    }
    return finish(await run());
  } catch (error) {
    return finish(fromThrown(error, route.inputPaths).toResponse(headers));
  }
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Largest response body kept for replay; a larger 2xx answer is not replayable (key released). */
const MAX_REPLAY_BODY = 512 * 1024;
/** How long a duplicate waits for the same request still running before it is told to retry. */
const IN_PROGRESS_POLLS = 5;
const IN_PROGRESS_POLL_MS = 200;

/**
 * `Idempotency-Key` on every POST route, once for all handlers: the same key with the same request
 * (path, query and body, hashed canonically) replays the first 2xx response, status and body; with
 * another request it is 409 CONFLICT. The handler's own batch is out of reach here, so the key is
 * reserved first (a PENDING row, taken by exactly one request through its UNIQUE index), then the
 * handler runs, then a 2xx response completes the row and anything else deletes it (the key can be
 * used again). A concurrent duplicate finds the reservation and waits for it, or gets 409 with
 * Retry-After; it never runs the handler a second time.
 *
 * The gap this leaves: a Worker that dies after the handler's batch committed but before the
 * response is stored leaves the reservation PENDING; after REST_RESERVATION_LEASE_MS a retry runs
 * the handler again. Closing it takes the GraphQL design: the router would hand an
 * IdempotencyClaim to the handler (HandlerInput), and each handler would pass it to its service,
 * which puts `claim.writes(...)` first in its batch, storing the REST body (computable before the
 * batch from the domain result) instead of the domain result.
 */
async function runIdempotentPost(
  context: Context,
  route: RouteDef,
  url: URL,
  text: string,
  key: string,
  run: () => Promise<Response>,
): Promise<Response> {
  const keyPath = ['headers', IDEMPOTENCY_KEY_HEADER];
  try {
    requireIdempotencyKey(key, keyPath);
  } catch (error) {
    return fromThrown(error).toResponse(new Headers());
  }
  const requestHash = await hashCanonical({
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: parseOrText(text),
  });
  const address = { orgId: context.viewer.orgId, scope: `POST ${route.path}`, key };
  const deps = depsOf(context);
  let reservation = await reserveRestKey(deps, address, requestHash);
  for (let poll = 0; reservation.kind === 'in-progress' && poll < IN_PROGRESS_POLLS; poll += 1) {
    await new Promise((resolve) => setTimeout(resolve, IN_PROGRESS_POLL_MS));
    reservation = await reserveRestKey(deps, address, requestHash);
  }
  switch (reservation.kind) {
    case 'conflict':
      return new ApiError(
        409,
        'CONFLICT',
        `This ${IDEMPOTENCY_KEY_HEADER} was already used for ${route.method} ${route.path} with a different request`,
        keyPath,
      ).toResponse(new Headers());
    case 'in-progress':
      return new ApiError(
        409,
        'CONFLICT',
        `A request with this ${IDEMPOTENCY_KEY_HEADER} is still running; retry shortly`,
        keyPath,
        {},
        { 'Retry-After': '1' },
      ).toResponse(new Headers());
    case 'replay': {
      const replayed = new Response(reservation.body, { status: reservation.status });
      if (reservation.contentType) replayed.headers.set('content-type', reservation.contentType);
      replayed.headers.set('Idempotent-Replayed', 'true');
      return replayed;
    }
    case 'reserved':
      break;
  }
  let response: Response;
  try {
    response = await run();
  } catch (error) {
    await releaseRestKey(context.db, reservation.id);
    throw error;
  }
  const ok = response.status >= 200 && response.status < 300;
  const body = ok ? await response.clone().text() : '';
  if (ok && body.length <= MAX_REPLAY_BODY) {
    await settleRestKey(context.db, reservation.id, {
      status: response.status,
      body,
      contentType: response.headers.get('content-type'),
    });
  } else {
    await releaseRestKey(context.db, reservation.id);
  }
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

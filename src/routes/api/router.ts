import { viewerScopes } from '../../auth/viewer.ts';
import { type Context, createContext, type WorkerEnv } from '../../context.ts';
import { runBatch } from '../../db/batch.ts';
import type { StatementCounter } from '../../db/client.ts';
import {
  hashCanonical,
  IdempotencyClaim,
  isKeyCollision,
  type RestAnswer,
  requireIdempotencyKey,
  restKeyState,
} from '../../registry/idempotency/idempotency.service.ts';
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

export function isApiPath(pathname: string): boolean {
  return pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`);
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
    const run = async (claim?: IdempotencyClaim): Promise<Response> => {
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
          claim,
        });
        if (claim) return answerOf(await recordedAnswer(context, route, claim, result));
        if (result instanceof Response) return result;
        return Response.json(result, { status: route.status ?? 200, headers });
      } catch (error) {
        // A duplicate that committed the key first refused our batch whole: runIdempotentPost
        // replays its answer (this one is sent only if it cannot be read).
        if (claim && isKeyCollision(error)) return keyBusy(route);
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
const KEY_PATH = ['headers', IDEMPOTENCY_KEY_HEADER] as const;

/**
 * The claim of a POST sent with an `Idempotency-Key`: scoped to the organization and the route,
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
  const address = { orgId: context.viewer.orgId, scope: `POST ${route.path}`, key };
  return new IdempotencyClaim(address, requestHash, new Date(), KEY_PATH, route.status ?? 200);
}

/**
 * The answer of a handler that ran with a claim: the one its service stored with the key, in the
 * same batch as its change. A read-only route has no batch: its answer is stored here, alone (a
 * concurrent duplicate then fails on the key's UNIQUE index and replays the first).
 */
async function recordedAnswer(
  context: Context,
  route: RouteDef,
  claim: IdempotencyClaim,
  result: unknown,
): Promise<RestAnswer> {
  if (!claim.recorded && route.readOnly) {
    await runBatch(context.deps.d1, claim.presenting((value) => value).writes(context.db, result));
  }
  if (!claim.recorded || !claim.answer) {
    throw new Error(`${route.method} ${route.path} did not record its idempotency key`);
  }
  return claim.answer;
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

/**
 * `Idempotency-Key` on every POST route, once for all handlers, the GraphQL way: the same key with
 * the same request (path, query and body, hashed canonically) replays the first 2xx answer, status
 * and body; with another request it is 409 CONFLICT. A new key runs the handler with a claim that
 * its service writes first in its own D1 batch, with the answer, so the key exists exactly when the
 * change does: a Worker that dies after the commit leaves a key that replays, never a change a
 * retry could make twice. A failure stores nothing (the key stays free), unless a concurrent
 * request with the key won meanwhile (its batch holds the key, so ours was refused whole): then
 * that request's answer is replayed.
 */
async function runIdempotentPost(
  context: Context,
  route: RouteDef,
  url: URL,
  text: string,
  key: string,
  run: (claim: IdempotencyClaim) => Promise<Response>,
): Promise<Response> {
  let claim: IdempotencyClaim;
  try {
    claim = await restClaim(context, route, url, text, key);
  } catch (error) {
    return fromThrown(error).toResponse(new Headers());
  }
  const known = async () => {
    const state = await restKeyState(context.db, claim.address, claim.requestHash);
    if (state.kind === 'replay') return answerOf(state.answer, true);
    if (state.kind === 'conflict') {
      return new ApiError(
        409,
        'CONFLICT',
        `This ${IDEMPOTENCY_KEY_HEADER} was already used for ${route.method} ${route.path} with a different request`,
        KEY_PATH,
      ).toResponse(new Headers());
    }
    return null;
  };
  const first = await known();
  if (first) return first;
  const response = await run(claim);
  // Only a conflict can come from a concurrent request with the key: then its answer is replayed.
  if (response.status !== 409) return response;
  return (await known()) ?? response;
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

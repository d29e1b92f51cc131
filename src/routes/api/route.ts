import type * as z from 'zod/mini';
import type { Context } from '../../context.ts';
import type { IdempotencyClaim } from '../../registry/idempotency/idempotency.service.ts';

/** The role scope a route needs; the same names and rules as the GraphQL authScopes. */
export type Scope = 'viewer' | 'editor' | 'reviewer' | 'admin';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Whether a route changes something: every method but GET (a read-only POST excepted). */
export function isWriteRoute(route: Pick<RouteDef, 'method' | 'readOnly'>): boolean {
  return route.method !== 'GET' && !route.readOnly;
}

type AnyObject = z.ZodMiniObject<z.core.$ZodShape>;

/** What a handler gets: the parsed (already validated) request parts and the request context. */
export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  context: Context;
  request: Request;
  /**
   * A POST, PATCH or DELETE sent with an `Idempotency-Key`: the handler passes
   * `claim?.presenting(<its presenter>)` to its service, which writes the key with the answer in
   * its own batch (as the GraphQL mutations do). Undefined without the header, and on GET.
   */
  claim?: IdempotencyClaim;
}

/** A handler returns JSON data (sent with the route's status) or a ready Response. */
export type Handler<P, Q, B> = (input: HandlerInput<P, Q, B>) => Promise<unknown>;

/**
 * One REST route: the router matches and validates with these schemas, and the OpenAPI document
 * is printed from the same objects, so the two cannot drift.
 */
export interface RouteDef<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodMiniType = z.ZodMiniType,
> {
  method: Method;
  /** Path with `:name` parameters, e.g. `/api/models/:id`. */
  path: string;
  operationId: string;
  summary: string;
  /** The GraphQL operation this route maps to (docs/rest.md table, OpenAPI `x-graphql`). */
  graphql: string;
  tag: string;
  scope: Scope;
  /** Status of a successful answer. */
  status?: 200 | 201;
  params?: P;
  query?: Q;
  body?: B;
  /** JSON Schema of the success body, for the document only. */
  response?: z.ZodMiniType;
  /**
   * Where the field a service error path starts with came from, when it is not the body field of
   * the same name in snake_case, e.g. `{ modelId: ['params', 'id'] }` (see restPath).
   */
  inputPaths?: Record<string, readonly string[]>;
  /**
   * A POST that writes nothing (a query with a body, e.g. a comparison): it has no batch to put
   * its `Idempotency-Key` in, so runWithKey stores the key with the answer after the handler.
   * Every other POST handler must pass its claim to its service (runWithKey checks it did).
   */
  readOnly?: true;
  /** Every route of the original design is live: each has a handler. */
  handler: Handler<z.infer<P>, z.infer<Q>, z.infer<B>>;
}

/** Keeps each route's handler typed by its own schemas. */
export function defineRoute<
  P extends AnyObject = z.ZodMiniObject<Record<never, never>>,
  Q extends AnyObject = z.ZodMiniObject<Record<never, never>>,
  B extends z.ZodMiniType = z.ZodMiniUndefined,
>(route: RouteDef<P, Q, B>): RouteDef {
  return route as unknown as RouteDef;
}

/** Path parameters of a route path, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] as string);
}

/** Turns `/api/models/:id` into a RegExp with one named group per parameter. */
export function compilePath(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? `(?<${segment.slice(1)}>[^/]+)`
        : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** `modelType` → `model_type`: service input field names as the REST bodies spell them. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

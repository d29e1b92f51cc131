import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import {
  type ExecutionArgs,
  execute,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
} from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import persistedDocuments from '../../examples/gql/persisted-documents.json' with { type: 'json' };
import { UnauthenticatedError } from '../auth/unauthenticated.ts';
import { type HttpConfig, type HttpVars, httpConfig } from '../config.ts';
import { type Context, createContext, type ServerContext } from '../context.ts';
import { schema } from '../schema/index.ts';
import { graphqlJsArgs } from './execution-args.ts';
import { GRAPHIQL_DEFAULT_QUERY, renderGraphiQLPage } from './graphiql.ts';
import { useMaxAliases, useMaxDirectives, useMaxTokens, useSingleOperation } from './limits.ts';
import { useVariableErrorCodes } from './variable-errors.ts';

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
}

/** The request context, with a missing or unknown token answered as GraphQL's 401. */
async function graphqlContext(request: Request, server: ServerContext): Promise<Context> {
  try {
    return await createContext(request, server);
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw unauthenticated(error.message);
    throw error;
  }
}

/** Yoga's settings that vary by deployment (vars); the rest is fixed. */
export type YogaConfig = Pick<
  HttpConfig,
  'exposeErrors' | 'introspection' | 'graphiql' | 'persistedOperations'
>;

/** The allow-list written by codegen (codegen.ts): "sha256:<hex>" -> document. */
const PERSISTED_DOCUMENTS: Readonly<Record<string, string>> = persistedDocuments;

/** The allow-listed document for a hash sent as `extensions.persistedQuery.sha256Hash`. */
export function persistedDocument(hash: string): string | null {
  const key = hash.startsWith('sha256:') ? hash : `sha256:${hash}`;
  return Object.hasOwn(PERSISTED_DOCUMENTS, key) ? (PERSISTED_DOCUMENTS[key] ?? null) : null;
}

/** GRAPHQL_INTROSPECTION="false": __schema and __type are validation errors (400). */
function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** GRAPHIQL="false": a browser opening /graphql learns why there is no IDE, instead of a bare 406. */
function useGraphiQLTurnedOff(): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      const wantsPage = request.headers.get('accept')?.includes('text/html') ?? false;
      if (request.method !== 'GET' || !wantsPage || url.searchParams.has('query')) return;
      endResponse(
        Response.json(
          {
            errors: [
              {
                message:
                  'GraphiQL is turned off in this deployment (GRAPHIQL=false); POST operations to /graphql',
                extensions: { code: 'GRAPHIQL_DISABLED' },
              },
            ],
          },
          { status: 404 },
        ),
      );
    },
  };
}

function persistedOperationsPlugin(mode: 'allow' | 'require'): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (hash) => persistedDocument(hash),
    allowArbitraryOperations: mode === 'allow',
    customErrors: {
      notFound: {
        message: 'Persisted operation not found: the hash is not in the allow-list',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } },
      },
      persistedQueryOnly: {
        message:
          'Only persisted operations are allowed (PERSISTED_OPERATIONS=require): send extensions.persistedQuery.sha256Hash of an allow-listed document',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
    },
  });
}

/** EXPOSE_ERRORS="true": the error as it happened, with its cause's message and stack. */
function exposeError(error: unknown): Error {
  const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const original =
    cause instanceof Error
      ? { name: cause.name, message: cause.message, stack: cause.stack }
      : { message: String(cause) };
  const located = error instanceof GraphQLError ? error : null;
  return new GraphQLError(original.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: { ...located?.extensions, code: 'INTERNAL_SERVER_ERROR', originalError: original },
  });
}

/**
 * Operations run on graphql-js's own executor instead of Yoga's default (@graphql-tools/executor,
 * there for @defer/@stream, which this schema does not offer). That one builds each field's
 * resolve info with two closures and re-wraps the variables for every field of every list item;
 * graphql-js 17 does neither. A 10,000-hop lineage page resolves 20,000 objects: the typed
 * request took 0.87x the time (bench/README.md, "lineage-parts").
 */
function useGraphQLJsExecution(): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn((args) => {
        const result = execute(graphqlJsArgs(args as ExecutionArgs & { signal?: AbortSignal }));
        // No `data` at all: the operation never started (variables that do not coerce, an unknown
        // operation name), a request error: 400, as Yoga's own executor answers it.
        if (result instanceof Promise || 'data' in result || !result.errors) return result;
        return { ...result, errors: result.errors.map(asRequestError) };
      });
    },
  };
}

function asRequestError(error: GraphQLError): GraphQLError {
  const http = (error.extensions?.http ?? {}) as Record<string, unknown>;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { ...http, status: 400 } },
  });
}

/** A Yoga server for one configuration. Tests build one per setting; the Worker uses yogaFor. */
export function createYogaServer(config: YogaConfig): YogaServerInstance<ServerContext, Context> {
  const plugins: Plugin[] = [
    useSingleOperation(),
    useMaxTokens(),
    useMaxDirectives(),
    useMaxAliases(),
    useVariableErrorCodes(),
    useGraphQLJsExecution(),
  ];
  if (!config.introspection) plugins.push(useNoIntrospection());
  if (!config.graphiql) plugins.push(useGraphiQLTurnedOff());
  if (config.persistedOperations !== 'off') {
    plugins.push(persistedOperationsPlugin(config.persistedOperations));
  }
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is src/http/cors.ts's, for every route; Yoga's default would allow any origin.
    cors: false,
    // One operation per request: a batch would share one invocation's D1 statement budget and
    // one rate-limit count among many operations.
    batching: false,
    // src/http/guard.ts caps every /graphql body at 1 MiB (body-limit.ts) and reads it into
    // memory before Yoga runs; Yoga's own 25 MB check would pipe that body through one more
    // TransformStream per request (5% of the cheapest request's samples), never to refuse it.
    maxRequestBodySize: false,
    // Internal errors reach clients as "Unexpected error." unless EXPOSE_ERRORS="true" (local
    // debugging only); expected failures are data (mutation results) or GraphQLErrors with a
    // code, which are never masked.
    maskedErrors: config.exposeErrors ? { maskError: exposeError } : { isDev: false },
    graphiql: config.graphiql
      ? (_request, server) => {
          const env = server?.env;
          const localToken =
            env?.ENVIRONMENT === 'development' && env.LOCAL_ADMIN_TOKEN
              ? env.LOCAL_ADMIN_TOKEN
              : null;
          return {
            title: 'Model Registry',
            defaultQuery: GRAPHIQL_DEFAULT_QUERY,
            // Local development only: the token seeded by `npm start`, so GraphiQL works at once.
            headers: localToken
              ? JSON.stringify({ Authorization: `Bearer ${localToken}` })
              : undefined,
          };
        }
      : false,
    renderGraphiQL: (options) => renderGraphiQLPage({ ...options }),
    context: ({ request, ...server }) => graphqlContext(request, server as ServerContext),
    plugins,
  });
}

const servers = new Map<string, YogaServerInstance<ServerContext, Context>>();

/** The Yoga server for this deployment's vars: built on first use, then reused by the isolate. */
export function yogaFor(env: HttpVars): YogaServerInstance<ServerContext, Context> {
  const { exposeErrors, introspection, graphiql, persistedOperations } = httpConfig(env);
  const config: YogaConfig = { exposeErrors, introspection, graphiql, persistedOperations };
  const key = JSON.stringify(config);
  let server = servers.get(key);
  if (!server) {
    server = createYogaServer(config);
    servers.set(key, server);
  }
  return server;
}

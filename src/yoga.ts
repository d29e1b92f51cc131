import { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { bearerToken } from './auth/token.ts';
import type { Context } from './context.ts';
import { countingD1, createDb, type StatementCounter } from './db/client.ts';
import { GRAPHIQL_DEFAULT_QUERY, renderGraphiQLPage } from './graphiql.ts';
import { useMaxAliases } from './limits.ts';
import { authenticate } from './registry/user/user.service.ts';
import { schema } from './schema/index.ts';

/** What the Worker entry passes to Yoga with each request. */
export interface ServerContext {
  env: Env & { LOCAL_ADMIN_TOKEN?: string };
  ctx: ExecutionContext;
  statements: StatementCounter;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    },
  });
}

export async function createContext(request: Request, server: ServerContext): Promise<Context> {
  const d1 = countingD1(server.env.DB, server.statements);
  const db = createDb(d1);
  const token = bearerToken(request);
  if (!token) {
    throw unauthenticated('Send an API token as "Authorization: Bearer <token>"');
  }
  const waitUntil = (promise: Promise<unknown>) => server.ctx.waitUntil(promise);
  const viewer = await authenticate(db, token, waitUntil);
  if (!viewer) throw unauthenticated('The API token is unknown, revoked or expired');
  return { env: server.env, d1, db, viewer, statements: server.statements, waitUntil };
}

/** Created once per isolate; every request reuses it. */
export const yoga = createYoga<ServerContext>({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  // Internal errors reach clients as "Unexpected error." in every environment; expected failures
  // are data (mutation results) or GraphQLErrors with a code, which are never masked.
  maskedErrors: { isDev: false },
  graphiql: (_request, server) => {
    const env = server?.env;
    const localToken =
      env?.ENVIRONMENT === 'development' && env.LOCAL_ADMIN_TOKEN ? env.LOCAL_ADMIN_TOKEN : null;
    return {
      title: 'Model Registry',
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      // Local development only: the token seeded by `npm start`, so GraphiQL works at once.
      headers: localToken ? JSON.stringify({ Authorization: `Bearer ${localToken}` }) : undefined,
    };
  },
  renderGraphiQL: (options) => renderGraphiQLPage({ ...options }),
  context: ({ request, ...server }) => createContext(request, server as ServerContext),
  plugins: [useMaxAliases()],
});

import { bearerToken } from './auth/token.ts';
import { UnauthenticatedError } from './auth/unauthenticated.ts';
import type { Viewer } from './auth/viewer.ts';
import { countingD1, createDb, type StatementCounter } from './db/client.ts';
import type { Db } from './db/db.ts';
import { authenticate } from './registry/user/user.service.ts';

/** What every resolver and REST handler gets. Built once per request; never mutated after. */
export type Context = Readonly<{
  env: Env;
  /** The D1 binding, wrapped to count statements. */
  d1: D1Database;
  db: Db;
  viewer: Viewer;
  statements: StatementCounter;
  waitUntil: (promise: Promise<unknown>) => void;
}>;

/** What the Worker entry passes along with each request, to GraphQL and REST alike. */
export interface ServerContext {
  env: Env & { LOCAL_ADMIN_TOKEN?: string };
  ctx: ExecutionContext;
  statements: StatementCounter;
}

/** The request's context; UnauthenticatedError for a missing, unknown, revoked or expired token. */
export async function createContext(request: Request, server: ServerContext): Promise<Context> {
  const d1 = countingD1(server.env.DB, server.statements);
  const db = createDb(d1);
  const token = bearerToken(request);
  if (!token) {
    throw new UnauthenticatedError('Send an API token as "Authorization: Bearer <token>"');
  }
  const waitUntil = (promise: Promise<unknown>) => server.ctx.waitUntil(promise);
  const viewer = await authenticate(db, token, waitUntil);
  if (!viewer) throw new UnauthenticatedError('The API token is unknown, revoked or expired');
  return { env: server.env, d1, db, viewer, statements: server.statements, waitUntil };
}

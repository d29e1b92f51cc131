import { bearerToken } from './auth/token.ts';
import { UnauthenticatedError } from './auth/unauthenticated.ts';
import type { Viewer } from './auth/viewer.ts';
import { type RegistryVars, registryConfig } from './config.ts';
import { countingD1, createDb, type StatementCounter } from './db/client.ts';
import type { Db } from './db/db.ts';
import { durableBudgetCounters } from './ports/budget-counters.ts';
import { analyticsEngineSink, type EventSink } from './ports/event-sink.ts';
import { type SearchPorts, searchPorts } from './ports/ports.ts';
import type { Deps } from './registry/deps.ts';
import { authenticate } from './registry/user/user.service.ts';
import type { User } from './registry/user/user.ts';
import {
  dispatchingD1,
  dispatchNewDeliveries,
  type WebhookMessage,
} from './registry/webhook/webhook-dispatch.service.ts';

/** What every resolver and REST handler gets. Built once per request; never mutated after. */
export type Context = Readonly<{
  viewer: Viewer;
  /** The viewer's own user, read with the token (null if not visible to the viewer). */
  viewerUser: User | null;
  /** deps.db, for the reads that take the query builder alone. */
  db: Db;
  /** Every adapter the services take; handlers pass it (or the part a service needs) on. */
  deps: Deps;
  statements: StatementCounter;
}>;

/** The Worker's environment with the optional vars and secrets the code reads. */
export type WorkerEnv = Env & RegistryVars & { LOCAL_ADMIN_TOKEN?: string };

/** What the Worker entry passes along with each request, to GraphQL and REST alike. */
export interface ServerContext {
  env: WorkerEnv;
  ctx: ExecutionContext;
  statements: StatementCounter;
}

/**
 * The adapters over the Worker's bindings. The event sink and the search ports are built on first
 * use: most requests never touch them, and the cheapest (`{ viewer { name } }`) must not pay.
 */
export function createDeps(
  env: WorkerEnv,
  d1: D1Database,
  waitUntil: (promise: Promise<unknown>) => void,
): Deps {
  const db = createDb(d1);
  let events: EventSink | null = null;
  let ports: SearchPorts | null = null;
  const portsOnce = () => {
    ports ??= searchPorts(env, db, d1);
    return ports;
  };
  return {
    db,
    d1,
    bucket: env.ARTIFACTS,
    get events() {
      events ??= analyticsEngineSink(env.EVENTS);
      return events;
    },
    get embedder() {
      return portsOnce().embedder;
    },
    get vectorIndex() {
      return portsOnce().vectorIndex;
    },
    config: registryConfig(env),
    webhookQueue: (env.WEBHOOK_QUEUE as Queue<WebhookMessage> | undefined) ?? null,
    get budgetCounters() {
      return durableBudgetCounters(env.BUDGET_COUNTER);
    },
    waitUntil,
  };
}

/** The request's context; UnauthenticatedError for a missing, unknown, revoked or expired token. */
export async function createContext(request: Request, server: ServerContext): Promise<Context> {
  const token = bearerToken(request);
  const waitUntil = (promise: Promise<unknown>) => server.ctx.waitUntil(promise);
  const deps = createDeps(server.env, countingD1(server.env.DB, server.statements), waitUntil);
  if (!token) {
    throw new UnauthenticatedError('Send an API token as "Authorization: Bearer <token>"');
  }
  const authenticated = await authenticate(deps.db, token, waitUntil);
  if (!authenticated) {
    throw new UnauthenticatedError('The API token is unknown, revoked or expired');
  }
  const { viewer, user } = authenticated;
  if (!viewer.webhooks) {
    return { viewer, viewerUser: user, db: deps.db, deps, statements: server.statements };
  }
  // An organization with webhooks: each committed batch of this request hands the deliveries
  // its audit events wrote to the queue, off the response path. The dispatch uses the plain
  // binding, so its statements do not count as the request's.
  const dispatchDeps = { db: createDb(server.env.DB), webhookQueue: deps.webhookQueue };
  const d1 = dispatchingD1(
    countingD1(server.env.DB, server.statements),
    () => dispatchNewDeliveries(dispatchDeps, viewer.orgId),
    waitUntil,
  );
  const dispatching = createDeps(server.env, d1, waitUntil);
  return {
    viewer,
    viewerUser: user,
    db: dispatching.db,
    deps: dispatching,
    statements: server.statements,
  };
}

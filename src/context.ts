import type { Viewer } from './auth/viewer.ts';
import type { StatementCounter } from './db/client.ts';
import type { Db } from './db/db.ts';

/** What every resolver gets. Built once per request; never mutated after. */
export type Context = Readonly<{
  env: Env;
  /** The D1 binding, wrapped to count statements. */
  d1: D1Database;
  db: Db;
  viewer: Viewer;
  statements: StatementCounter;
  waitUntil: (promise: Promise<unknown>) => void;
}>;

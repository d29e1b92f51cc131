import { type CompiledQuery, Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { Database } from './database.ts';

/** What one request did to D1: statements executed and round trips made (a batch is one trip). */
export interface StatementCounter {
  statements: number;
  roundTrips: number;
}

import type { Db } from './db.ts';

export type { Db };

/**
 * Wraps the D1 binding so every statement is counted. Tests and the `x-d1-statements` response
 * header read the counter: it is how we prove that a list of N parents costs a constant number of
 * statements, and that no request exceeds D1's per-invocation query limit.
 */
export function countingD1(d1: D1Database, counter: StatementCounter): D1Database {
  const countedStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const counted = <T>(execute: () => T): T => {
      counter.statements += 1;
      counter.roundTrips += 1;
      return execute();
    };
    const wrapper = {
      bind: (...values: unknown[]) => countedStatement(statement.bind(...values)),
      first: (column?: string) => counted(() => statement.first(column as string)),
      run: () => counted(() => statement.run()),
      all: () => counted(() => statement.all()),
      raw: (options?: { columnNames?: boolean }) =>
        counted(() => statement.raw(options as { columnNames: true })),
      unwrap: () => statement,
    };
    return wrapper as unknown as D1PreparedStatement;
  };

  return {
    prepare: (query: string) => countedStatement(d1.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => {
      counter.statements += statements.length;
      counter.roundTrips += 1;
      return d1.batch(statements.map(unwrapStatement));
    },
    exec: (query: string) => {
      counter.statements += 1;
      counter.roundTrips += 1;
      return d1.exec(query);
    },
    dump: () => d1.dump(),
    withSession: (constraint?: string) => d1.withSession(constraint),
  } as D1Database;
}

function unwrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const unwrap = (statement as { unwrap?: () => D1PreparedStatement }).unwrap;
  return unwrap ? unwrap() : statement;
}

const bindings = new WeakMap<Db, D1Database>();

export function createDb(d1: D1Database): Db {
  const db = new Kysely<Database>({ dialect: new D1Dialect({ database: d1 }) });
  bindings.set(db, d1);
  return db;
}

/**
 * Runs a compiled query through D1's `raw()`: each row an array of values in select order. For
 * large results: D1 then passes rows as arrays instead of objects that repeat every column name
 * (on the 73,931-edge lineage walk, half the bytes of the answer) and builds no object per row.
 */
export async function rawRows<Row extends unknown[]>(db: Db, query: CompiledQuery): Promise<Row[]> {
  const d1 = bindings.get(db);
  if (!d1) throw new Error('rawRows needs a Db made by createDb');
  return d1
    .prepare(query.sql)
    .bind(...query.parameters)
    .raw<Row>();
}

import { Kysely } from 'kysely';
import { D1Dialect } from 'kysely-d1';
import type { Database } from './database.ts';
import type { Db } from './db.ts';
import { type RawBinding, registerRawBinding } from './raw.ts';

/** What one request did to D1: statements executed and round trips made (a batch is one trip). */
export interface StatementCounter {
  statements: number;
  roundTrips: number;
}

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

export function createDb(d1: D1Database): Db {
  const db = new Kysely<Database>({ dialect: new D1Dialect({ database: d1 }) });
  registerRawBinding(db, d1 as unknown as RawBinding);
  return db;
}

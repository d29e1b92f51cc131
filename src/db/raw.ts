// D1's `raw()` for repositories, free of Workers types (Node tools such as the benchmarks import
// the repositories): createDb registers each Db's binding here.
import type { CompiledQuery } from 'kysely';
import type { Db } from './db.ts';

/** The part of a D1 binding `rawRows` uses. */
export interface RawBinding {
  prepare(query: string): {
    bind(...values: unknown[]): { raw<Row extends unknown[]>(): Promise<Row[]> };
  };
}

const bindings = new WeakMap<Db, RawBinding>();

/** Called by createDb: the binding behind a Db. */
export function registerRawBinding(db: Db, binding: RawBinding): void {
  bindings.set(db, binding);
}

/**
 * Runs a compiled query through D1's `raw()`: each row an array of values in select order. For
 * large results: D1 then passes rows as arrays instead of objects that repeat every column name
 * (on the 73,931-edge lineage walk, half the bytes of the answer) and builds no object per row.
 */
export function rawRows<Row extends unknown[]>(db: Db, query: CompiledQuery): Promise<Row[]> {
  const binding = bindings.get(db);
  if (!binding) throw new Error('rawRows needs a Db made by createDb');
  return binding
    .prepare(query.sql)
    .bind(...query.parameters)
    .raw<Row>();
}

import { type RawBuilder, sql } from 'kysely';

/**
 * A key list as one bound JSON parameter, read back with json_each. D1 allows at most 100 bound
 * parameters per statement, so `IN (?, ?, ...)` built from unbounded input would fail past 100 keys;
 * this form takes any number of keys in a single parameter.
 */
export function jsonKeys(keys: readonly string[]): RawBuilder<string> {
  return sql<string>`(SELECT value FROM json_each(${JSON.stringify(keys)}))`;
}

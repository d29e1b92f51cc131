import { type RawBuilder, sql } from 'kysely';

/** Terms D1 accepts in one compound SELECT (SQLITE_LIMIT_COMPOUND_SELECT there). */
export const MAX_COMPOUND_TERMS = 5;

/**
 * UTF-16 units of JSON per bound parameter: at most 3 bytes of UTF-8 each, so a parameter stays
 * under D1's 2,000,000-byte limit on one value (~15,000 UUIDs per parameter).
 */
const KEY_PARAMETER_UNITS = 600_000;

/**
 * A key list as a subquery of bound JSON parameters, read back with json_each. D1 allows at most
 * 100 bound parameters per statement, so `IN (?, ?, ...)` built from unbounded input would fail
 * past 100 keys; this form takes any number of keys. A list too long for one parameter (a walk's
 * 74,000 edges, a 100,000-node lineage) is split over several, joined by UNION ALL in groups of at
 * most MAX_COMPOUND_TERMS (nested when there are more).
 */
export function jsonKeys(keys: readonly string[]): RawBuilder<string> {
  return sql<string>`(${keySelect(keyParameters(keys))})`;
}

/** The keys as JSON arrays of at most KEY_PARAMETER_UNITS units each (one, maybe empty, at least). */
export function keyParameters(keys: readonly string[]): string[] {
  const whole = JSON.stringify(keys);
  if (whole.length <= KEY_PARAMETER_UNITS) return [whole];
  const parameters: string[] = [];
  let chunk: string[] = [];
  let units = 2;
  for (const key of keys) {
    const size = JSON.stringify(key).length + 1;
    if (chunk.length > 0 && units + size > KEY_PARAMETER_UNITS) {
      parameters.push(JSON.stringify(chunk));
      chunk = [];
      units = 2;
    }
    chunk.push(key);
    units += size;
  }
  parameters.push(JSON.stringify(chunk));
  return parameters;
}

function keySelect(parameters: readonly string[]): RawBuilder<unknown> {
  if (parameters.length <= MAX_COMPOUND_TERMS) {
    return sql.join(
      parameters.map((parameter) => sql`SELECT value FROM json_each(${parameter})`),
      sql` UNION ALL `,
    );
  }
  const perGroup = Math.ceil(parameters.length / MAX_COMPOUND_TERMS);
  const groups: RawBuilder<unknown>[] = [];
  for (let start = 0; start < parameters.length; start += perGroup) {
    groups.push(sql`SELECT value FROM (${keySelect(parameters.slice(start, start + perGroup))})`);
  }
  return sql.join(groups, sql` UNION ALL `);
}

import type { Compilable, CompiledQuery } from 'kysely';

export type BatchQuery = Compilable | CompiledQuery;

/**
 * Sends several Kysely queries to D1 as one `batch()`: they commit together or not at all. D1 has
 * no interactive transactions (kysely-d1 throws on `transaction()`), so every write that must land
 * with another one goes through here.
 */
export async function runBatch(
  d1: D1Database,
  queries: readonly BatchQuery[],
): Promise<D1Result<Record<string, unknown>>[]> {
  if (queries.length === 0) return [];
  const statements = queries.map((query) => {
    const compiled = 'compile' in query ? query.compile() : query;
    return d1.prepare(compiled.sql).bind(...(compiled.parameters as unknown[]));
  });
  return d1.batch<Record<string, unknown>>(statements);
}

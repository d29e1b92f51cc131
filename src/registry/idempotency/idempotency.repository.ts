import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { IdempotencyKeyTable } from './idempotency.table.ts';

export interface KeyAddress {
  orgId: string;
  scope: string;
  key: string;
}

/**
 * The live (unexpired) row of a key, if any. A PENDING row is a reservation left by the REST router
 * before REST keys were written in the handlers' own batches: it is no answer, and counts as free.
 */
export function findLiveKey(db: Db, address: KeyAddress, now: string) {
  return db
    .selectFrom('idempotency_key')
    .selectAll()
    .where('org_id', '=', address.orgId)
    .where('scope', '=', address.scope)
    .where('key', '=', address.key)
    .where('expires_at', '>', now)
    .where('state', '=', 'COMPLETE')
    .executeTakeFirst();
}

/**
 * Frees a key whose row has expired but is not yet swept by the scheduled job (or is a legacy
 * PENDING reservation, see findLiveKey), so that it can be used again. Sent in the same batch as
 * the insert that reuses it.
 */
export function deleteExpiredKey(db: Db, address: KeyAddress, now: string) {
  return db
    .deleteFrom('idempotency_key')
    .where('org_id', '=', address.orgId)
    .where('scope', '=', address.scope)
    .where('key', '=', address.key)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('state', '=', 'PENDING')]));
}

/**
 * The key row. Plain INSERT on purpose: when a concurrent request holds the key, the UNIQUE index
 * fails this statement and with it the whole batch it travels in.
 */
export function insertKey(db: Db, row: IdempotencyKeyTable) {
  return db.insertInto('idempotency_key').values(row);
}

/**
 * The key row of a guarded batch: inserted only while `condition` holds (the same guard as the
 * change it records, so a batch whose guard failed stores no key). Still a plain INSERT: a
 * concurrent holder of the key fails the batch.
 */
export function insertKeyWhere(db: Db, row: IdempotencyKeyTable, condition: RawBuilder<unknown>) {
  return sql`
    INSERT INTO idempotency_key (id, org_id, scope, key, request_hash, state, response, response_status, response_type, created_at, expires_at)
    SELECT ${row.id}, ${row.org_id}, ${row.scope}, ${row.key}, ${row.request_hash}, ${row.state},
      ${row.response}, ${row.response_status}, ${row.response_type}, ${row.created_at}, ${row.expires_at}
    WHERE ${condition}
  `.compile(db);
}

/**
 * Deletes up to `limit` expired rows, oldest first, in one statement (the subquery bounds the work
 * of one statement; D1 builds have no DELETE ... LIMIT). Returns how many went.
 */
export async function deleteExpiredKeys(db: Db, now: string, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM idempotency_key WHERE id IN (
      SELECT id FROM idempotency_key WHERE expires_at <= ${now} ORDER BY expires_at, id LIMIT ${limit}
    )
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import type { IdempotencyKeyTable } from './idempotency.table.ts';

export interface KeyAddress {
  orgId: string;
  scope: string;
  key: string;
}

/** The live (unexpired) row of a key, if any. */
export function findLiveKey(db: Db, address: KeyAddress, now: string) {
  return db
    .selectFrom('idempotency_key')
    .selectAll()
    .where('org_id', '=', address.orgId)
    .where('scope', '=', address.scope)
    .where('key', '=', address.key)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/**
 * Frees a key whose row has expired but is not yet swept by the scheduled job, so that it can be
 * used again. Sent in the same batch as the insert that reuses it.
 */
export function deleteExpiredKey(db: Db, address: KeyAddress, now: string) {
  return db
    .deleteFrom('idempotency_key')
    .where('org_id', '=', address.orgId)
    .where('scope', '=', address.scope)
    .where('key', '=', address.key)
    .where('expires_at', '<=', now);
}

/**
 * The key row. Plain INSERT on purpose: when a concurrent request holds the key, the UNIQUE index
 * fails this statement and with it the whole batch it travels in.
 */
export function insertKey(db: Db, row: IdempotencyKeyTable) {
  return db.insertInto('idempotency_key').values(row);
}

/** A REST reservation: inserted only when the key is free; `changes` says whether it was taken. */
export function insertKeyIfAbsent(db: Db, row: IdempotencyKeyTable) {
  return db
    .insertInto('idempotency_key')
    .values(row)
    .onConflict((conflict) => conflict.columns(['org_id', 'scope', 'key']).doNothing());
}

/** Completes the REST reservation `id` with the response to replay. */
export function completeReservation(
  db: Db,
  id: string,
  response: { body: string; status: number; contentType: string | null },
) {
  return db
    .updateTable('idempotency_key')
    .set({
      state: 'COMPLETE',
      response: response.body,
      response_status: response.status,
      response_type: response.contentType,
    })
    .where('id', '=', id)
    .where('state', '=', 'PENDING')
    .execute();
}

/** Drops a REST reservation whose request did not succeed: the key may be used again. */
export function deleteReservation(db: Db, id: string) {
  return db
    .deleteFrom('idempotency_key')
    .where('id', '=', id)
    .where('state', '=', 'PENDING')
    .execute();
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

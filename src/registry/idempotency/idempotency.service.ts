import { type BatchQuery, runBatch } from '../../db/batch.ts';
import { createDb, type Db } from '../../db/client.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import { sha256Hex } from '../sha256.ts';
import {
  completeReservation,
  deleteExpiredKey,
  deleteExpiredKeys,
  deleteReservation,
  findLiveKey,
  insertKey,
  insertKeyIfAbsent,
  type KeyAddress,
} from './idempotency.repository.ts';
import type { IdempotencyKeyTable } from './idempotency.table.ts';

/** How long a key replays its first result. The issue asks for at least 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Rows the sweep deletes per statement, and statements per run (a Worker invocation's budget). */
const SWEEP_CHUNK = 500;
const SWEEP_MAX_STATEMENTS = 40;
/**
 * How long a REST reservation may stay PENDING before a retry takes it over: longer than any
 * request may run (Workers' CPU and D1's 30 s per query), so only a request that died is overtaken.
 */
export const REST_RESERVATION_LEASE_MS = 120_000;

/**
 * JSON with object keys sorted at every level and undefined members dropped, so that two inputs
 * that mean the same thing hash the same however the client ordered its fields.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const name of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[name];
      if (member !== undefined) sorted[name] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}

/** SHA-256 (hex) of the canonical JSON of `value`. */
export function hashCanonical(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/** The input as hashed: everything the client sent except the key itself. */
export function withoutKey(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const { idempotencyKey: _key, ...rest } = input as Record<string, unknown>;
  return rest;
}

// Domain results hold Dates; they are stored tagged so that a replay gives back Dates, not strings.
const DATE_TAG = '$idempotency.date';

export function encodeResult(result: unknown): string {
  return JSON.stringify(result, function replace(this: Record<string, unknown>, name, value) {
    const original = this[name];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : value;
  });
}

export function decodeResult<R>(text: string): R {
  return JSON.parse(text, (_name, value) =>
    value !== null &&
    typeof value === 'object' &&
    typeof value[DATE_TAG] === 'string' &&
    Object.keys(value).length === 1
      ? new Date(value[DATE_TAG])
      : value,
  ) as R;
}

export function requireIdempotencyKey(key: string, path: readonly string[]): string {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ValidationError(
      `An idempotency key has 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      path,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new ValidationError('An idempotency key may not contain control characters', path);
  }
  return key;
}

/**
 * Handed by runIdempotent to a service: the service puts `claim.writes(db, result)` at the START of
 * the one D1 batch that commits its change, so the key and the change commit together or not at
 * all, and a concurrent holder of the key fails the batch before any of the change's statements.
 */
export class IdempotencyClaim {
  /** Whether the service put the key row in its batch (checked after it returns). */
  recorded = false;
  readonly address: KeyAddress;
  readonly requestHash: string;
  private readonly now: Date;

  constructor(address: KeyAddress, requestHash: string, now: Date) {
    this.address = address;
    this.requestHash = requestHash;
    this.now = now;
  }

  /** The key row holding `result`, which must be exactly what the service then returns. */
  writes(db: Db, result: unknown): BatchQuery[] {
    this.recorded = true;
    const createdAt = this.now.toISOString();
    return [
      deleteExpiredKey(db, this.address, createdAt),
      insertKey(db, {
        id: newId(),
        org_id: this.address.orgId,
        scope: this.address.scope,
        key: this.address.key,
        request_hash: this.requestHash,
        state: 'COMPLETE',
        response: encodeResult(result),
        response_status: null,
        response_type: null,
        created_at: createdAt,
        expires_at: new Date(this.now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      }),
    ];
  }
}

/** Writes for an optional claim: none when the caller sent no key. */
export function claimWrites(db: Db, claim: IdempotencyClaim | undefined, result: unknown) {
  return claim ? claim.writes(db, result) : [];
}

export interface IdempotentCall {
  orgId: string;
  /** The mutation name: keys are scoped per organization and per mutation. */
  scope: string;
  key: string | null | undefined;
  /** The input as the client sent it (the key is left out of the hash). */
  input: unknown;
  /** Where the key sits in the input, for the errors about it. */
  path: readonly string[];
}

/**
 * Runs a creation at most once per key. No key: runs it. A key seen before with the same input:
 * returns the first result and writes nothing. With another input: ConflictError on the key's
 * path. A new key: runs it with a claim that its batch records. A failure leaves the key unused,
 * unless a concurrent request took it meanwhile (which is then why this one failed, whether on
 * the key's UNIQUE index or on a rule its write broke): that request's result is replayed.
 */
export async function runIdempotent<R>(
  db: Db,
  call: IdempotentCall,
  run: (claim: IdempotencyClaim | undefined) => Promise<R>,
): Promise<R> {
  if (call.key === null || call.key === undefined) return run(undefined);
  const address = {
    orgId: call.orgId,
    scope: call.scope,
    key: requireIdempotencyKey(call.key, call.path),
  };
  const requestHash = await hashCanonical(withoutKey(call.input));
  const replay = (row: IdempotencyKeyTable): R => {
    if (row.request_hash !== requestHash) {
      throw new ConflictError(
        `This idempotency key was already used for ${call.scope} with a different input`,
        call.path,
      );
    }
    if (row.response === null) throw new Error('A completed idempotency key has no response');
    return decodeResult<R>(row.response);
  };

  const now = new Date();
  const existing = await findLiveKey(db, address, now.toISOString());
  if (existing) return replay(existing);
  const claim = new IdempotencyClaim(address, requestHash, now);
  try {
    const result = await run(claim);
    if (!claim.recorded) {
      throw new Error(`${call.scope} did not record its idempotency key in its batch`);
    }
    return result;
  } catch (error) {
    const winner = await findLiveKey(db, address, new Date().toISOString());
    if (winner) return replay(winner);
    throw error;
  }
}

// REST: the router cannot reach a handler's batch, so it reserves the key first (see README).

export type Reservation =
  | { kind: 'reserved'; id: string }
  | { kind: 'replay'; status: number; body: string; contentType: string | null }
  | { kind: 'conflict' }
  | { kind: 'in-progress' };

/**
 * Takes a REST key for one request, or says why not: a completed first response to replay, a
 * different request that used the key (conflict), or the same request still running.
 */
export async function reserveRestKey(
  deps: { db: Db; d1: D1Database },
  address: KeyAddress,
  requestHash: string,
  now = new Date(),
  attempt = 0,
): Promise<Reservation> {
  const id = newId();
  const createdAt = now.toISOString();
  const results = await runBatch(deps.d1, [
    deleteExpiredKey(deps.db, address, createdAt),
    insertKeyIfAbsent(deps.db, {
      id,
      org_id: address.orgId,
      scope: address.scope,
      key: address.key,
      request_hash: requestHash,
      state: 'PENDING',
      response: null,
      response_status: null,
      response_type: null,
      created_at: createdAt,
      expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    }),
  ]);
  if ((results[1]?.meta.changes ?? 0) > 0) return { kind: 'reserved', id };
  const row = await findLiveKey(deps.db, address, createdAt);
  // Gone between the two statements (its request failed and released it): take it now.
  if (!row) {
    return attempt < 2
      ? reserveRestKey(deps, address, requestHash, now, attempt + 1)
      : { kind: 'in-progress' };
  }
  if (row.request_hash !== requestHash) return { kind: 'conflict' };
  if (row.state === 'PENDING' || row.response === null || row.response_status === null) {
    // A reservation older than its lease belongs to a request that died before settling it.
    if (now.getTime() - Date.parse(row.created_at) > REST_RESERVATION_LEASE_MS && attempt < 2) {
      await deleteReservation(deps.db, row.id);
      return reserveRestKey(deps, address, requestHash, now, attempt + 1);
    }
    return { kind: 'in-progress' };
  }
  return {
    kind: 'replay',
    status: row.response_status,
    body: row.response,
    contentType: row.response_type,
  };
}

/** Stores the 2xx response of a reserved key; any other answer releases the key instead. */
export async function settleRestKey(
  db: Db,
  reservationId: string,
  response: { status: number; body: string; contentType: string | null },
): Promise<void> {
  if (response.status >= 200 && response.status < 300) {
    await completeReservation(db, reservationId, response);
  } else {
    await deleteReservation(db, reservationId);
  }
}

export function releaseRestKey(db: Db, reservationId: string): Promise<unknown> {
  return deleteReservation(db, reservationId);
}

/**
 * The scheduled sweep: deletes keys past their expiry, a bounded number of statements per run
 * (the cron comes back every 15 minutes for the rest). Returns how many rows went.
 */
export async function sweepExpiredKeys(db: Db, now: Date): Promise<number> {
  let deleted = 0;
  for (let statement = 0; statement < SWEEP_MAX_STATEMENTS; statement += 1) {
    const count = await deleteExpiredKeys(db, now.toISOString(), SWEEP_CHUNK);
    deleted += count;
    if (count < SWEEP_CHUNK) break;
  }
  return deleted;
}

/** The SCHEDULED_JOBS entry's body: keys expire at the trigger's time. */
export async function deleteExpiredIdempotencyKeys(env: Env, scheduledTime: Date): Promise<void> {
  const deleted = await sweepExpiredKeys(createDb(env.DB), scheduledTime);
  if (deleted > 0) console.log(`idempotency: deleted ${deleted} expired key(s)`);
}

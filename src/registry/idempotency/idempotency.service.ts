import type { RawBuilder } from 'kysely';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import { sha256Hex } from '../sha256.ts';
import {
  deleteExpiredKey,
  deleteExpiredKeys,
  findLiveKey,
  insertKey,
  insertKeyWhere,
  type KeyAddress,
} from './idempotency.repository.ts';
import type { IdempotencyKeyTable } from './idempotency.table.ts';

/** How long a key replays its first result. The issue asks for at least 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * 200: the bound of `inference_request.idempotency_key` (migration 0003), so that one rule holds for
 * every key of the API, inferenceTrack's per-request keys included.
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Rows the sweep deletes per statement, and statements per run (a Worker invocation's budget). */
const SWEEP_CHUNK = 500;
const SWEEP_MAX_STATEMENTS = 40;

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

/**
 * The one rule for every idempotency key of the API (mutation inputs, inferenceTrack's requests,
 * the REST `Idempotency-Key` header): 1 to 200 characters, no control characters, and no leading
 * or trailing whitespace. Keys are compared exactly as sent; inferenceTrack used to store its keys
 * trimmed, so a key that trimming would change is refused rather than read as another key.
 */
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
  if (key.trim() !== key) {
    throw new ValidationError('An idempotency key may not start or end with whitespace', path);
  }
  return key;
}

/** A REST answer as stored with its key and replayed: status and JSON body text. */
export interface RestAnswer {
  status: number;
  body: string;
  contentType: string;
}

/**
 * Handed by runWithKey (GraphQL through runIdempotent, REST through the router) to a service:
 * the service puts `claim.writes(db, result)` in the one D1 batch that commits its change (or
 * `writesWhere` under the guard of a guarded batch), so the key and the change commit together or
 * not at all, and a concurrent holder of the key fails the batch whole.
 *
 * A GraphQL claim stores the domain result. A REST claim (made with the route's status) stores
 * the route's answer instead: the handler says how to present the service's result
 * (`claim.presenting(modelJson)`), and the router sends `answer`, byte for byte what a replay sends.
 */
export class IdempotencyClaim {
  /** Whether the service put the key row in its batch (checked after it returns). */
  recorded = false;
  /** REST: the answer stored with the key, set when the service's batch is built. */
  answer: RestAnswer | null = null;
  readonly address: KeyAddress;
  readonly requestHash: string;
  private readonly now: Date;
  private readonly restStatus: number | null;
  /** Where the key came from (GraphQL input field, REST header), for an error about it. */
  private readonly keyPath: readonly string[];
  private present: ((result: never) => unknown) | null = null;

  constructor(
    address: KeyAddress,
    requestHash: string,
    now: Date,
    keyPath: readonly string[],
    restStatus: number | null = null,
  ) {
    this.address = address;
    this.requestHash = requestHash;
    this.now = now;
    this.keyPath = keyPath;
    this.restStatus = restStatus;
  }

  /** REST: what the route answers for the service's result (its JSON body). Returns the claim. */
  presenting<R>(present: (result: R) => unknown): IdempotencyClaim {
    this.present = present;
    return this;
  }

  /** The key row holding `result`, which must be exactly what the service then returns. */
  writes(db: Db, result: unknown): BatchQuery[] {
    const row = this.row(result);
    return [deleteExpiredKey(db, this.address, row.created_at), insertKey(db, row)];
  }

  /** The key row of a guarded batch: stored only if `condition` holds, as the change itself. */
  writesWhere(db: Db, result: unknown, condition: RawBuilder<unknown>): BatchQuery[] {
    const row = this.row(result);
    return [deleteExpiredKey(db, this.address, row.created_at), insertKeyWhere(db, row, condition)];
  }

  private row(result: unknown): IdempotencyKeyTable {
    this.recorded = true;
    const createdAt = this.now.toISOString();
    let response = encodeResult(result);
    if (this.restStatus !== null) {
      if (!this.present) throw new Error('A REST idempotency claim needs its presenter');
      response = JSON.stringify((this.present as (value: unknown) => unknown)(result));
      checkStorable(response, this.keyPath);
      this.answer = { status: this.restStatus, body: response, contentType: 'application/json' };
    } else {
      checkStorable(response, this.keyPath);
    }
    return {
      id: newId(),
      org_id: this.address.orgId,
      scope: this.address.scope,
      key: this.address.key,
      request_hash: this.requestHash,
      state: 'COMPLETE',
      response,
      response_status: this.answer?.status ?? null,
      response_type: this.answer?.contentType ?? null,
      created_at: createdAt,
      expires_at: new Date(this.now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    };
  }
}

/**
 * UTF-8 bytes of a first answer kept with its key: D1 refuses a row over 2,000,000 bytes, which
 * would fail the whole batch, change included, with an error the client cannot act on.
 */
export const MAX_STORED_ANSWER_BYTES = 1_900_000;

/** Refuses, before anything is written, an answer too large to keep for replay. */
function checkStorable(response: string, keyPath: readonly string[]) {
  // Most answers are far below the limit even at 3 bytes per UTF-16 unit: no encoding needed.
  if (response.length * 3 <= MAX_STORED_ANSWER_BYTES) return;
  const bytes = new TextEncoder().encode(response).byteLength;
  if (bytes > MAX_STORED_ANSWER_BYTES) {
    throw new ValidationError(
      `The answer (${bytes} bytes) is too large to keep with an idempotency key (at most ${MAX_STORED_ANSWER_BYTES}): send the request in smaller parts, or without the key`,
      keyPath,
    );
  }
}

/** Whether a batch failed because a concurrent request committed the same key first. */
export function isKeyCollision(error: unknown): boolean {
  return String(error).includes(
    'UNIQUE constraint failed: idempotency_key.org_id, idempotency_key.scope, idempotency_key.key',
  );
}

/** Writes for an optional claim: none when the caller sent no key. */
export function claimWrites(db: Db, claim: IdempotencyClaim | undefined, result: unknown) {
  return claim ? claim.writes(db, result) : [];
}

/** Guarded writes for an optional claim (see IdempotencyClaim.writesWhere). */
export function claimWritesWhere(
  db: Db,
  claim: IdempotencyClaim | undefined,
  result: unknown,
  condition: RawBuilder<unknown>,
) {
  return claim ? claim.writesWhere(db, result, condition) : [];
}

/**
 * How one API answers through a key: what a fresh run answers, how a stored first answer is
 * replayed, what a key used for another request is, and which failures may be a concurrent
 * holder's doing (then the holder's answer is replayed instead).
 */
export interface IdempotencyPresenter<R, A> {
  fresh(result: R, claim: IdempotencyClaim): A;
  replay(row: IdempotencyKeyTable): A;
  /** Throws the API's error for a key already used with another request. */
  conflict(): never;
  mayBeConcurrent(error: unknown): boolean;
}

/**
 * The one idempotency orchestrator, for every API. A key seen before with the same request
 * replays the first answer and writes nothing; with another request it is the presenter's
 * conflict. A new key runs with `claim`, which the service writes in its own batch with the
 * answer, so the key exists exactly when the change does. A read-only run (no batch of its own)
 * has its answer stored alone after it. A failure stores nothing (the key stays free), unless a
 * concurrent request took the key meanwhile (its batch holds the key, which is then why this one
 * failed, on the key's UNIQUE index or on a rule its write broke): that request's answer is
 * replayed.
 */
export async function runWithKey<R, A>(
  deps: Pick<Deps, 'db' | 'd1'>,
  claim: IdempotencyClaim,
  presenter: IdempotencyPresenter<R, A>,
  run: (claim: IdempotencyClaim) => Promise<R>,
  options: { readOnly?: boolean } = {},
): Promise<A> {
  const known = (row: IdempotencyKeyTable): A =>
    row.request_hash === claim.requestHash ? presenter.replay(row) : presenter.conflict();
  const existing = await findLiveKey(deps.db, claim.address, new Date().toISOString());
  if (existing) return known(existing);
  try {
    const result = await run(claim);
    if (!claim.recorded && options.readOnly) {
      // A concurrent duplicate then fails on the key's UNIQUE index and replays this answer.
      await runBatch(deps.d1, claim.writes(deps.db, result));
    }
    if (!claim.recorded) {
      throw new Error(`${claim.address.scope} did not record its idempotency key in its batch`);
    }
    return presenter.fresh(result, claim);
  } catch (error) {
    if (!presenter.mayBeConcurrent(error)) throw error;
    const winner = await findLiveKey(deps.db, claim.address, new Date().toISOString());
    if (winner) return known(winner);
    throw error;
  }
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
 * Runs a creation at most once per key (runWithKey), storing and replaying the domain result
 * itself (Dates tagged, see encodeResult). No key: runs it without a claim. A key used with
 * another input is a ConflictError on the key's path.
 */
export async function runIdempotent<R>(
  deps: Pick<Deps, 'db' | 'd1'>,
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
  const claim = new IdempotencyClaim(address, requestHash, new Date(), call.path);
  return runWithKey(deps, claim, resultPresenter<R>(call), run);
}

function resultPresenter<R>(call: IdempotentCall): IdempotencyPresenter<R, R> {
  return {
    fresh: (result) => result,
    replay(row) {
      if (row.response === null) throw new Error('A completed idempotency key has no response');
      return decodeResult<R>(row.response);
    },
    conflict() {
      throw new ConflictError(
        `This idempotency key was already used for ${call.scope} with a different input`,
        call.path,
      );
    },
    // Whatever failed, a concurrent holder of the key may be why.
    mayBeConcurrent: () => true,
  };
}

/** A REST key's first answer as stored: status, body text and content type. */
export function storedAnswer(row: IdempotencyKeyTable): RestAnswer {
  if (row.response === null || row.response_status === null) {
    throw new Error('A completed REST idempotency key has no response');
  }
  return {
    status: row.response_status,
    body: row.response,
    contentType: row.response_type ?? 'application/json',
  };
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

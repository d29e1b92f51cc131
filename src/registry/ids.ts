import { v7 as uuidv7 } from 'uuid';

/**
 * New primary keys are UUIDv7: time-ordered, so `ORDER BY id` is creation order and a keyset cursor
 * on id alone is stable. The uuid package keeps them monotonic within one millisecond.
 */
export function newId(): string {
  return uuidv7();
}

export function nowIso(): string {
  return new Date().toISOString();
}

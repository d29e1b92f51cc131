import type { Context } from '../../context.ts';
import {
  type IdempotencyClaim,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  runIdempotent,
} from '../../registry/idempotency/idempotency.service.ts';

/** The description every mutation input's `idempotencyKey` field carries. */
export const IDEMPOTENCY_KEY_DESCRIPTION = `Optional, 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, unique per organization and mutation: sending the same key with the same input again (for at least 24 hours) returns the first result and writes nothing; the same key with a different input is a ConflictError.`;

/**
 * Runs a mutation's service at most once per idempotency key (`input.idempotencyKey`), scoped to
 * the caller's organization and the mutation's name. The service records the key in its batch.
 */
export function idempotent<R>(
  context: Context,
  mutation: string,
  input: { idempotencyKey?: string | null },
  run: (claim: IdempotencyClaim | undefined) => Promise<R>,
): Promise<R> {
  return runIdempotent(
    context.deps,
    {
      orgId: context.viewer.orgId,
      scope: mutation,
      key: input.idempotencyKey,
      input,
      // Relative to the mutation's input: withInputPaths, around every mutation, adds `input`.
      path: ['idempotencyKey'],
    },
    run,
  );
}

import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from './context.ts';
import { NotFoundError } from './registry/errors.ts';
import type { NodeKind } from './registry/lineage/lineage.ts';

// Shared by the two public APIs (GraphQL under src/schema, REST under src/routes): both take the
// same opaque global IDs and pass the same dependencies on to the registry services.

/**
 * Decodes a global ID a client sent. A malformed ID, or one of another kind, is reported as a
 * NotFoundError on that field (as data), exactly like an ID that does not exist.
 */
export function decodeIdOf<K extends string>(
  globalId: string,
  kinds: readonly K[],
  path: readonly string[],
): { kind: K; id: string } {
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    decoded = null;
  }
  if (!decoded || !decoded.id || !(kinds as readonly string[]).includes(decoded.typename)) {
    throw new NotFoundError(`No ${kinds.join(' or ')} with this id`, path, globalId);
  }
  return { kind: decoded.typename as K, id: decoded.id };
}

export function decodeNodeId(
  globalId: string,
  kinds: readonly NodeKind[],
  path: readonly string[],
) {
  return decodeIdOf(globalId, kinds, path);
}

/** The service dependencies every write passes on. */
export function deps(context: Context) {
  return { db: context.db, d1: context.d1 };
}

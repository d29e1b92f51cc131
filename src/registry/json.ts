import { ValidationError } from './errors.ts';

/** Largest metadata or properties document we accept, in UTF-8 bytes. */
export const MAX_JSON_BYTES = 64 * 1024;
/** Deepest nesting we accept in a JSON document; SQLite's JSON functions stop at 1,000. */
export const MAX_JSON_DEPTH = 32;

/**
 * Validates a client-supplied JSON value (metadata, edge properties) and returns its serialised form,
 * or null for null/undefined. Objects only: a bare scalar or array is not metadata.
 */
export function serializeJsonObject(value: unknown, path: readonly string[]): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('Must be a JSON object', path);
  }
  if (jsonDepth(value, 0) > MAX_JSON_DEPTH) {
    throw new ValidationError(`Must nest at most ${MAX_JSON_DEPTH} levels deep`, path);
  }
  const text = JSON.stringify(value);
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > MAX_JSON_BYTES) {
    throw new ValidationError(
      `Must be at most ${MAX_JSON_BYTES} bytes of JSON (got ${bytes})`,
      path,
    );
  }
  return text;
}

function jsonDepth(value: unknown, depth: number): number {
  if (depth > MAX_JSON_DEPTH) return depth;
  if (value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, jsonDepth(child, depth + 1));
    if (deepest > MAX_JSON_DEPTH) break;
  }
  return deepest;
}

export function parseJson<T = unknown>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

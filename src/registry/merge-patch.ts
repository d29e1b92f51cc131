/**
 * JSON Merge Patch (RFC 7386): each key of `patch` replaces the target's, a null removes it, and
 * nested objects are patched the same way; anything else (arrays too) replaces as a whole. Ten
 * lines of a fixed algorithm, so written here rather than taken from an unmaintained package.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** One byte range of an object of `size` bytes, from an HTTP Range header (RFC 9110 §14). */
export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'partial'; offset: number; length: number }
  | { kind: 'unsatisfiable' };

/**
 * Reads `bytes=a-b`, `bytes=a-` and `bytes=-n`. Anything else (another unit, several ranges,
 * malformed syntax) is ignored and the whole object is served, as RFC 9110 allows; a well-formed
 * range that starts past the end is unsatisfiable (416).
 */
export function parseRange(header: string | null, size: number): RangeRequest {
  if (header === null) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    const length = Math.min(suffix, size);
    return { kind: 'partial', offset: size - length, length };
  }
  const offset = Number(first);
  if (!Number.isSafeInteger(offset) || offset >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(end) || end < offset) return { kind: 'whole' };
  return { kind: 'partial', offset, length: end - offset + 1 };
}

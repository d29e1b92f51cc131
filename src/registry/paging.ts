/**
 * One page of a keyset-paginated list, in the repository's terms: `after`/`before` are the sort keys
 * of the boundary rows (already decoded from cursors), `limit` includes the one extra row that tells
 * whether another page exists, and `inverted` asks for the rows from the end (for `last`).
 */
export interface PageRequest {
  after: string | null;
  before: string | null;
  limit: number;
  inverted: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;
/** Largest page any list returns; larger requests are refused, not silently cut. */
export const MAX_PAGE_SIZE = 100;

/** Cursors are opaque to clients: base64url of a versioned sort key. */
export function encodeCursorKey(key: string): string {
  return btoa(`c1:${key}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The sort key inside a cursor this API returned; null when it is not one. */
export function decodeCursorKey(cursor: string): string | null {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    if (text.startsWith('c1:') && text.length > 3) return text.slice(3);
  } catch {
    // not base64: not one of ours
  }
  return null;
}

/** Groups rows of a per-parent window query by parent id, in the order of `ids`. */
export function groupRows<Row>(
  ids: readonly string[],
  rows: readonly Row[],
  groupOf: (row: Row) => string,
): Row[][] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = groupOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return ids.map((id) => groups.get(id) ?? []);
}

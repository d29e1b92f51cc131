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

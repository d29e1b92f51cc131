import { GraphQLError } from 'graphql';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursorKey,
  encodeCursorKey,
  MAX_PAGE_SIZE,
  type PageRequest,
} from '../../registry/paging.ts';

// The page-size cap and the cursor codec are shared with the REST routes (src/registry/paging.ts).
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface ConnectionShape<Edge> {
  edges: Edge[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function badInput(message: string, argument: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/** Cursors are opaque to clients: base64url of a versioned key. */
export function encodeCursor(key: string): string {
  return encodeCursorKey(key);
}

export function decodeCursor(cursor: string, argument: string): string {
  const key = decodeCursorKey(cursor);
  if (key !== null) return key;
  throw badInput(`"${argument}" is not a cursor returned by this API`, argument);
}

/** Validates `first`/`last`/`after`/`before` and turns them into a repository page request. */
export function parsePageArgs(
  args: ConnectionArgs,
  decode: (cursor: string, argument: string) => string = decodeCursor,
): PageRequest & { size: number } {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value !== null && value !== undefined && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw badInput(`"${name}" must be between 0 and ${MAX_PAGE_SIZE} (the page size cap)`, name);
    }
  }
  if (args.first != null && args.last != null) {
    throw badInput('Pass either "first" or "last", not both', 'last');
  }
  const inverted = args.last != null;
  const size = (inverted ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  return {
    after: args.after ? decode(args.after, 'after') : null,
    before: args.before ? decode(args.before, 'before') : null,
    limit: size + 1,
    inverted,
    size,
  };
}

/**
 * Shapes rows fetched with `limit = size + 1` into a connection. `toEdge` builds each edge (node,
 * edge properties); `toCursor` gives the row's cursor.
 */
export function toConnection<Row, Edge extends { cursor: string }>(
  rows: readonly Row[],
  page: PageRequest & { size: number },
  toEdge: (row: Row, cursor: string) => Edge,
  toCursor: (row: Row) => string,
): ConnectionShape<Edge> {
  const hasMore = rows.length > page.size;
  const kept = rows.slice(0, page.size);
  if (page.inverted) kept.reverse();
  const edges = kept.map((row) => toEdge(row, toCursor(row)));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.inverted ? page.before !== null : hasMore,
      hasPreviousPage: page.inverted ? hasMore : page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

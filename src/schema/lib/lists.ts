import type { PageRequest } from '../../registry/paging.ts';
import { type ConnectionArgs, encodeCursor, parsePageArgs, toConnection } from './connection.ts';

/** A top-level keyset list ordered by id: fetch one page, shape it as a connection. */
export async function idOrderedConnection<Row extends { id: string }, Node>(
  args: ConnectionArgs,
  fetch: (page: PageRequest) => Promise<Row[]>,
  toNode: (row: Row) => Node,
) {
  const page = parsePageArgs(args);
  const rows = await fetch(page);
  return toConnection(
    rows,
    page,
    (row, cursor) => ({ cursor, node: toNode(row) }),
    (row) => encodeCursor(row.id),
  );
}

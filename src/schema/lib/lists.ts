import type { PageRequest } from '../../registry/paging.ts';
import {
  type ConnectionArgs,
  type ConnectionShape,
  encodeCursor,
  parsePageArgs,
  toConnection,
} from './connection.ts';

/** A top-level keyset list ordered by id: fetch one page of nodes, shape it as a connection. */
export async function idOrderedConnection<Node extends { id: string }>(
  args: ConnectionArgs,
  fetch: (page: PageRequest) => Promise<Node[]>,
) {
  const page = parsePageArgs(args);
  return idOrderedConnectionOf(await fetch(page), page);
}

/** One page of id-ordered nodes (fetched with `limit = size + 1`) as a connection. */
export function idOrderedConnectionOf<Node extends { id: string }>(
  nodes: readonly Node[],
  page: PageRequest & { size: number },
): ConnectionShape<{ cursor: string; node: Node }> {
  return toConnection(
    nodes,
    page,
    (node, cursor) => ({ cursor, node }),
    (node) => encodeCursor(node.id),
  );
}

/** A connection per parent, from one page of id-ordered nodes per parent. */
export async function idOrderedConnections<Node extends { id: string }>(
  args: ConnectionArgs,
  fetch: (page: PageRequest) => Promise<Node[][]>,
) {
  const page = parsePageArgs(args);
  return (await fetch(page)).map((nodes) => idOrderedConnectionOf(nodes, page));
}

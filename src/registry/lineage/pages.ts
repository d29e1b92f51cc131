// Pages of a lineage walk and the pictures of a page (Mermaid, Graphviz DOT), shared by the GraphQL
// LineageGraph and the REST graph route so that both page, draw and label a walk the same way.
import { decodeCursorKey, encodeCursorKey } from '../paging.ts';
import type {
  LineageEdgeEntry,
  LineageNodeEntry,
  LineageWalk,
  NodeRef,
} from './traversal.service.ts';

/** One page of a walk: its nodes by (depth, id) and the edges that reached them. */
export interface LineagePage {
  walk: LineageWalk;
  nodes: LineageNodeEntry[];
  edges: LineageEdgeEntry[];
  hasNextPage: boolean;
  /** The walk was cut (depth, budget) or more pages follow: this page is not the whole lineage. */
  isTruncated: boolean;
  startCursor: string | null;
  endCursor: string | null;
  /** Nodes and edges of the walk through this page (the whole walk unless it is segmented). */
  totalNodes: number;
  totalEdges: number;
  depthReached: number;
  /**
   * A segment of a walk past the edge-row budget: whether maxDepth cut the walk on this page or an
   * earlier one (on the last page: anywhere). Unset on a page of a walk held whole.
   */
  segmentCut?: boolean;
  /**
   * A segment of a stored walk: every node its edges touch (its own and earlier pages'), which
   * otherPageEnds reads instead of the walk's nodes.
   */
  endEntries?: ReadonlyMap<string, LineageNodeEntry>;
}

export interface LineagePageRequest {
  size: number;
  /** The (depth, id) of the last node of the previous page. */
  after: [number, string] | null;
  /** The next segment of a stored walk (a walk past the edge-row budget), instead of `after`. */
  segment?: WalkCursor | null;
}

/** A cursor to the next segment of a stored walk (walk-segments.service.ts). */
export interface WalkCursor {
  walkId: string;
  segment: number;
}

/** The opaque cursor of a stored walk's segment. */
export function walkCursor(position: WalkCursor): string {
  return encodeCursorKey(JSON.stringify(['walk', position.walkId, position.segment]));
}

/** The stored walk and segment inside a cursor; null when it is not one. */
export function parseWalkCursor(cursor: string): WalkCursor | null {
  const key = decodeCursorKey(cursor);
  if (key === null) return null;
  try {
    const value: unknown = JSON.parse(key);
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      value[0] === 'walk' &&
      typeof value[1] === 'string' &&
      value[1].length > 0 &&
      value[1].length <= 64 &&
      Number.isInteger(value[2]) &&
      value[2] >= 2
    ) {
      return { walkId: value[1], segment: value[2] };
    }
  } catch {
    // not JSON: not one of ours
  }
  return null;
}

/** The opaque cursor of a node of a walk: its (depth, id), the walk's order. */
function lineageCursor(node: { depth: number; id: string }): string {
  return encodeCursorKey(JSON.stringify([node.depth, node.id]));
}

/** The (depth, id) inside a cursor of a lineage page; null when it is not one. */
export function parseLineageCursor(cursor: string): [number, string] | null {
  const key = decodeCursorKey(cursor);
  if (key === null) return null;
  let position: unknown = null;
  try {
    position = JSON.parse(key);
  } catch {
    return null;
  }
  return Array.isArray(position) &&
    position.length === 2 &&
    Number.isInteger(position[0]) &&
    typeof position[1] === 'string'
    ? [position[0], position[1]]
    : null;
}

/** Pages a walk's nodes by (depth, id); each edge belongs to the page of the node it reached. */
export function pageLineage(walk: LineageWalk, request: LineagePageRequest): LineagePage {
  const { size } = request;
  let start = 0;
  if (request.after) {
    const [depth, id] = request.after;
    start = walk.nodes.findIndex(
      (node) => node.depth > depth || (node.depth === depth && node.id > id),
    );
    if (start < 0) start = walk.nodes.length;
  }
  const whole = start === 0 && size >= walk.nodes.length;
  const nodes = whole ? walk.nodes : walk.nodes.slice(start, start + size);
  let edges = walk.edges;
  if (!whole) {
    const onPage = new Set(nodes.map((node) => node.id));
    edges = walk.edges.filter((edge) => onPage.has(edge.to.id));
  }
  const last = nodes[nodes.length - 1];
  return {
    walk,
    nodes,
    edges,
    hasNextPage: start + size < walk.nodes.length,
    isTruncated: walk.isTruncated || start + size < walk.nodes.length,
    startCursor: nodes[0] ? lineageCursor(nodes[0]) : null,
    endCursor: last ? lineageCursor(last) : null,
    totalNodes: walk.nodes.length,
    totalEdges: walk.edges.length,
    depthReached: walk.depthReached,
  };
}

const nodesOfWalk = new WeakMap<LineageWalk, Map<string, LineageNodeEntry>>();

/**
 * The nodes of the walk that this page's edges touch but that are not on this page, each once, in
 * the order the edges first touch them (source, then target). An edge belongs to the page of the
 * node it reached; its other end is usually on an earlier page, but can be on a later one (an edge
 * that reached a known node from a deeper one: a diamond's second parent, a cycle closing). A page
 * holding the whole walk has none.
 */
export function otherPageEnds(page: LineagePage): LineageNodeEntry[] {
  const { walk } = page;
  if (!page.endEntries && page.nodes.length === walk.nodes.length) return [];
  // Labels, the document and the pictures all ask for the same page: computed once per page.
  const known = endsOfPage.get(page);
  if (known) return known;
  let entries = page.endEntries ?? nodesOfWalk.get(walk);
  if (!entries) {
    const byId = new Map(walk.nodes.map((node) => [node.id, node]));
    nodesOfWalk.set(walk, byId);
    entries = byId;
  }
  const listed = new Set(page.nodes.map((node) => node.id));
  const ends: LineageNodeEntry[] = [];
  for (const edge of page.edges) {
    for (const end of [edge.source, edge.target]) {
      if (listed.has(end.id)) continue;
      listed.add(end.id);
      const entry = entries.get(end.id);
      // Every edge of a walk joins two nodes of it: a miss is a bug of the walk.
      if (!entry) throw new Error(`Lineage edge end ${end.kind}:${end.id} is not in the walk`);
      ends.push(entry);
    }
  }
  endsOfPage.set(page, ends);
  return ends;
}

const endsOfPage = new WeakMap<LineagePage, LineageNodeEntry[]>();

/** Every node a page draws: its nodes, then the other ends of its edges (see otherPageEnds). */
export function drawnNodes(page: LineagePage): NodeRef[] {
  const ends = otherPageEnds(page);
  return ends.length === 0 ? page.nodes : [...page.nodes, ...ends];
}

function mermaidId(id: string) {
  return `n${id.replace(/[^a-zA-Z0-9]/g, '')}`;
}

/** A page as a Mermaid flowchart: one box per drawn node ("Kind: label"), one arrow per edge. */
export function lineageMermaid(page: LineagePage, labels: ReadonlyMap<string, string>): string {
  const lines = ['flowchart LR'];
  for (const { kind, id } of drawnNodes(page)) {
    const label = labels.get(id) ?? id;
    lines.push(`  ${mermaidId(id)}["${kind}: ${label.replace(/"/g, '#quot;')}"]`);
  }
  for (const edge of page.edges) {
    lines.push(`  ${mermaidId(edge.source.id)} -->|${edge.type}| ${mermaidId(edge.target.id)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A page as Graphviz DOT, the same nodes and edges as lineageMermaid. */
export function lineageDot(page: LineagePage, labels: ReadonlyMap<string, string>): string {
  const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph lineage {', '  rankdir=LR;'];
  for (const { kind, id } of drawnNodes(page)) {
    lines.push(`  ${quote(id)} [label=${quote(`${kind}: ${labels.get(id) ?? id}`)}];`);
  }
  for (const edge of page.edges) {
    lines.push(
      `  ${quote(edge.source.id)} -> ${quote(edge.target.id)} [label=${quote(edge.type)}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

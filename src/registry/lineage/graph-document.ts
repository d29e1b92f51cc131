// The lineage graph as one compact JSON document built straight from a walk's page: the REST graph
// route answers with it and GraphQL's LineageGraph.graph returns it, so no per-object resolution
// runs. Nodes are listed once; edges name their ends by index into the node array, the way d3's
// forceLink and Cytoscape's element lists join them, so an edge costs ~20 bytes instead of the
// ~360 bytes of five global IDs and a timestamp (26.9 MB -> a few MB on the benchmark's DAG).
import { EDGE_TYPES, type EdgeType } from './lineage.ts';
import { type LineagePage, otherPageEnds } from './pages.ts';
import {
  edgeDetailsOf,
  type LineageEdgeDetails,
  type LineageNodeEntry,
} from './traversal.service.ts';

/** Global IDs are the API's concern: the caller passes its encoder (kind, row id) -> global ID. */
type EncodeId = (kind: string, id: string) => string;

/** What each position of an edge tuple holds, without and with `edge_details`. */
const EDGE_COLUMNS = ['source', 'target', 'type', 'depth'] as const;
export const EDGE_DETAIL_COLUMNS = [...EDGE_COLUMNS, 'id', 'created_at', 'properties'] as const;

/** [source node index, target node index, index into edge_types, depth]. */
type GraphDocumentEdge = [source: number, target: number, type: number, depth: number];

/** The same, then the edge's global ID, its created_at and its properties. */
type GraphDocumentDetailedEdge = [
  ...GraphDocumentEdge,
  id: string,
  createdAt: string,
  properties: Record<string, unknown> | null,
];

interface GraphDocumentNode {
  id: string;
  kind: string;
  label: string;
  depth: number;
  reached_by: 'ROOT' | 'UPSTREAM' | 'DOWNSTREAM';
  /** Present (true) only on a node listed because an edge of this page touches it. */
  on_other_page?: true;
}

export interface LineageGraphDocument {
  total_nodes: number;
  total_edges: number;
  page_info: { has_next_page: boolean; end_cursor: string | null };
  depth_reached: number;
  is_truncated: boolean;
  edge_columns: readonly string[];
  edge_types: readonly EdgeType[];
  /** This page's nodes by (depth, id), then the other pages' nodes its edges touch. */
  nodes: GraphDocumentNode[];
  edges: GraphDocumentEdge[] | GraphDocumentDetailedEdge[];
}

const TYPE_INDEX = new Map<EdgeType, number>(EDGE_TYPES.map((type, index) => [type, index]));

/**
 * The page as a document, in one pass over its nodes and one over its edges: one object per node
 * (its global ID encoded once) and one small array per edge. Every edge end resolves to an entry
 * of `nodes`: this page's nodes first, then, marked `on_other_page`, the nodes of other pages that
 * this page's edges touch (an edge belongs to the page of the node it reached; its other end may be
 * listed on an earlier page, or on a later one for an edge that came back from a deeper node).
 */
export function lineageGraphDocument(
  page: LineagePage,
  labels: ReadonlyMap<string, string>,
  encodeId: EncodeId,
  /** The page's edge details (`lineageEdgeDetails`) to list them; none for the compact form. */
  details: ReadonlyMap<string, LineageEdgeDetails> | null = null,
): LineageGraphDocument {
  const extras = otherPageEnds(page);
  const nodes = new Array<GraphDocumentNode>(page.nodes.length + extras.length);
  const indexOf = new Map<string, number>();
  const add = (node: LineageNodeEntry, index: number) => {
    indexOf.set(node.id, index);
    nodes[index] = {
      id: encodeId(node.kind, node.id),
      kind: node.kind,
      label: labels.get(node.id) ?? node.id,
      depth: node.depth,
      reached_by: node.reachedBy,
    };
  };
  for (let index = 0; index < page.nodes.length; index++) {
    add(page.nodes[index] as LineageNodeEntry, index);
  }
  for (let extra = 0; extra < extras.length; extra++) {
    const index = page.nodes.length + extra;
    add(extras[extra] as LineageNodeEntry, index);
    (nodes[index] as GraphDocumentNode).on_other_page = true;
  }
  const indexOfEnd = (id: string) => {
    const index = indexOf.get(id);
    // otherPageEnds lists every end that is not on the page: a miss is a bug, not a request error.
    if (index === undefined) throw new Error(`Lineage edge end ${id} is not in the document`);
    return index;
  };
  const edges = new Array<GraphDocumentEdge | GraphDocumentDetailedEdge>(page.edges.length);
  for (let position = 0; position < page.edges.length; position++) {
    const edge = page.edges[position] as LineagePage['edges'][number];
    const source = indexOfEnd(edge.source.id);
    const target = indexOfEnd(edge.target.id);
    const type = TYPE_INDEX.get(edge.type) as number;
    if (details) {
      const { createdAt, properties } = edgeDetailsOf(details, edge);
      edges[position] = [
        source,
        target,
        type,
        edge.depth,
        encodeId('GraphEdge', edge.id),
        createdAt.toISOString(),
        properties,
      ];
    } else {
      edges[position] = [source, target, type, edge.depth];
    }
  }
  return {
    total_nodes: page.totalNodes,
    total_edges: page.totalEdges,
    page_info: { has_next_page: page.hasNextPage, end_cursor: page.endCursor },
    depth_reached: page.depthReached,
    is_truncated: page.isTruncated,
    edge_columns: details ? EDGE_DETAIL_COLUMNS : EDGE_COLUMNS,
    // `type` of an edge tuple indexes this list: the same for every document, page and request.
    edge_types: EDGE_TYPES,
    nodes,
    edges: edges as GraphDocumentEdge[] | GraphDocumentDetailedEdge[],
  };
}

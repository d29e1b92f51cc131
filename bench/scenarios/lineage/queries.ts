// The operations sent, the shapes of their answers, and the answers in the checks' shape.

export interface LineageData {
  node: {
    lineage: {
      totalNodes: number;
      totalEdges: number;
      depthReached: number;
      isTruncated: boolean;
      nodes: { id: string }[];
      edges: { depth: number }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  } | null;
}

export const lineageQuery = (typename: string, direction: string, first: number) => /* GraphQL */ `
  query Lineage($id: ID!, $after: String) {
    node(id: $id) {
      ... on ${typename} {
        lineage(direction: ${direction}, first: ${first}, after: $after) {
          totalNodes totalEdges depthReached isTruncated
          nodes { id }
          edges { depth }
          pageInfo { endCursor hasNextPage }
        }
      }
    }
  }
`;

/** What a client drawing the graph asks for through the typed fields: labels and both ends. */
export const drawQuery = (typename: string, direction: string, first: number) => /* GraphQL */ `
  query Draw($id: ID!, $after: String) {
    node(id: $id) {
      ... on ${typename} {
        lineage(direction: ${direction}, first: ${first}, after: $after) {
          totalNodes totalEdges depthReached isTruncated
          nodeInfo { kind label depth }
          edges { type depth from { id } to { id } }
          pageInfo { endCursor hasNextPage }
        }
      }
    }
  }
`;

/** The same page as one compact JSON document (LineageGraph.graph): no per-object resolution. */
export const graphJsonQuery = (
  typename: string,
  direction: string,
  first: number,
) => /* GraphQL */ `
  query GraphJson($id: ID!, $after: String) {
    node(id: $id) { ... on ${typename} { lineage(direction: ${direction}, first: ${first}, after: $after) { graph } } }
  }
`;

/** The REST export of the whole walk (GET /api/lineage/:id/graph), JSON, compact or detailed. */
export const restGraphPath = (globalId: string, direction: string, edgeDetails = false) =>
  `/api/lineage/${globalId}/graph?direction=${direction.toLowerCase()}${edgeDetails ? '&edge_details=true' : ''}`;

/** The smallest authenticated request: what any answer costs before lineage starts. */
export const FIXED_COST = '{ __typename }';

/** What the checks read: nodes of the page and edges with both ends named. */
export interface GraphDocument {
  /** The cursor of the next page of a walk answered in several (past the edge-row budget). */
  next: string | null;
  nodes: { id: string; kind: string; label: string; depth: number }[];
  edges: { type: string; depth: number; source: string; target: string }[];
  total_nodes: number;
  total_edges: number;
  depth_reached: number;
  is_truncated: boolean;
}

/** The API's compact document: node objects, edges as tuples read through edge_columns. */
export interface CompactDocument {
  nodes: { id: string; kind: string; label: string; depth: number; on_other_page?: true }[];
  edge_columns: string[];
  edge_types: string[];
  edges: unknown[][];
  total_nodes: number;
  total_edges: number;
  depth_reached: number;
  is_truncated: boolean;
  page_info: { has_next_page: boolean; end_cursor: string | null };
}

/**
 * The compact document in the checks' shape, each edge resolved through its legend; an end or a
 * type that does not resolve becomes '?' so that the check fails instead of throwing.
 */
export function resolvedDocument(
  document: CompactDocument | null | undefined,
): GraphDocument | null {
  if (!document) return null;
  const column = (name: string) => document.edge_columns.indexOf(name);
  const [source, target, type, depth] = ['source', 'target', 'type', 'depth'].map(column) as [
    number,
    number,
    number,
    number,
  ];
  const idAt = (index: unknown) => document.nodes[index as number]?.id ?? '?';
  return {
    next: document.page_info.has_next_page ? document.page_info.end_cursor : null,
    nodes: document.nodes.filter((node) => !node.on_other_page),
    edges: document.edges.map((edge) => ({
      type: document.edge_types[edge[type] as number] ?? '?',
      depth: edge[depth] as number,
      source: idAt(edge[source]),
      target: idAt(edge[target]),
    })),
    total_nodes: document.total_nodes,
    total_edges: document.total_edges,
    depth_reached: document.depth_reached,
    is_truncated: document.is_truncated,
  };
}

export interface DrawData {
  node: {
    lineage: {
      totalNodes: number;
      totalEdges: number;
      depthReached: number;
      isTruncated: boolean;
      nodeInfo: { kind: string; label: string; depth: number }[];
      edges: { type: string; depth: number; from: { id: string }; to: { id: string } }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  } | null;
}

/** The typed drawing answer in the document's shape, to check it the same way. */
export function drawnDocument(data: DrawData): GraphDocument | null {
  const lineage = data.node?.lineage;
  if (!lineage) return null;
  return {
    next: lineage.pageInfo.hasNextPage ? lineage.pageInfo.endCursor : null,
    // nodeInfo lists each page's own nodes, without ids: numbered per page by the caller.
    nodes: lineage.nodeInfo.map((node, index) => ({ ...node, id: String(index) })),
    edges: lineage.edges.map((edge) => ({
      type: edge.type,
      depth: edge.depth,
      source: edge.from.id,
      target: edge.to.id,
    })),
    total_nodes: lineage.totalNodes,
    total_edges: lineage.totalEdges,
    depth_reached: lineage.depthReached,
    is_truncated: lineage.isTruncated,
  };
}

export const IMPACT = /* GraphQL */ `
  query Impact($id: ID!) {
    impact(of: $id) {
      depthReached isTruncated
      affectedModelVersions { id }
      affectedModels { id }
      affectedDeployments { deployment { id } environment depth path { depth } }
      owners { id }
    }
  }
`;

export interface ImpactData {
  impact: {
    depthReached: number;
    isTruncated: boolean;
    affectedModelVersions: { id: string }[];
    affectedModels: { id: string }[];
    affectedDeployments: { deployment: { id: string }; depth: number; path: { depth: number }[] }[];
    owners: { id: string }[];
  };
}

/** `node(id:) { ... on ModelVersion { id derivedFrom { id derivedFrom { ... } } } }`, `depth` levels. */
export function nestedDerivedFrom(depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth; i++) inner = `id derivedFrom { ${inner} }`;
  return `query Nested($id: ID!) { node(id: $id) { ... on ModelVersion { ${inner} } } }`;
}

export interface Nested {
  id: string;
  derivedFrom?: Nested[];
}

/** Distinct versions at each level of a nested derivedFrom answer. */
export function nestedLevels(root: Nested, depth: number): number[] {
  const levels: number[] = [];
  let frontier = [root];
  for (let level = 0; level < depth; level++) {
    const next = new Map<string, Nested>();
    for (const node of frontier)
      for (const parent of node.derivedFrom ?? []) next.set(parent.id, parent);
    levels.push(next.size);
    frontier = [...next.values()];
  }
  return levels;
}

// What the page draws, worked out from a lineage answer without touching the DOM: the elements,
// their colours and shapes by kind, and a layered layout (upstream to the left of the root,
// downstream to the right, one column per hop).

export type NodeKind = 'DATASET' | 'DEPLOYMENT' | 'EXPERIMENT' | 'MODEL' | 'MODEL_VERSION' | 'USER';
export type ReachedBy = 'ROOT' | 'UPSTREAM' | 'DOWNSTREAM';
export type Direction = 'BOTH' | 'UPSTREAM' | 'DOWNSTREAM';

export interface LineageAnswer {
  root: { id: string };
  depthReached: number;
  isTruncated: boolean;
  totalNodes: number;
  totalEdges: number;
  nodeInfo: {
    kind: NodeKind;
    label: string;
    depth: number;
    reachedBy: ReachedBy;
    node: { id: string };
  }[];
  edges: { id: string; type: string; depth: number; from: { id: string }; to: { id: string } }[];
}

export interface KindStyle {
  name: string;
  color: string;
  shape: string;
}

/** Colour and shape per kind: the shape repeats the colour for readers who cannot tell them apart. */
export const KIND_STYLES: Record<NodeKind, KindStyle> = {
  DATASET: { name: 'Dataset', color: '#2f7ed8', shape: 'barrel' },
  EXPERIMENT: { name: 'Experiment', color: '#8e5ad6', shape: 'triangle' },
  MODEL: { name: 'Model', color: '#e08a1e', shape: 'hexagon' },
  MODEL_VERSION: { name: 'Model version', color: '#2e9d5b', shape: 'round-rectangle' },
  DEPLOYMENT: { name: 'Deployment', color: '#d64545', shape: 'diamond' },
  USER: { name: 'User', color: '#6b7785', shape: 'ellipse' },
};

/** Edge colours by type; types the page does not know yet are drawn grey. */
export const EDGE_COLORS: Record<string, string> = {
  TRAINED_ON: '#2f7ed8',
  EVALUATED_ON: '#5fa8e8',
  DERIVED_FROM: '#2e9d5b',
  DEPLOYED_TO: '#d64545',
  REPLACED_BY: '#e08a1e',
  APPROVED_BY: '#6b7785',
};

/** "TRAINED_ON" -> "trained on". */
export function edgeLabel(type: string): string {
  return type.toLowerCase().replace(/_/g, ' ');
}

export interface DrawnNode {
  id: string;
  label: string;
  kind: NodeKind;
  depth: number;
  reachedBy: ReachedBy;
  isRoot: boolean;
  color: string;
  shape: string;
  /** Signed column: negative upstream, 0 for the root (and a Model root's versions), positive downstream. */
  column: number;
  x: number;
  y: number;
}

export interface DrawnEdge {
  id: string;
  source: string;
  target: string;
  type: string;
  label: string;
  color: string;
  /** Bow, in pixels, for an edge that skips columns; 0 for a straight edge. */
  bend: number;
}

export interface Drawing {
  nodes: DrawnNode[];
  edges: DrawnEdge[];
}

export const COLUMN_WIDTH = 240;
export const ROW_HEIGHT = 90;

/**
 * Edge types whose target is downstream of their source (a version DEPLOYED_TO a deployment); for
 * the others the target is upstream (a version TRAINED_ON a dataset). As in the API's walk
 * (src/registry/lineage/traversal.repository.ts).
 */
export const TARGET_IS_DOWNSTREAM: ReadonlySet<string> = new Set(['DEPLOYED_TO', 'REPLACED_BY']);

/**
 * Columns: each upstream node as far left as its longest chain to the root, each downstream node
 * as far right, so every edge points one way across the picture and no edge runs inside a column.
 * Falls back to the walk's depth should the edges not form a DAG.
 */
function assignColumns(nodes: DrawnNode[], edges: DrawnEdge[]): void {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const side of ['UPSTREAM', 'DOWNSTREAM'] as const) {
    const sign = side === 'UPSTREAM' ? -1 : 1;
    // Oriented away from the root: [nearer the root, farther from it].
    const steps: [string, string][] = [];
    for (const edge of edges) {
      const upstreamEnd = TARGET_IS_DOWNSTREAM.has(edge.type) ? edge.source : edge.target;
      const downstreamEnd = upstreamEnd === edge.source ? edge.target : edge.source;
      const [near, far] =
        side === 'UPSTREAM' ? [downstreamEnd, upstreamEnd] : [upstreamEnd, downstreamEnd];
      const farNode = byId.get(far);
      const nearNode = byId.get(near);
      if (
        farNode?.reachedBy === side &&
        (nearNode?.reachedBy === side || nearNode?.reachedBy === 'ROOT')
      ) {
        steps.push([near, far]);
      }
    }
    const rank = new Map<string, number>();
    for (const node of nodes) {
      if (node.reachedBy === 'ROOT') rank.set(node.id, 0);
      else if (node.reachedBy === side) rank.set(node.id, node.depth);
    }
    let changed = true;
    let rounds = 0;
    while (changed && rounds <= nodes.length) {
      changed = false;
      rounds += 1;
      for (const [near, far] of steps) {
        const candidate = (rank.get(near) ?? 0) + 1;
        if (candidate > (rank.get(far) ?? 0)) {
          rank.set(far, candidate);
          changed = true;
        }
      }
    }
    const acyclic = !changed;
    for (const node of nodes) {
      if (node.reachedBy !== side) continue;
      node.column = sign * (acyclic ? (rank.get(node.id) ?? node.depth) : node.depth);
    }
  }
}

/**
 * The nodes and edges to draw, positioned in columns. Edges whose ends are not both on this page
 * (a truncated or paged answer) are left out, so nothing dangles.
 */
export function buildDrawing(answer: LineageAnswer): Drawing {
  const rootId = answer.root.id;
  const nodes: DrawnNode[] = answer.nodeInfo.map((info) => {
    const style = KIND_STYLES[info.kind] ?? KIND_STYLES.USER;
    const sign = info.reachedBy === 'UPSTREAM' ? -1 : info.reachedBy === 'DOWNSTREAM' ? 1 : 0;
    return {
      id: info.node.id,
      label: info.label,
      kind: info.kind,
      depth: info.depth,
      reachedBy: info.reachedBy,
      isRoot: info.node.id === rootId,
      color: style.color,
      shape: style.shape,
      column: sign * info.depth,
      x: 0,
      y: 0,
    };
  });
  const ids = new Set(nodes.map((node) => node.id));
  const edges: DrawnEdge[] = answer.edges
    .filter((edge) => ids.has(edge.from.id) && ids.has(edge.to.id))
    .map((edge) => ({
      id: edge.id,
      source: edge.from.id,
      target: edge.to.id,
      type: edge.type,
      label: edgeLabel(edge.type),
      color: EDGE_COLORS[edge.type] ?? '#8a94a0',
      bend: 0,
    }));
  assignColumns(nodes, edges);

  const columns = new Map<number, DrawnNode[]>();
  for (const node of nodes) {
    const list = columns.get(node.column);
    if (list) list.push(node);
    else columns.set(node.column, [node]);
  }
  const neighbours = new Map<string, DrawnNode[]>();
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) continue;
    neighbours.set(source.id, [...(neighbours.get(source.id) ?? []), target]);
    neighbours.set(target.id, [...(neighbours.get(target.id) ?? []), source]);
  }
  const placed = new Set<string>();
  // Outwards from the root: each column ordered by where its neighbours nearer the root sit
  // (fewer crossings), then by kind and label, so a redraw keeps places.
  const order = [...columns.keys()].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  for (const column of order) {
    const list = columns.get(column) ?? [];
    const weight = new Map<string, number>();
    for (const node of list) {
      const anchors = (neighbours.get(node.id) ?? []).filter((other) => placed.has(other.id));
      weight.set(
        node.id,
        anchors.length ? anchors.reduce((sum, other) => sum + other.y, 0) / anchors.length : 0,
      );
    }
    list.sort(
      (a, b) =>
        Number(b.isRoot) - Number(a.isRoot) ||
        (weight.get(a.id) ?? 0) - (weight.get(b.id) ?? 0) ||
        a.kind.localeCompare(b.kind) ||
        a.label.localeCompare(b.label) ||
        a.id.localeCompare(b.id),
    );
    list.forEach((node, index) => {
      node.x = column * COLUMN_WIDTH;
      node.y = (index - (list.length - 1) / 2) * ROW_HEIGHT;
      placed.add(node.id);
    });
  }
  // An edge that skips columns would run straight through the nodes between: bow it out.
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target || Math.abs(source.column - target.column) < 2) continue;
    const middle = (source.y + target.y) / 2;
    const away = middle === 0 ? -1 : Math.sign(middle);
    // Cytoscape measures the control point's distance to the right of source -> target (screen y
    // points down, so right of a rightward edge is down); the curve passes half as far out.
    const rightIsDown = target.x > source.x;
    edge.bend = (rightIsDown ? away : -away) * ROW_HEIGHT * 1.2;
  }
  return { nodes, edges };
}

export interface PageState {
  id: string;
  direction: Direction;
  /** Hops to walk; null for no limit. */
  depth: number | null;
  /** Nodes to fetch at most. */
  limit: number;
}

export const DEFAULT_STATE: Omit<PageState, 'id'> = { direction: 'BOTH', depth: 3, limit: 300 };
export const DEPTH_CHOICES = [1, 2, 3, 5, 10] as const;
export const LIMIT_CHOICES = [50, 100, 300, 1000, 3000] as const;

/** Reads the page state from a location: /lineage/<id>?direction=UPSTREAM&depth=2&limit=100. */
export function stateFromLocation(pathname: string, search: string): PageState {
  const prefix = '/lineage/';
  let id = '';
  if (pathname.startsWith(prefix)) {
    try {
      id = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      id = '';
    }
  }
  const params = new URLSearchParams(search);
  const direction = params.get('direction');
  const depth = params.get('depth');
  const limit = Number(params.get('limit'));
  return {
    id,
    direction:
      direction === 'UPSTREAM' || direction === 'DOWNSTREAM' || direction === 'BOTH'
        ? direction
        : DEFAULT_STATE.direction,
    depth:
      depth === 'all' ? null : /^\d{1,4}$/.test(depth ?? '') ? Number(depth) : DEFAULT_STATE.depth,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 10_000 ? limit : DEFAULT_STATE.limit,
  };
}

/** The address of a page state; defaults are left out so addresses stay short. */
export function locationOfState(state: PageState): string {
  const params = new URLSearchParams();
  if (state.direction !== DEFAULT_STATE.direction) params.set('direction', state.direction);
  if (state.depth !== DEFAULT_STATE.depth)
    params.set('depth', state.depth === null ? 'all' : String(state.depth));
  if (state.limit !== DEFAULT_STATE.limit) params.set('limit', String(state.limit));
  const query = params.toString();
  return `/lineage/${encodeURIComponent(state.id)}${query ? `?${query}` : ''}`;
}

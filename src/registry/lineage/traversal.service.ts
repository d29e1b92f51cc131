import type { Db } from '../../db/db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { findExistingNodeIds } from './lineage.repository.ts';
import { EDGE_TYPES, type EdgeType, type NodeKind } from './lineage.ts';
import {
  findEdgeDetails,
  findVersionIdsOfModel,
  MAX_DEPTH_IN_RECURSION,
  TARGET_IS_DOWNSTREAM,
  type WalkDirection,
  type WalkEdgeRow,
  walkEdges,
} from './traversal.repository.ts';

/** Nodes one lineage request may visit before it answers with a truncated page. */
export const DEFAULT_NODE_BUDGET = 100_000;
/** Largest maxDepth accepted; deeper asks are almost certainly mistakes (null means unlimited). */
export const MAX_DEPTH_LIMIT = 1_000_000;

export type LineageDirection = WalkDirection | 'BOTH';

export interface NodeRef {
  kind: NodeKind;
  id: string;
}

export interface LineageEdgeEntry {
  id: string;
  type: EdgeType;
  /** The stored edge's ends: `source` TYPE `target` (a version TRAINED_ON a dataset). */
  source: NodeRef;
  target: NodeRef;
  /** The same ends as the walk crossed them: from the node it knew to the node it reached. */
  from: NodeRef;
  to: NodeRef;
  /** Hops from the root to the node this edge reached. */
  depth: number;
}

/** An edge's details as stored: properties as JSON text, created_at as an ISO string. */
export type EdgeDetailText = readonly [properties: string | null, createdAt: string];

/** What a walk leaves out of its edges unless asked (`LineageRequest.edgeDetails`, `lineageEdgeDetails`). */
export interface LineageEdgeDetails {
  properties: Record<string, unknown> | null;
  createdAt: Date;
}

export interface LineageNodeEntry extends NodeRef {
  depth: number;
  /** Which walk reached it first; the root (and a Model root's versions) are ROOT. */
  reachedBy: WalkDirection | 'ROOT';
}

export interface LineageWalk {
  root: NodeRef;
  /** Every node reached within maxDepth and the budget, ordered by depth then id. */
  nodes: LineageNodeEntry[];
  /** Every edge between them, once, with the depth at which it was first reached. */
  edges: LineageEdgeEntry[];
  depthReached: number;
  /** The walk stopped at maxDepth with more graph beyond it, or ran out of node budget. */
  isTruncated: boolean;
  /** For each reached node, the edge it was first reached through (shortest-path tree). */
  parents: Map<string, LineageEdgeEntry>;
  /**
   * The edges' properties (JSON text) and creation times as read, when the request asked for them
   * (`edgeDetails`); `lineageEdgeDetails` parses those of the edges an answer lists.
   */
  edgeDetails: Map<string, EdgeDetailText> | null;
}

export interface LineageRequest {
  root: NodeRef;
  direction: LineageDirection;
  edgeTypes?: readonly EdgeType[] | null;
  maxDepth?: number | null;
  asOf?: Date | null;
  nodeBudget?: number;
  /** The argument that named the root, for a NotFoundError: `of` for impact, `from` for a path. */
  rootPath?: readonly string[];
  /** The caller already read the root in this organization (a resolver of that node). */
  rootExists?: boolean;
  /**
   * Read every edge's properties and creation time in the walk's own statement (a caller that
   * will list them all); otherwise `lineageEdgeDetails` reads them when asked.
   */
  edgeDetails?: boolean;
}

export function validateMaxDepth(maxDepth: number | null | undefined, path: readonly string[]) {
  if (maxDepth === null || maxDepth === undefined) return;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new ValidationError(
      `maxDepth must be an integer from 0 to ${MAX_DEPTH_LIMIT}, or null for unlimited`,
      path,
    );
  }
}

/**
 * Walks the lineage of a node to any depth: one recursive statement per direction, then depths
 * and the shortest-path tree in memory. A Model's lineage is that of the model and its versions
 * (all at depth 0), since graph edges attach to versions.
 */
export async function walkLineage(
  db: Db,
  orgId: string,
  request: LineageRequest,
): Promise<LineageWalk> {
  validateMaxDepth(request.maxDepth, ['maxDepth']);
  const budget = request.nodeBudget ?? DEFAULT_NODE_BUDGET;
  const edgeTypes = request.edgeTypes?.length ? [...new Set(request.edgeTypes)] : [...EDGE_TYPES];
  const root = request.root;
  const exists = request.rootExists
    ? new Set([root.id])
    : await findExistingNodeIds(db, orgId, root.kind, [root.id]);
  if (!exists.has(root.id))
    throw new NotFoundError(
      `No ${root.kind} with this id`,
      request.rootPath ?? ['id'],
      root.id,
      root.kind,
    );
  const seeds =
    root.kind === 'Model'
      ? [root.id, ...(await findVersionIdsOfModel(db, orgId, root.id))]
      : [root.id];
  const directions: WalkDirection[] =
    request.direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [request.direction];

  const seedNodes: LineageNodeEntry[] = seeds.map((id) => ({
    kind: id === root.id ? root.kind : 'ModelVersion',
    id,
    depth: 0,
    reachedBy: 'ROOT',
  }));
  const asOf = request.asOf ? request.asOf.toISOString() : null;
  const walks: ReturnType<typeof breadthFirst>[] = [];
  const edgeDetails = request.edgeDetails ? new Map<string, EdgeDetailText>() : null;
  let isTruncated = false;
  let reachedCount = 0;
  for (const direction of directions) {
    // The budget is per request: a BOTH walk's second direction gets what the first left.
    const limit = budget - reachedCount;
    if (limit <= seeds.length) {
      isTruncated = true;
      break;
    }
    const query = {
      orgId,
      seeds,
      direction,
      edgeTypes,
      nodeLimit: limit + 1,
      asOf,
      details: request.edgeDetails ?? false,
    };
    // A few hops are bounded inside the recursion: only what that depth needs is read. When the
    // budget ends such a walk, the unbounded walk decides which nodes it keeps, as for any walk.
    const maxDepth = request.maxDepth ?? null;
    let walk =
      maxDepth !== null && maxDepth <= MAX_DEPTH_IN_RECURSION
        ? await walkEdges(db, { ...query, maxDepth })
        : null;
    if (!walk || walk.reached > limit) walk = await walkEdges(db, query);
    const rows = walk.edges;
    if (edgeDetails) {
      for (const [id, , , , , , , properties, createdAt] of rows) {
        edgeDetails.set(id, [properties ?? null, createdAt as string]);
      }
    }
    if (walk.reached > limit) isTruncated = true;
    const result = breadthFirst(seeds, rows, direction, request.maxDepth ?? null, limit);
    if (result.cut) isTruncated = true;
    reachedCount += result.nodes.length;
    walks.push(result);
  }
  const merged = walks.length === 1 ? walks[0] : undefined;
  const { nodes, edges, parents } = merged
    ? // One direction (the usual case): its edges are already by (depth, id), nothing to merge.
      { nodes: [...seedNodes, ...merged.nodes], edges: merged.edges, parents: merged.parents }
    : mergeWalks(seedNodes, walks);
  nodes.sort(byDepthThenId);
  let depthReached = 0;
  for (const node of nodes) if (node.depth > depthReached) depthReached = node.depth;
  return { root, nodes, edges, depthReached, isTruncated, parents, edgeDetails };
}

/** Both directions' walks as one: each node and edge once, at the smaller depth. */
function mergeWalks(seedNodes: LineageNodeEntry[], walks: ReturnType<typeof breadthFirst>[]) {
  const nodes = new Map<string, LineageNodeEntry>(seedNodes.map((node) => [node.id, node]));
  const edges = new Map<string, LineageEdgeEntry>();
  const parents = new Map<string, LineageEdgeEntry>();
  for (const walk of walks) {
    for (const node of walk.nodes) {
      const known = nodes.get(node.id);
      if (!known || known.depth > node.depth) nodes.set(node.id, node);
    }
    for (const edge of walk.edges) {
      const known = edges.get(edge.id);
      if (!known || known.depth > edge.depth) edges.set(edge.id, edge);
    }
    for (const [id, edge] of walk.parents) if (!parents.has(id)) parents.set(id, edge);
  }
  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()].sort(byDepthThenId),
    parents,
  };
}

/**
 * The properties and creation time of these edges of a walk (a page's, a path's): from the walk
 * when it read them, otherwise one statement (`findEdgeDetails`, any number of edges).
 */
export async function lineageEdgeDetails(
  db: Db,
  orgId: string,
  walk: Pick<LineageWalk, 'edgeDetails'> | null,
  edges: readonly { id: string }[],
): Promise<ReadonlyMap<string, LineageEdgeDetails>> {
  const read = walk?.edgeDetails;
  if (read) {
    // Parsed for the edges listed only (a page of a large walk reads few of them).
    const details = new Map<string, LineageEdgeDetails>();
    for (const { id } of edges) {
      const text = read.get(id);
      if (text && !details.has(id)) details.set(id, detailsOfRow(text[0], text[1]));
    }
    return details;
  }
  const ids = [...new Set(edges.map((edge) => edge.id))];
  const rows = ids.length ? await findEdgeDetails(db, orgId, ids) : [];
  return new Map(
    rows.map(([id, properties, createdAt]) => [id, detailsOfRow(properties, createdAt)]),
  );
}

function detailsOfRow(properties: string | null, createdAt: string): LineageEdgeDetails {
  return {
    properties: properties === null ? null : (JSON.parse(properties) as Record<string, unknown>),
    createdAt: new Date(createdAt),
  };
}

/** One edge's details from `lineageEdgeDetails`; edges are ended, never deleted. */
export function edgeDetailsOf(
  details: ReadonlyMap<string, LineageEdgeDetails>,
  edge: { id: string },
): LineageEdgeDetails {
  const found = details.get(edge.id);
  if (!found) throw new Error(`Lineage edge ${edge.id} vanished during the request`);
  return found;
}

function byDepthThenId(a: { depth: number; id: string }, b: { depth: number; id: string }) {
  return a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Depths and the shortest-path tree of one direction's rows, in memory. Node ids are interned to
 * integers once (one Map lookup per edge end), the walk itself runs on typed arrays, and since the
 * rows come ordered by edge id (the statement's ORDER BY) the edges come out by (depth, id) by
 * bucketing them by depth, without comparing ids. Each node's { kind, id } is one shared object.
 */
function breadthFirst(
  seeds: readonly string[],
  rows: readonly WalkEdgeRow[],
  direction: WalkDirection,
  maxDepth: number | null,
  budget: number,
) {
  const indexOf = new Map<string, number>();
  const refs: NodeRef[] = [];
  const intern = (kind: NodeKind, id: string) => {
    let index = indexOf.get(id);
    if (index === undefined) {
      index = refs.length;
      indexOf.set(id, index);
      refs.push({ kind, id });
    }
    return index;
  };
  const edgeCount = rows.length;
  const fromOf = new Int32Array(edgeCount);
  const toOf = new Int32Array(edgeCount);
  const fromSource = new Uint8Array(edgeCount);
  for (let edge = 0; edge < edgeCount; edge++) {
    const [, type, srcId, srcKind, dstId, dstKind] = rows[edge] as WalkEdgeRow;
    const source = intern(srcKind, srcId);
    const target = intern(dstKind, dstId);
    const downstreamFromSource = TARGET_IS_DOWNSTREAM.has(type) === (direction === 'DOWNSTREAM');
    fromSource[edge] = downstreamFromSource ? 1 : 0;
    fromOf[edge] = downstreamFromSource ? source : target;
    toOf[edge] = downstreamFromSource ? target : source;
  }
  // The edges leaving each node, in row order (compressed adjacency lists).
  const nodeCount = refs.length;
  const firstOut = new Int32Array(nodeCount + 1);
  for (let edge = 0; edge < edgeCount; edge++) {
    const slot = (fromOf[edge] as number) + 1;
    firstOut[slot] = (firstOut[slot] as number) + 1;
  }
  for (let node = 0; node < nodeCount; node++) {
    firstOut[node + 1] = (firstOut[node + 1] as number) + (firstOut[node] as number);
  }
  const out = new Int32Array(edgeCount);
  const filled = firstOut.slice(0, nodeCount);
  for (let edge = 0; edge < edgeCount; edge++) {
    const from = fromOf[edge] as number;
    out[filled[from] as number] = edge;
    filled[from] = (filled[from] as number) + 1;
  }

  const depthOf = new Int32Array(nodeCount).fill(-1);
  let reached = new Set(seeds).size;
  let frontier: number[] = [];
  for (const id of seeds) {
    const index = indexOf.get(id);
    if (index !== undefined && depthOf[index] === -1) {
      depthOf[index] = 0;
      frontier.push(index);
    }
  }
  const nodes: LineageNodeEntry[] = [];
  const entries: (LineageEdgeEntry | undefined)[] = new Array(edgeCount);
  const byDepth: number[] = [];
  const parents = new Map<string, LineageEdgeEntry>();
  let cut = false;
  let level = 0;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const from of frontier) {
      const end = firstOut[from + 1] as number;
      for (let slot = firstOut[from] as number; slot < end; slot++) {
        if (maxDepth !== null && level + 1 > maxDepth) {
          cut = true;
          continue;
        }
        const edge = out[slot] as number;
        const to = toOf[edge] as number;
        const known = depthOf[to] !== -1;
        if (!known && reached >= budget) {
          cut = true;
          continue;
        }
        const row = rows[edge] as WalkEdgeRow;
        const entry: LineageEdgeEntry = {
          id: row[0],
          type: row[1],
          source: refs[fromSource[edge] ? from : to] as NodeRef,
          target: refs[fromSource[edge] ? to : from] as NodeRef,
          from: refs[from] as NodeRef,
          to: refs[to] as NodeRef,
          depth: level + 1,
        };
        entries[edge] = entry;
        byDepth[level + 1] = (byDepth[level + 1] ?? 0) + 1;
        if (!known) {
          depthOf[to] = level + 1;
          reached += 1;
          const ref = refs[to] as NodeRef;
          nodes.push({ kind: ref.kind, id: ref.id, depth: level + 1, reachedBy: direction });
          parents.set(ref.id, entry);
          next.push(to);
        }
      }
    }
    frontier = next;
    level += 1;
  }
  // Row order is id order: place each edge after the edges of smaller depth, keeping that order.
  let total = 0;
  const startOf: number[] = [];
  for (let depth = 0; depth < byDepth.length; depth++) {
    startOf[depth] = total;
    total += byDepth[depth] ?? 0;
  }
  const edges = new Array<LineageEdgeEntry>(total);
  for (const entry of entries) {
    if (!entry) continue;
    const position = startOf[entry.depth] as number;
    edges[position] = entry;
    startOf[entry.depth] = position + 1;
  }
  return { nodes, edges, parents, cut };
}

const rootIdsOfWalk = new WeakMap<LineageWalk, Set<string>>();

/** The edges from the root to `target` along the shortest-path tree of a walk. */
export function pathTo(walk: LineageWalk, target: string): LineageEdgeEntry[] | null {
  if (target === walk.root.id) return [];
  // The depth-0 nodes, found once per walk (impact asks once per deployment: 500 on the benchmark).
  let rootIds = rootIdsOfWalk.get(walk);
  if (!rootIds) {
    rootIds = new Set();
    for (const node of walk.nodes) {
      if (node.depth > 0) break;
      rootIds.add(node.id);
    }
    rootIdsOfWalk.set(walk, rootIds);
  }
  const path: LineageEdgeEntry[] = [];
  let current = target;
  while (!rootIds.has(current)) {
    const edge = walk.parents.get(current);
    if (!edge || path.length > walk.nodes.length) return null;
    path.push(edge);
    current = edge.from.id;
  }
  return path.reverse();
}

/**
 * Node budgets of the successive walks of `findLineagePath`: each walk is a breadth-first prefix
 * of the whole walk (SQLite works the recursion first-in first-out), so the first one that reaches
 * the target holds a shortest path to it. A near target costs a walk of a few hundred nodes
 * instead of the whole graph; a far one costs at most 1 + 1/16 + 1/256 ... of the whole walk more.
 */
export const PATH_WALK_STAGES = [256, 4_096, 65_536] as const;

/**
 * A shortest path between two nodes, following lineage downstream from `from`, else upstream, of
 * at most `maxDepth` edges. Each direction walks in stages of growing node budgets
 * (PATH_WALK_STAGES, then the request's budget) and stops at the first that reaches the target or
 * walks the whole graph; a `maxDepth` of 1 to 3 is bounded inside the walk's statement.
 */
export async function findLineagePath(
  db: Db,
  orgId: string,
  request: {
    from: NodeRef;
    to: NodeRef;
    edgeTypes?: readonly EdgeType[] | null;
    maxDepth?: number | null;
    nodeBudget?: number;
  },
): Promise<{ edges: LineageEdgeEntry[]; walk: LineageWalk } | null> {
  validateMaxDepth(request.maxDepth, ['maxDepth']);
  const targetExists = await findExistingNodeIds(db, orgId, request.to.kind, [request.to.id]);
  if (!targetExists.has(request.to.id)) {
    throw new NotFoundError(
      `No ${request.to.kind} with this id`,
      ['to'],
      request.to.id,
      request.to.kind,
    );
  }
  const budget = request.nodeBudget ?? DEFAULT_NODE_BUDGET;
  const stages = [...PATH_WALK_STAGES.filter((stage) => stage < budget), budget];
  let rootExists = false;
  for (const direction of ['DOWNSTREAM', 'UPSTREAM'] as const) {
    for (const nodeBudget of stages) {
      const walk = await walkLineage(db, orgId, {
        root: request.from,
        rootPath: ['from'],
        rootExists,
        direction,
        edgeTypes: request.edgeTypes,
        maxDepth: request.maxDepth,
        nodeBudget,
      });
      rootExists = true;
      const edges = pathTo(walk, request.to.id);
      if (edges) return { edges, walk };
      // The whole walk (within maxDepth) without the target: not this way.
      if (!walk.isTruncated || walk.nodes.length < nodeBudget) break;
    }
  }
  return null;
}

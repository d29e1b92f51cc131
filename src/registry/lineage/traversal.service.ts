import type { Db } from '../../db/db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { findExistingNodeIds } from './lineage.repository.ts';
import { EDGE_TYPES, type EdgeType, type NodeKind } from './lineage.ts';
import {
  findEdgeDetails,
  findVersionIdsOfModel,
  MAX_DEPTH_IN_RECURSION,
  readFromSource,
  type WalkDirection,
  type WalkEdgeRow,
  type WalkQuery,
  type WalkResult,
  walkEdges,
} from './traversal.repository.ts';
import { type DiscoveredNode, type SegmentEdgeRow, walkSegment } from './walk-state.repository.ts';

/** Nodes one lineage request may visit before it answers with a truncated page. */
export const DEFAULT_NODE_BUDGET = 100_000;
/**
 * Edge rows one request may hold: the memory budget of a walk. The rows of the walk statement are
 * most of a walk's heap (~800 bytes per row as D1 hands them over, ~1 KB with properties and
 * creation time; bench/walk-heap.ts): 60,000 rows keep the largest page under 64 MB of an
 * isolate's 128 MB. A walk with more is answered a breadth-first segment at a time
 * (walk-segments.service.ts), each continuing from where the previous one stopped.
 */
export const DEFAULT_EDGE_ROW_BUDGET = 60_000;
/** The same with every edge's properties and creation time read with the walk. */
export const DEFAULT_DETAILED_EDGE_ROW_BUDGET = 40_000;
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
  /**
   * Set when the edge-row budget cut the walk: what a stored walk needs to go on from here
   * (walk-segments.service.ts). Null when the walk is whole, or cut by maxDepth or the node budget.
   */
  overflow: WalkOverflow | null;
  /**
   * Labels of the nodes by id, read with the walk when the request asked (`labels`): every node of
   * a walk held whole; of a walk cut by the edge-row budget, those its rows reached
   * (lineageLabels reads any other a page draws). Null when not asked.
   */
  labels: Map<string, string> | null;
}

/** Where a walk cut by the edge-row budget stopped, in the direction it was walking. */
export interface WalkOverflow {
  /** Index into the request's directions (UPSTREAM, DOWNSTREAM for BOTH). */
  directionIndex: number;
  segment: SegmentWalk;
  /**
   * The root's seeds and the nodes the earlier direction reached, held whole (a BOTH walk cut in
   * its second direction), at their depths that way: the stored walk records them, so that its
   * later segments do not list them, nor the edges it read, again. Unused (the seeds only) when the
   * cut direction is the first.
   */
  earlier: LineageNodeEntry[];
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
  /** Edge rows the walk may hold (DEFAULT_EDGE_ROW_BUDGET, or the detailed one). */
  edgeRowBudget?: number;
  /** Read the nodes' labels in the walk's own statement (a caller that will draw the walk). */
  labels?: boolean;
}

/** The directions a request walks, in order. */
export function directionsOf(direction: LineageDirection): WalkDirection[] {
  return direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [direction];
}

/** The edge-row budget of a request. */
export function edgeRowBudgetOf(request: Pick<LineageRequest, 'edgeRowBudget' | 'edgeDetails'>) {
  return (
    request.edgeRowBudget ??
    (request.edgeDetails ? DEFAULT_DETAILED_EDGE_ROW_BUDGET : DEFAULT_EDGE_ROW_BUDGET)
  );
}

/** The edge types a request follows: the given ones once each, or all. */
export function edgeTypesOf(edgeTypes: readonly EdgeType[] | null | undefined): EdgeType[] {
  return edgeTypes?.length ? [...new Set(edgeTypes)] : [...EDGE_TYPES];
}

/** A root's seeds: the node, and a Model's versions. */
export async function seedsOf(db: Db, orgId: string, root: NodeRef) {
  return root.kind === 'Model'
    ? [root.id, ...(await findVersionIdsOfModel(db, orgId, root.id))]
    : [root.id];
}

export function seedEntriesOf(root: NodeRef, seeds: readonly string[]): LineageNodeEntry[] {
  return seeds.map((id) => ({
    kind: id === root.id ? root.kind : 'ModelVersion',
    id,
    depth: 0,
    reachedBy: 'ROOT',
  }));
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
  const rowBudget = edgeRowBudgetOf(request);
  const edgeTypes = edgeTypesOf(request.edgeTypes);
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
  const seeds = await seedsOf(db, orgId, root);
  const directions = directionsOf(request.direction);
  const seedNodes = seedEntriesOf(root, seeds);
  const asOf = request.asOf ? request.asOf.toISOString() : null;
  const walks: ReturnType<typeof breadthFirst>[] = [];
  const edgeDetails = request.edgeDetails ? new Map<string, EdgeDetailText>() : null;
  const labels = request.labels ? new Map<string, string>() : null;
  let isTruncated = false;
  let reachedCount = 0;
  let rowsHeld = 0;
  let overflow: WalkOverflow | null = null;
  for (const [directionIndex, direction] of directions.entries()) {
    // The budget is per request: a BOTH walk's second direction gets what the first left.
    const limit = budget - reachedCount;
    if (limit <= seeds.length) {
      isTruncated = true;
      break;
    }
    const rowsLeft = rowBudget - rowsHeld;
    if (rowsLeft < 1) {
      isTruncated = true;
      // The earlier direction took the whole row budget: the stored walk records it as complete,
      // and its next segment starts this direction from the root.
      const done = walks[walks.length - 1];
      if (done) {
        const segment = completedSegment([...seedNodes, ...done.nodes], done.cut);
        overflow = { directionIndex: directionIndex - 1, segment, earlier: [] };
      }
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
      rowLimit: rowsLeft + 1,
      ...(labels ? { labelSeeds: seedNodes } : {}),
    };
    const maxDepth = request.maxDepth ?? null;
    const walk = await boundedWalk(db, query, limit, maxDepth);
    // Any label the walk read is the node's: kept whether or not the walk is held whole.
    const read = walk.whole ? walk.walk.labels : walk.labels;
    if (labels && read) for (const [id, label] of read) labels.set(id, label);
    if (!walk.whole) {
      // More rows than the memory budget: this direction's walk is served a breadth-first
      // segment at a time, the first one now: from the rows the walk read when they hold it,
      // else walked from the seeds.
      const first = {
        seeds: seedNodes,
        direction,
        maxDepth,
        // Each node expanded returns a row or is a sink: the recursion need not reach further.
        // (one more than that, so that reaching exactly that many is not taken for a cut).
        nodeLimit: Math.min(limit + 1, seeds.length + rowsLeft + 1),
        rowLimit: rowsLeft,
      };
      const segment =
        (walk.rows && firstSegmentOfRows(walk.rows, query.rowLimit, first)) ??
        (await walkFirstSegment(db, {
          ...first,
          orgId,
          edgeTypes,
          asOf,
          details: request.edgeDetails ?? false,
        }));
      if (edgeDetails) {
        for (const [id, properties, createdAt] of segment.details) {
          edgeDetails.set(id, [properties, createdAt]);
        }
      }
      overflow = {
        directionIndex,
        segment,
        earlier: [...seedNodes, ...walks.flatMap((done) => done.nodes)],
      };
      isTruncated = true;
      walks.push(segment);
      break;
    }
    const rows = walk.walk.edges;
    rowsHeld += rows.length;
    if (edgeDetails) {
      for (const [id, , , , , , , , properties, createdAt] of rows) {
        edgeDetails.set(id, [properties ?? null, createdAt as string]);
      }
    }
    if (walk.walk.reached > limit) isTruncated = true;
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
  return {
    root,
    nodes,
    edges,
    depthReached,
    isTruncated,
    parents,
    edgeDetails,
    overflow,
    labels,
  };
}

/**
 * One direction's walk within the row budget, or, when it has more rows (the statement stops one
 * row past the budget in each direction of its join), the rows of the unbounded walk if they can
 * start the stored walk (firstSegmentOfRows: every node it reached, no node budget cut). A few
 * hops are bounded inside the recursion: only what that depth needs is read. When the node budget
 * ends such a walk, the unbounded walk decides which nodes it keeps, as for any walk.
 */
async function boundedWalk(
  db: Db,
  query: WalkQuery & { rowLimit: number },
  limit: number,
  maxDepth: number | null,
): Promise<
  | { whole: true; walk: WalkResult }
  | { whole: false; rows: WalkEdgeRow[] | null; labels: WalkResult['labels'] }
> {
  let walk =
    maxDepth !== null && maxDepth <= MAX_DEPTH_IN_RECURSION
      ? await walkEdges(db, { ...query, maxDepth })
      : null;
  // Sorted by edge id and cut by a LIMIT: not a prefix of the queue.
  if (walk && walk.edges.length >= query.rowLimit) {
    return { whole: false, rows: null, labels: walk.labels };
  }
  if (!walk || walk.reached > limit) walk = await walkEdges(db, query);
  if (walk.edges.length < query.rowLimit) return { whole: true, walk };
  // Cut by the node budget, the rows are those among the reached nodes only.
  return { whole: false, rows: walk.reached > limit ? null : walk.edges, labels: walk.labels };
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

export function byDepthThenId(
  a: { depth: number; id: string },
  b: { depth: number; id: string },
): number {
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
    const downstreamFromSource = readFromSource(type, direction);
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

/**
 * One breadth-first segment of a walk too large for one request's memory: the edges read from a
 * prefix of the walk's queue, and what a stored walk records to go on (walk-segments.service.ts).
 */
export interface SegmentWalk {
  /**
   * Nodes first reached in this segment, by (depth, id), without its start nodes (listed before)
   * and, in a BOTH walk's second direction, without those the first direction listed.
   */
  nodes: LineageNodeEntry[];
  /**
   * The edges read from the nodes it expanded, each once, by (depth, id); in a BOTH walk's second
   * direction without those the first direction listed.
   */
  edges: LineageEdgeEntry[];
  parents: Map<string, LineageEdgeEntry>;
  /** maxDepth cut edges (or one node had more edges than the whole budget). */
  cut: boolean;
  /** Nothing is left to walk in this direction after this segment. */
  complete: boolean;
  /** Nodes to record as visited by this segment: [id, kind, depth, expanded here]. */
  discovered: DiscoveredNode[];
  /** Start nodes (an earlier segment's frontier) whose edges this segment read. */
  expandedStart: string[];
  /**
   * Ends of this segment's edges that earlier segments listed (frontier and visited nodes, and in
   * a BOTH walk's second direction the nodes the first one listed).
   */
  otherEnds: Map<string, LineageNodeEntry>;
  /** [id, properties, createdAt] of the edges, when the walk read details. */
  details: [string, string | null, string][];
  /** The node the budget stopped inside, and its last edge read (see SegmentQuery.resume). */
  resume: [string, string] | null;
}

/** What segmentOf knows of a node: its shared ref, its depth (-1: not yet), its edges read. */
interface NodeState {
  ref: NodeRef;
  depth: number;
  expanded: boolean;
}

/**
 * Puts `edges` in (depth, id) order in place: `edgeOfRow` holds each listed edge at its row's
 * index, `idOrder` the row indexes in edge id order; a stable pass by depth keeps that order.
 */
function edgesByDepthInIdOrder(
  edges: LineageEdgeEntry[],
  edgeOfRow: readonly (LineageEdgeEntry | undefined)[],
  idOrder: Int32Array,
): void {
  const startOf: number[] = [];
  for (const edge of edges) startOf[edge.depth] = (startOf[edge.depth] ?? 0) + 1;
  let total = 0;
  for (let depth = 0; depth < startOf.length; depth++) {
    const count = startOf[depth] ?? 0;
    startOf[depth] = total;
    total += count;
  }
  for (const index of idOrder) {
    const edge = edgeOfRow[index];
    if (!edge) continue;
    const position = startOf[edge.depth] as number;
    edges[position] = edge;
    startOf[edge.depth] = position + 1;
  }
}

/**
 * A segment from its statement's rows (ordered by the breadth-first place of the node each was
 * read from, then id). When the rows hit the budget, the last node's edges may be partial: they
 * are dropped and that node stays on the frontier. The nodes reached in order of their place in
 * the queue get the right depth: each node's parents of smaller depth come earlier in it.
 */
export function segmentOf(
  start: readonly LineageNodeEntry[],
  rows: SegmentEdgeRow[],
  options: {
    direction: WalkDirection;
    maxDepth: number | null;
    nodeLimit: number;
    rowLimit: number;
    /**
     * The start nodes are the root's seeds (a direction's first segment): record them as visited
     * by this segment. Otherwise they are an earlier segment's frontier, already recorded.
     */
    recordStart: boolean;
    /**
     * The rows are every edge read from the nodes before this place of the queue and none after
     * (at most rowLimit of them): the segment ends there, the walk goes on (firstSegmentOfRows).
     */
    endsBefore?: number;
    /**
     * The rows' indexes in edge id order (firstSegmentOfRows: the walk statement's order): the
     * edges then come out by (depth, id) by bucketing them by depth, without comparing ids.
     */
    idOrder?: Int32Array;
  },
): SegmentWalk {
  const { direction, maxDepth } = options;
  const endsBefore = options.endsBefore ?? null;
  // The statement is asked for one row more than the budget: a page that ends exactly at a node's
  // last edge then does not leave an empty page behind it.
  const rowLimitCut = endsBefore === null && rows.length > options.rowLimit;
  const rowCut = rowLimitCut || endsBefore !== null;
  const kept = rowLimitCut ? rows.slice(0, options.rowLimit) : rows;
  let cut = false;
  // The budget may have ended among the edges of the last node read: it stays on the frontier and
  // its next segment reads its edges after the last one here (rows are by seq, then edge id).
  const lastRow = rowLimitCut ? (kept[kept.length - 1] as SegmentEdgeRow) : null;
  let resume: [string, string] | null = null;
  if (lastRow) {
    const [, id, type, srcId, , dstId] = lastRow;
    const fromSource = readFromSource(type, direction);
    resume = [fromSource ? srcId : dstId, id];
  }
  const nodeCut = (rows[0]?.[7] ?? 0) >= options.nodeLimit;
  // One entry per node id met (a Map lookup per edge end): its shared { kind, id }, its depth (-1
  // until the segment knows it) and whether the segment read its edges.
  const states = new Map<string, NodeState>();
  const stateOf = (kind: NodeKind, id: string) => {
    let state = states.get(id);
    if (!state) {
      state = { ref: { kind, id }, depth: -1, expanded: false };
      states.set(id, state);
    }
    return state;
  };
  const otherEnds = new Map<string, LineageNodeEntry>();
  for (const node of start) {
    stateOf(node.kind, node.id).depth = node.depth;
    // Listed by an earlier page (a frontier), or with the root (the root's seeds).
    otherEnds.set(node.id, node);
  }
  const nodes: LineageNodeEntry[] = [];
  // Reached here and walked on, but listed by the walk's other direction (a row's `listed`).
  const listedBefore: LineageNodeEntry[] = [];
  const otherDirection: WalkDirection = direction === 'DOWNSTREAM' ? 'UPSTREAM' : 'DOWNSTREAM';
  const edges: LineageEdgeEntry[] = [];
  // The edge listed from each kept row, by row index (for idOrder).
  const edgeOfRow: (LineageEdgeEntry | undefined)[] | null = options.idOrder
    ? new Array(kept.length)
    : null;
  const parents = new Map<string, LineageEdgeEntry>();
  const details: [string, string | null, string][] = [];
  for (let index = 0; index < kept.length; index++) {
    const row = kept[index] as SegmentEdgeRow;
    const [, id, type, srcId, srcKind, dstId, dstKind, , known, listed] = row;
    const fromSource = readFromSource(type, direction);
    const source = stateOf(srcKind, srcId);
    const target = stateOf(dstKind, dstId);
    const from = fromSource ? source : target;
    const to = fromSource ? target : source;
    const fromDepth = from.depth;
    // Read from a node past maxDepth (the recursion does not know depths): not part of the walk.
    if (fromDepth < 0) continue;
    from.expanded = true;
    if (maxDepth !== null && fromDepth >= maxDepth) {
      cut = true;
      continue;
    }
    const entry: LineageEdgeEntry = {
      id,
      type,
      source: source.ref,
      target: target.ref,
      from: from.ref,
      to: to.ref,
      depth: fromDepth + 1,
    };
    // The other direction read this edge from `to` (each direction reads an edge from one end
    // only) when it reached `to` short of maxDepth: it listed it.
    if (listed === null || (maxDepth !== null && listed >= maxDepth)) {
      edges.push(entry);
      if (edgeOfRow) edgeOfRow[index] = entry;
      if (row.length > 10) details.push([id, row[10] ?? null, row[11] as string]);
    }
    if (to.depth >= 0) continue;
    const toRef = to.ref;
    if (known !== null) {
      // Listed by an earlier segment (of the other direction, when it listed it): an end on
      // another page.
      to.depth = known;
      const [depth, by]: [number, WalkDirection] =
        listed === null ? [known, direction] : [listed, otherDirection];
      otherEnds.set(toRef.id, {
        kind: toRef.kind,
        id: toRef.id,
        depth,
        reachedBy: depth ? by : 'ROOT',
      });
      continue;
    }
    to.depth = fromDepth + 1;
    const node: LineageNodeEntry = {
      kind: toRef.kind,
      id: toRef.id,
      depth: fromDepth + 1,
      reachedBy: direction,
    };
    if (listed !== null) {
      // Listed by the other direction (at its depth that way): recorded and walked on from here.
      listedBefore.push(node);
      const reachedBy = listed ? otherDirection : 'ROOT';
      otherEnds.set(toRef.id, { kind: toRef.kind, id: toRef.id, depth: listed, reachedBy });
      continue;
    }
    nodes.push(node);
    parents.set(toRef.id, entry);
  }
  // The start nodes are the first places of the queue, in order: those before the node the
  // budget stopped inside were expanded, edges or not (one without edges returns no rows).
  const lastSeq = lastRow ? lastRow[0] : (endsBefore ?? Number.POSITIVE_INFINITY);
  start.forEach((node, index) => {
    if (index + 1 < lastSeq) stateOf(node.kind, node.id).expanded = true;
  });
  if (resume) {
    const stopped = states.get(resume[0]);
    if (stopped) stopped.expanded = false;
  }
  const isExpanded = (id: string, depth: number) =>
    states.get(id)?.expanded || (maxDepth !== null && depth >= maxDepth) ? 1 : 0;
  const discovered: DiscoveredNode[] = [...nodes, ...listedBefore].map((node) => [
    node.id,
    node.kind,
    node.depth,
    isExpanded(node.id, node.depth),
  ]);
  if (options.recordStart) {
    for (const node of start) {
      discovered.unshift([node.id, node.kind, node.depth, isExpanded(node.id, node.depth)]);
    }
  }
  nodes.sort(byDepthThenId);
  if (edgeOfRow && options.idOrder) {
    edgesByDepthInIdOrder(edges, edgeOfRow, options.idOrder);
  } else {
    edges.sort(byDepthThenId);
  }
  const expandedStart = options.recordStart
    ? []
    : start.filter((node) => states.get(node.id)?.expanded).map((node) => node.id);
  return {
    nodes,
    edges,
    parents,
    cut,
    complete: !rowCut && !nodeCut,
    discovered,
    expandedStart,
    otherEnds,
    details,
    resume,
  };
}

/**
 * A direction held whole as the stored walk's segment (`visited`: the root's seeds and the nodes it
 * reached, all expanded): the next segment starts the next direction from the root.
 */
function completedSegment(visited: readonly LineageNodeEntry[], cut: boolean): SegmentWalk {
  return {
    nodes: [],
    edges: [],
    parents: new Map(),
    cut,
    complete: true,
    discovered: visited.map((node) => [node.id, node.kind, node.depth, 1]),
    expandedStart: [],
    otherEnds: new Map(),
    details: [],
    resume: null,
  };
}

/**
 * A direction's first segment from the rows of its unbounded walk (boundedWalk), instead of
 * walking it again: null when they hold too little of it. Each direction of the walk's join
 * (edges read from their source, and from their target) returned at most `branchLimit` rows in
 * queue order, so one that returned that many may have stopped inside the edges of the last node
 * it read from: the rows read from nodes before it are all there. Ordered by (seq, id), those rows
 * are the segment statement's rows, and its first rowLimit + 1 when they are that many; otherwise
 * the segment ends before that node, none of whose edges it lists. Empties `rows`.
 */
export function firstSegmentOfRows(
  rows: WalkEdgeRow[],
  branchLimit: number,
  query: {
    seeds: readonly LineageNodeEntry[];
    direction: WalkDirection;
    maxDepth: number | null;
    nodeLimit: number;
    rowLimit: number;
  },
): SegmentWalk | null {
  const count = [0, 0];
  const last = [0, 0];
  for (const row of rows) {
    const side = readFromSource(row[1], query.direction) ? 0 : 1;
    count[side] = (count[side] as number) + 1;
    last[side] = Math.max(last[side] as number, row[7] as number);
  }
  let boundary = Number.POSITIVE_INFINITY;
  for (const side of [0, 1]) {
    if ((count[side] as number) >= branchLimit) boundary = Math.min(boundary, last[side] as number);
  }
  const prefix: SegmentEdgeRow[] = [];
  for (const row of rows) {
    const [id, type, srcId, srcKind, dstId, dstKind, reached, seq] = row;
    if ((seq as number) >= boundary) continue;
    const segmentRow: SegmentEdgeRow = [
      seq as number,
      id,
      type,
      srcId,
      srcKind,
      dstId,
      dstKind,
      reached,
      null,
      null,
    ];
    if (row.length > 8) segmentRow.push(row[8] ?? null, row[9] as string);
    prefix.push(segmentRow);
  }
  // The walk's rows are most of its heap: the segment's copies are what it keeps.
  rows.length = 0;
  // A node with most of the budget's edges on one side: its segment is read by the segment
  // statement, which stops inside it, rather than a page of a few rows.
  if (prefix.length * 2 < query.rowLimit) return null;
  // By seq, stably (the rows of one node stay in edge id order, the walk's ORDER BY): a counting
  // sort, seq being the node's place in the queue. idOrder keeps where each row went, so that
  // segmentOf can give its edges (depth, id) order without comparing ids.
  const { sorted, idOrder } = bySeq(prefix);
  const options = { ...query, recordStart: true, idOrder };
  return sorted.length > query.rowLimit
    ? segmentOf(query.seeds, sorted.slice(0, query.rowLimit + 1), options)
    : segmentOf(query.seeds, sorted, { ...options, endsBefore: boundary });
}

/**
 * `rows` (in edge id order) stably sorted by seq, and for each of them in id order its index in
 * the sorted rows.
 */
function bySeq(rows: readonly SegmentEdgeRow[]): { sorted: SegmentEdgeRow[]; idOrder: Int32Array } {
  let maxSeq = 0;
  for (const row of rows) if (row[0] > maxSeq) maxSeq = row[0];
  const startOf = new Int32Array(maxSeq + 2);
  for (const row of rows) startOf[row[0] + 1] = (startOf[row[0] + 1] as number) + 1;
  for (let seq = 1; seq < startOf.length; seq++) {
    startOf[seq] = (startOf[seq] as number) + (startOf[seq - 1] as number);
  }
  const sorted = new Array<SegmentEdgeRow>(rows.length);
  const idOrder = new Int32Array(rows.length);
  rows.forEach((row, index) => {
    const position = startOf[row[0]] as number;
    sorted[position] = row;
    idOrder[index] = position;
    startOf[row[0]] = position + 1;
  });
  return { sorted, idOrder };
}

/** A direction's first segment, from the root's seeds. */
async function walkFirstSegment(
  db: Db,
  query: {
    orgId: string;
    seeds: readonly LineageNodeEntry[];
    direction: WalkDirection;
    edgeTypes: readonly EdgeType[];
    asOf: string | null;
    details: boolean;
    nodeLimit: number;
    rowLimit: number;
    maxDepth: number | null;
  },
): Promise<SegmentWalk> {
  const rows = await walkSegment(db, {
    orgId: query.orgId,
    direction: query.direction,
    edgeTypes: query.edgeTypes,
    asOf: query.asOf,
    details: query.details,
    seeds: query.seeds.map((node) => node.id),
    stored: null,
    listedBy: null,
    resume: null,
    nodeLimit: query.nodeLimit,
    rowLimit: query.rowLimit + 1,
  });
  return segmentOf(query.seeds, rows, { ...query, recordStart: true });
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

/** What lineagePath is asked: the two ends and the walk's bounds. */
export interface LineagePathRequest {
  from: NodeRef;
  to: NodeRef;
  edgeTypes?: readonly EdgeType[] | null;
  maxDepth?: number | null;
  nodeBudget?: number;
  edgeRowBudget?: number;
}

/**
 * A shortest path between two nodes, following lineage downstream from `from`, else upstream, of
 * at most `maxDepth` edges. Each direction walks in stages of growing node budgets
 * (PATH_WALK_STAGES, then the request's budget) and stops at the first that reaches the target or
 * walks the whole graph; a `maxDepth` of 1 to 3 is bounded inside the walk's statement.
 */
export async function findLineagePath(
  db: Db,
  orgId: string,
  request: LineagePathRequest & {
    /**
     * Searches a direction whose walk the edge-row budget cut (lineage-path.service.ts walks its
     * stored-frontier segments); without it such a direction counts as not reaching `to`.
     */
    beyondRowBudget?: (
      direction: 'DOWNSTREAM' | 'UPSTREAM',
    ) => Promise<{ edges: LineageEdgeEntry[]; walk: LineageWalk } | null>;
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
        edgeRowBudget: request.edgeRowBudget,
      });
      rootExists = true;
      const edges = pathTo(walk, request.to.id);
      if (edges) return { edges, walk };
      // Cut by the edge-row budget: the rest of this direction is past one request's rows.
      if (walk.overflow) {
        const found = await request.beyondRowBudget?.(direction);
        if (found) return found;
        break;
      }
      // The whole walk (within maxDepth) without the target: not this way.
      if (!walk.isTruncated || walk.nodes.length < nodeBudget) break;
    }
  }
  return null;
}

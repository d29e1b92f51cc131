// Pages of a lineage walk for both APIs (issue 20, section 5). Within the edge-row budget a walk is
// read whole and paged by (depth, id) in memory. Past it, the walk is answered a breadth-first
// segment at a time: the first request walks until the budget and stores what it visited (migration
// 0017); the cursor of its last page points at that stored walk, and each following page continues
// from the stored frontier, skipping every node visited before, so no page re-runs the walk
// before it and no edge comes twice.
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import type { LineageWalkTable } from './lineage.table.ts';
import {
  type LineagePage,
  type LineagePageRequest,
  pageLineage,
  parseWalkCursor,
  walkCursor,
} from './pages.ts';
import {
  byDepthThenId,
  DEFAULT_NODE_BUDGET,
  directionsOf,
  type EdgeDetailText,
  edgeRowBudgetOf,
  edgeTypesOf,
  type LineageEdgeEntry,
  type LineageNodeEntry,
  type LineageRequest,
  type LineageWalk,
  type SegmentWalk,
  seedEntriesOf,
  seedsOf,
  segmentOf,
  validateMaxDepth,
  walkLineage,
} from './traversal.service.ts';
import {
  type DiscoveredNode,
  deleteExpiredWalks,
  deleteExpiredWalksOfAnyOrg,
  deleteStoredWalk,
  findFrontier,
  findStoredWalk,
  insertDiscoveredNodes,
  insertStoredWalk,
  markExpanded,
  type StoredWalkPosition,
  storedWalkCutAtDepth,
  updateWalkSegments,
  walkSegment,
} from './walk-state.repository.ts';

/** How long the cursor of a stored walk can be followed. */
export const STORED_WALK_TTL_MS = 60 * 60 * 1000;

/**
 * Walks per purge statement: a walk holds up to a node budget of node rows (100,000), deleted with
 * it, so a statement deletes at most ~1M rows, far inside D1's 30 s per query.
 */
const PURGE_CHUNK = 10;
/** Statements per purge run; what is left waits for the next trigger. */
const PURGE_MAX_STATEMENTS = 50;

/**
 * Deletes the stored walks whose cursors expired before `now`, in every organization (storing a new
 * walk purges only its own organization's). Returns how many walks it deleted.
 */
export async function purgeExpiredWalks(deps: Pick<Deps, 'db'>, now: Date): Promise<number> {
  let deleted = 0;
  for (let statement = 0; statement < PURGE_MAX_STATEMENTS; statement += 1) {
    const count = await deleteExpiredWalksOfAnyOrg(deps.db, now.toISOString(), PURGE_CHUNK);
    deleted += count;
    if (count < PURGE_CHUNK) break;
  }
  return deleted;
}

/** The parameters a stored walk continues; a cursor is refused for any other request. */
interface StoredWalkRequest {
  root: { kind: string; id: string };
  direction: string;
  edgeTypes: string[];
  maxDepth: number | null;
  asOf: string | null;
  nodeBudget: number;
}

/**
 * Per served segment: [direction index, direction complete (0/1), nodes, edges, depth, the node
 * the segment stopped inside and its last edge read (or nulls), maxDepth cut the walk through it
 * (0/1; absent in walks stored before it was recorded)].
 */
type SegmentSummary = [
  number,
  0 | 1,
  number,
  number,
  number,
  string | null,
  string | null,
  (0 | 1)?,
];

function storedRequestOf(request: LineageRequest): StoredWalkRequest {
  return {
    root: { kind: request.root.kind, id: request.root.id },
    direction: request.direction,
    edgeTypes: edgeTypesOf(request.edgeTypes).sort(),
    maxDepth: request.maxDepth ?? null,
    asOf: request.asOf ? request.asOf.toISOString() : null,
    nodeBudget: request.nodeBudget ?? DEFAULT_NODE_BUDGET,
  };
}

/**
 * One page of a node's lineage: of the walk held in memory (by (depth, id)), or, for a cursor of a
 * stored walk, that walk's next segment. `afterPath` names the cursor's argument for errors.
 */
export async function lineagePage(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineageRequest,
  page: LineagePageRequest,
  afterPath: readonly string[] = ['after'],
): Promise<LineagePage> {
  if (page.segment) return continueWalk(deps, viewer, request, page, afterPath);
  const walk = await walkLineage(deps.db, viewer.orgId, request);
  const first = pageLineage(walk, page);
  // The last page of a walk cut by the edge-row budget: store the walk, point at its next segment.
  if (!walk.overflow || first.hasNextPage) return first;
  const walkId = await storeWalk(deps, viewer, request, walk);
  return {
    ...first,
    hasNextPage: true,
    isTruncated: true,
    segmentCut: walk.overflow.segment.cut,
    endCursor: walkCursor({ walkId, segment: 2 }),
  };
}

/**
 * Segments one request may walk for a caller that needs the whole walk (impact): each costs ~5 D1
 * statements (the stored walk, its frontier, the segment, the visited nodes), so 100 stay well
 * inside the 1,000 queries of a Worker invocation. At the default budget of 60,000 edge rows that
 * is millions of edges, past the node budget of any walk.
 */
export const MAX_SEGMENTS_PER_REQUEST = 100;

/** What walkEverySegment walked. */
export interface EverySegmentWalk {
  depthReached: number;
  totalNodes: number;
  totalEdges: number;
  /** maxDepth or the node budget cut the walk, or it needed more than MAX_SEGMENTS_PER_REQUEST. */
  isTruncated: boolean;
  segments: number;
}

/**
 * The whole walk within one request, for callers that keep a summary of it rather than its rows
 * (impact): each page (the walk whole, or past the edge-row budget one breadth-first segment at a
 * time, as lineagePage pages it) is handed to `onPage` and dropped before the next is read, so the
 * request holds at most one page's rows besides what `onPage` keeps. The node budget holds for
 * the whole walk. The stored walk, whose cursor never leaves the request, is deleted at the end.
 */
export async function walkEverySegment(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineageRequest,
  onPage: (page: LineagePage) => void,
): Promise<EverySegmentWalk> {
  const nodeBudget = request.nodeBudget ?? DEFAULT_NODE_BUDGET;
  let page = await lineagePage(deps, viewer, request, { size: nodeBudget, after: null });
  onPage(page);
  let segments = 1;
  const first = page.hasNextPage && page.endCursor ? parseWalkCursor(page.endCursor) : null;
  let stoppedEarly = false;
  while (page.hasNextPage) {
    const segment = page.endCursor ? parseWalkCursor(page.endCursor) : null;
    if (!segment) throw new Error('A walk past the edge-row budget gave no cursor to go on');
    if (segments >= MAX_SEGMENTS_PER_REQUEST || page.totalNodes >= nodeBudget) {
      stoppedEarly = true;
      break;
    }
    const size = nodeBudget - page.totalNodes;
    page = await lineagePage(deps, viewer, request, { size, after: null, segment });
    onPage(page);
    segments += 1;
  }
  if (first) await deleteStoredWalk(deps.db, viewer.orgId, first.walkId);
  return {
    depthReached: page.depthReached,
    totalNodes: page.totalNodes,
    totalEdges: page.totalEdges,
    // The last page says whether maxDepth (or, for a walk held whole, the node budget) cut it.
    isTruncated: (page.segmentCut ?? page.isTruncated) || stoppedEarly,
    segments,
  };
}

/**
 * The whole walk's nodes and shortest-path tree (parents) without its edge rows, for callers that
 * follow paths through it (impact's paths to deployments, lineagePath): the walk as it is when
 * one request holds it, else assembled from every segment (walkEverySegment), one page's rows at
 * a time. `edges` is empty in the assembled case.
 */
export async function walkShortestPathTree(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineageRequest,
): Promise<LineageWalk> {
  const nodes: LineageNodeEntry[] = [];
  const parents = new Map<string, LineageEdgeEntry>();
  let single: LineageWalk | null = null;
  const summary = await walkEverySegment(deps, viewer, request, (page) => {
    if (page.segmentCut === undefined && !page.hasNextPage) {
      // The walk held whole (the usual case): keep it as it is.
      single = page.walk;
      return;
    }
    for (const node of page.nodes) nodes.push(node);
    for (const [id, edge] of page.walk.parents) parents.set(id, edge);
  });
  return (
    single ?? {
      root: request.root,
      nodes: nodes.sort(byDepthThenId),
      edges: [],
      depthReached: summary.depthReached,
      isTruncated: summary.isTruncated,
      parents,
      edgeDetails: null,
      overflow: null,
      labels: null,
    }
  );
}

async function storeWalk(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineageRequest,
  walk: LineageWalk,
): Promise<string> {
  const overflow = walk.overflow as NonNullable<LineageWalk['overflow']>;
  const directions = directionsOf(request.direction);
  const now = nowIso();
  const row: LineageWalkTable = {
    id: newId(),
    org_id: viewer.orgId,
    created_by: viewer.userId,
    created_at: now,
    expires_at: new Date(Date.parse(now) + STORED_WALK_TTL_MS).toISOString(),
    request: JSON.stringify(storedRequestOf(request)),
    segments: JSON.stringify([
      [
        overflow.directionIndex,
        overflow.segment.complete ? 1 : 0,
        walk.nodes.length,
        walk.edges.length,
        walk.depthReached,
        overflow.segment.resume?.[0] ?? null,
        overflow.segment.resume?.[1] ?? null,
        overflow.segment.cut ? 1 : 0,
      ] satisfies SegmentSummary,
    ]),
  };
  const position: StoredWalkPosition = {
    walkId: row.id,
    direction: directions[overflow.directionIndex] as StoredWalkPosition['direction'],
    segment: 1,
  };
  // A BOTH walk cut in its second direction: the first one, held whole on this page, is recorded
  // too (the root's seeds with it), so that no later segment lists its nodes or edges again.
  const earlier =
    overflow.directionIndex === 0
      ? []
      : overflow.earlier.map((node): DiscoveredNode => [node.id, node.kind, node.depth, 1]);
  const earlierPosition: StoredWalkPosition = {
    walkId: row.id,
    direction: directions[0] as StoredWalkPosition['direction'],
    segment: 1,
  };
  await runBatch(deps.d1, [
    deleteExpiredWalks(deps.db, viewer.orgId, now),
    insertStoredWalk(deps.db, row),
    ...insertDiscoveredNodes(deps.db, earlierPosition, earlier),
    ...insertDiscoveredNodes(deps.db, position, overflow.segment.discovered),
  ]);
  return row.id;
}

/** The segment a walk cursor points at, continued from the stored walk's frontier. */
async function continueWalk(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineageRequest,
  page: LineagePageRequest,
  afterPath: readonly string[],
): Promise<LineagePage> {
  validateMaxDepth(request.maxDepth, ['maxDepth']);
  const cursor = page.segment as NonNullable<LineagePageRequest['segment']>;
  const refused = (why: string) =>
    new ValidationError(`"after" is not a cursor of this lineage graph: ${why}`, afterPath);
  // Another organization's walk looks missing, exactly as an unknown one.
  const stored = await findStoredWalk(deps.db, viewer.orgId, cursor.walkId);
  if (!stored) throw refused('no such walk');
  if (stored.expires_at < nowIso()) throw refused('it expired; walk again from the first page');
  const storedRequest = JSON.parse(stored.request) as StoredWalkRequest;
  if (JSON.stringify(storedRequest) !== JSON.stringify(storedRequestOf(request))) {
    throw refused('it belongs to a walk with other arguments');
  }
  const segments = JSON.parse(stored.segments) as SegmentSummary[];
  const previous = segments[cursor.segment - 2];
  if (!previous) throw refused('no such page');
  const directions = directionsOf(request.direction);
  const [previousDirection, previousComplete, nodesBefore, edgesBefore, depthBefore] = previous;
  const [, , , , , resumeNode, resumeAfter, cutBefore] = previous;
  const directionIndex = previousDirection + previousComplete;
  const direction = directions[directionIndex];
  if (!direction) throw refused('the walk had ended');
  const position: StoredWalkPosition = {
    walkId: stored.id,
    direction,
    segment: cursor.segment,
  };
  // A direction's first segment starts at the root; a later one at the stored frontier.
  const fromRoot = previousComplete === 1;
  // A BOTH walk's second direction lists neither the nodes nor the edges the first one listed.
  const listedBy =
    directionIndex === 0
      ? null
      : { walkId: stored.id, direction: directions[0] as StoredWalkPosition['direction'] };
  const frontier = fromRoot ? [] : await findFrontier(deps.db, position, listedBy);
  const start: LineageNodeEntry[] = fromRoot
    ? seedEntriesOf(request.root, await seedsOf(deps.db, viewer.orgId, request.root))
    : frontier.map(([id, kind, depth]) => ({
        kind,
        id,
        depth,
        reachedBy: depth === 0 ? 'ROOT' : direction,
      }));
  // Whether this page reads edge details (and so its row budget) is this request's choice.
  const rowLimit = edgeRowBudgetOf(request);
  // Each node expanded returns a row or is a sink: the recursion need not reach further than the
  // rows the page may hold (nor than the page's nodes), so a page never walks the rest of the graph.
  // The node the previous segment stopped inside comes first (its depth is the frontier's
  // smallest), so that it is finished before the budget can stop inside another one.
  const resumeAt = fromRoot ? -1 : start.findIndex((node) => node.id === resumeNode);
  if (resumeAt > 0) start.unshift(...start.splice(resumeAt, 1));
  // One more, so that reaching exactly that many is not taken for a cut.
  const nodeLimit = start.length + Math.min(page.size, storedRequest.nodeBudget, rowLimit) + 1;
  const rows = await walkSegment(deps.db, {
    orgId: viewer.orgId,
    direction,
    edgeTypes: edgeTypesOf(request.edgeTypes),
    asOf: storedRequest.asOf,
    details: request.edgeDetails ?? false,
    seeds: start.map((node) => node.id),
    stored: position,
    listedBy,
    resume: !fromRoot && resumeNode && resumeAfter ? [resumeNode, resumeAfter] : null,
    nodeLimit,
    rowLimit: rowLimit + 1,
  });
  const segment = segmentOf(start, rows, {
    direction,
    maxDepth: storedRequest.maxDepth,
    nodeLimit,
    rowLimit,
    recordStart: fromRoot,
  });
  // A frontier node the first direction listed is an end on that direction's page.
  for (const [id, kind, , listed] of frontier) {
    if (listed === null || !segment.otherEnds.has(id)) continue;
    const reachedBy = listed === 0 ? 'ROOT' : (listedBy?.direction ?? direction);
    segment.otherEnds.set(id, { kind, id, depth: listed, reachedBy });
  }
  // The root's seeds were listed by the first page, whichever direction starts here; in a BOTH
  // walk's second direction, segmentOf left out what the first one listed.
  const pageNodes = segment.nodes;
  const edges = segment.edges;
  let depthReached = depthBefore;
  for (const node of pageNodes) if (node.depth > depthReached) depthReached = node.depth;
  let cut = cutBefore === 1 || segment.cut;
  const summary: SegmentSummary = [
    directionIndex,
    segment.complete ? 1 : 0,
    nodesBefore + pageNodes.length,
    edgesBefore + edges.length,
    depthReached,
    segment.resume?.[0] ?? null,
    segment.resume?.[1] ?? null,
    cut ? 1 : 0,
  ];
  const hasNextPage = !(segment.complete && directionIndex === directions.length - 1);
  if (hasNextPage) {
    segments[cursor.segment - 1] = summary;
    const writes: BatchQuery[] = [
      ...insertDiscoveredNodes(deps.db, position, segment.discovered),
      ...markExpanded(deps.db, position, segment.expandedStart),
      updateWalkSegments(deps.db, stored.id, JSON.stringify(segments)),
    ];
    await runBatch(deps.d1, writes);
  }
  // The last page: nodes earlier pages recorded at maxDepth were not read; their edges say
  // whether maxDepth cut the walk (this page read its own).
  if (!hasNextPage && !cut && storedRequest.maxDepth !== null) {
    cut = await storedWalkCutAtDepth(deps.db, {
      walkId: stored.id,
      orgId: viewer.orgId,
      directions,
      edgeTypes: edgeTypesOf(request.edgeTypes),
      asOf: storedRequest.asOf,
      maxDepth: storedRequest.maxDepth,
    });
  }
  return segmentPage(request, { ...segment, edges, cut }, pageNodes, {
    hasNextPage,
    cursor: hasNextPage ? walkCursor({ walkId: stored.id, segment: cursor.segment + 1 }) : null,
    summary,
  });
}

function segmentPage(
  request: LineageRequest,
  segment: SegmentWalk,
  nodes: LineageNodeEntry[],
  next: { hasNextPage: boolean; cursor: string | null; summary: SegmentSummary },
): LineagePage {
  const edgeDetails = request.edgeDetails
    ? new Map<string, EdgeDetailText>(
        segment.details.map(([id, properties, createdAt]) => [id, [properties, createdAt]]),
      )
    : null;
  const walk: LineageWalk = {
    root: request.root,
    nodes,
    edges: segment.edges,
    depthReached: next.summary[4],
    isTruncated: true,
    parents: segment.parents,
    edgeDetails,
    overflow: null,
    labels: null,
  };
  const endEntries = new Map<string, LineageNodeEntry>(segment.otherEnds);
  for (const node of nodes) endEntries.set(node.id, node);
  return {
    walk,
    nodes,
    edges: segment.edges,
    hasNextPage: next.hasNextPage,
    isTruncated: next.hasNextPage || segment.cut,
    segmentCut: segment.cut,
    // A segment is served whole: no cursor points inside it.
    startCursor: null,
    endCursor: next.cursor,
    totalNodes: next.summary[2],
    totalEdges: next.summary[3],
    depthReached: next.summary[4],
    endEntries,
  };
}

// Walks answered a segment at a time (issue 20, section 5; migration 0017): the statement that walks
// one segment from the request's seeds or from a stored walk's frontier, and the stored walk itself.
import { type Compilable, type CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { rawRows } from '../../db/raw.ts';
import { jsonKeys } from '../keys.ts';
import type { LineageWalkTable } from './lineage.table.ts';
import type { EdgeType, NodeKind } from './lineage.ts';
import { directionTypes, liveCondition, type WalkDirection } from './traversal.repository.ts';

/** A query for the batch helper (db/batch.ts), free of Workers types like every repository. */
type BatchQuery = Compilable | CompiledQuery;

/**
 * One edge of a segment: `seq` is the place of the node it was read from in the walk's
 * breadth-first order (the recursion's queue), `reached` the nodes the recursion reached, `known`
 * the stored depth of the far end when an earlier segment visited it (else null), `listed` its
 * stored depth in the walk's other direction (SegmentQuery.listedBy; else null).
 */
export type SegmentEdgeRow = [
  seq: number,
  id: string,
  type: EdgeType,
  srcId: string,
  srcKind: NodeKind,
  dstId: string,
  dstKind: NodeKind,
  reached: number,
  known: number | null,
  listed: number | null,
  properties?: string | null,
  createdAt?: string,
];

/** The walk a segment continues: its id, the direction, and the segment being served. */
export interface StoredWalkPosition {
  walkId: string;
  direction: WalkDirection;
  segment: number;
}

export interface SegmentQuery {
  orgId: string;
  direction: WalkDirection;
  edgeTypes: readonly EdgeType[];
  asOf: string | null;
  details: boolean;
  /**
   * Start from these nodes, in breadth-first order (by depth): the root's seeds, or the stored
   * walk's frontier (findFrontier). json_each keeps their order, the recursion's queue starts so.
   */
  seeds: readonly string[];
  /**
   * The node the previous segment stopped inside (the budget ended among its edges) and the last
   * of its edges it read: its edges are read from the next id on.
   */
  resume: readonly [nodeId: string, afterEdgeId: string] | null;
  /** Skip the nodes this walk visited before `segment` (null: nothing visited yet). */
  stored: StoredWalkPosition | null;
  /**
   * A BOTH walk's second direction: the stored walk and its first direction, whose nodes (all
   * recorded: that direction is complete) each row's `listed` looks the far end up in.
   */
  listedBy: { walkId: string; direction: WalkDirection } | null;
  /** Nodes the recursion may reach, the seeds included. */
  nodeLimit: number;
  /** Edge rows the segment may return: the memory budget. */
  rowLimit: number;
}

/** Nodes of the stored walk visited before the segment, in one direction. */
function visitedBefore(position: StoredWalkPosition, node: RawBuilder<unknown>) {
  return sql`SELECT v.depth FROM lineage_walk_node AS v WHERE v.walk_id = ${position.walkId}
    AND v.direction = ${position.direction} AND v.node_id = ${node}
    AND v.discovered_in < ${position.segment}`;
}

/** The frontier of a stored walk when `segment` starts: visited before it, not expanded before it. */
function frontierCondition(position: StoredWalkPosition) {
  return sql`walk_id = ${position.walkId} AND direction = ${position.direction}
    AND discovered_in < ${position.segment}
    AND (expanded_in IS NULL OR expanded_in >= ${position.segment})`;
}

/**
 * One segment of a walk: the recursion (ids only, as walkEdgesStatement's) from the seeds, skipping
 * nodes visited by earlier segments, then the edges read from the reached nodes in breadth-first
 * order (`seq`, then edge id), at most rowLimit of them. The nodes whose edges all came back are
 * expanded; the one the limit stopped inside resumes after its last edge read; the rest is the
 * next segment's frontier. No "other end reached" test: an edge to a node the
 * recursion did not reach is the way to it, and the next segment starts there.
 */
export function walkSegmentStatement(query: SegmentQuery) {
  const { bySource, byTarget } = directionTypes(query);
  const live = liveCondition(query.asOf);
  const stored = query.stored;
  const seeds = sql`SELECT value FROM ${jsonKeys(query.seeds)}`;
  const resumed = query.resume
    ? sql`AND (r.id <> ${query.resume[0]} OR e.id > ${query.resume[1]})`
    : sql``;
  const unvisited = (node: string) =>
    stored ? sql`AND NOT EXISTS (${visitedBefore(stored, sql.raw(node))})` : sql``;
  const known = (node: string) =>
    stored ? sql`(${visitedBefore(stored, sql.raw(node))})` : sql`NULL`;
  const listedBy = query.listedBy;
  const listed = (node: string) =>
    listedBy
      ? sql`(SELECT v.depth FROM lineage_walk_node AS v WHERE v.walk_id = ${listedBy.walkId}
        AND v.direction = ${listedBy.direction} AND v.node_id = ${sql.raw(node)})`
      : sql`NULL`;
  const details = sql.raw(query.details ? ', e.properties, e.created_at' : '');
  const side = (near: 'src_id' | 'dst_id', far: 'src_id' | 'dst_id', types: string) => sql`
    SELECT r.seq, e.id, e.type, e.src_id, e.src_kind, e.dst_id, e.dst_kind,
      (SELECT n FROM total), ${known(`e.${far}`)}, ${listed(`e.${far}`)}${details}
    FROM reached AS r CROSS JOIN edge AS e ON e.${sql.raw(near)} = r.id
    WHERE +e.type IN (SELECT value FROM json_each(${types})) AND e.org_id = ${query.orgId}
      AND ${live('e')} ${resumed}`;
  return sql<Record<string, unknown>>`
    WITH RECURSIVE reach(id) AS (
      ${seeds}
      UNION
      SELECT e.dst_id FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE +e.type IN (SELECT value FROM json_each(${bySource})) AND ${live('e')}
        AND e.org_id = ${query.orgId} ${unvisited('e.dst_id')}
      UNION
      SELECT e.src_id FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE +e.type IN (SELECT value FROM json_each(${byTarget})) AND ${live('e')}
        AND e.org_id = ${query.orgId} ${unvisited('e.src_id')}
      LIMIT ${query.nodeLimit}
    ),
    -- The recursion's output order is its queue's: breadth-first, the seeds first.
    reached AS MATERIALIZED (SELECT id, row_number() OVER () AS seq FROM reach),
    total AS MATERIALIZED (SELECT count(*) AS n FROM reached)
    ${side('src_id', 'dst_id', bySource)}
    UNION ALL
    ${side('dst_id', 'src_id', byTarget)}
    ORDER BY 1, 2
    LIMIT ${query.rowLimit}
  `;
}

export function walkSegment(db: Db, query: SegmentQuery): Promise<SegmentEdgeRow[]> {
  return rawRows<SegmentEdgeRow>(db, walkSegmentStatement(query).compile(db));
}

/**
 * Whether a node a stored walk recorded at `maxDepth` (or deeper) has a live edge the walk would
 * follow: maxDepth cut the walk. Such nodes are recorded as expanded without their edges being
 * read (segmentOf), so a later segment cannot tell; the last page asks here.
 */
export async function storedWalkCutAtDepth(
  db: Db,
  query: {
    walkId: string;
    orgId: string;
    directions: readonly WalkDirection[];
    edgeTypes: readonly EdgeType[];
    asOf: string | null;
    maxDepth: number;
  },
): Promise<boolean> {
  const live = liveCondition(query.asOf);
  const tests = query.directions.flatMap((direction) => {
    const { bySource, byTarget } = directionTypes({ direction, edgeTypes: query.edgeTypes });
    const side = (near: 'src_id' | 'dst_id', types: string) => sql`EXISTS (
      SELECT 1 FROM lineage_walk_node AS v CROSS JOIN edge AS e ON e.${sql.raw(near)} = v.node_id
      WHERE v.walk_id = ${query.walkId} AND v.direction = ${direction}
        AND v.depth >= ${query.maxDepth} AND +e.type IN (SELECT value FROM json_each(${types}))
        AND e.org_id = ${query.orgId} AND ${live('e')})`;
    return [side('src_id', bySource), side('dst_id', byTarget)];
  });
  const [row] = await rawRows<[number]>(db, sql`SELECT ${sql.join(tests, sql` OR `)}`.compile(db));
  return row?.[0] === 1;
}

/**
 * A stored walk's frontier when `segment` starts, by depth then id; `listed` is each node's depth
 * in the walk's other direction (SegmentQuery.listedBy), else null.
 */
export async function findFrontier(
  db: Db,
  position: StoredWalkPosition,
  listedBy: SegmentQuery['listedBy'] = null,
) {
  const listed = listedBy
    ? sql`(SELECT o.depth FROM lineage_walk_node AS o WHERE o.walk_id = ${listedBy.walkId}
        AND o.direction = ${listedBy.direction} AND o.node_id = lineage_walk_node.node_id)`
    : sql`NULL`;
  return rawRows<[id: string, kind: NodeKind, depth: number, listed: number | null]>(
    db,
    sql`SELECT node_id, node_kind, depth, ${listed} FROM lineage_walk_node
      WHERE ${frontierCondition(position)} ORDER BY depth, node_id`.compile(db),
  );
}

export function findStoredWalk(
  db: Db,
  orgId: string,
  walkId: string,
): Promise<LineageWalkTable | undefined> {
  return db
    .selectFrom('lineage_walk')
    .selectAll()
    .where('id', '=', walkId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function insertStoredWalk(db: Db, row: LineageWalkTable): BatchQuery {
  return db.insertInto('lineage_walk').values(row);
}

/** One stored walk (its nodes go with it): a walk whose cursor never leaves the request. */
export function deleteStoredWalk(db: Db, orgId: string, walkId: string) {
  return db
    .deleteFrom('lineage_walk')
    .where('id', '=', walkId)
    .where('org_id', '=', orgId)
    .execute();
}

/** Walks of the organization whose cursors expired (their nodes go with them). */
export function deleteExpiredWalks(db: Db, orgId: string, now: string): BatchQuery {
  return db.deleteFrom('lineage_walk').where('org_id', '=', orgId).where('expires_at', '<', now);
}

/**
 * Up to `limit` walks of any organization whose cursors expired, oldest first; their nodes go with
 * them (ON DELETE CASCADE). Returns how many walks it deleted.
 */
export async function deleteExpiredWalksOfAnyOrg(
  db: Db,
  now: string,
  limit: number,
): Promise<number> {
  const result = await sql`
    DELETE FROM lineage_walk WHERE id IN (
      SELECT id FROM lineage_walk WHERE expires_at < ${now} ORDER BY expires_at, id LIMIT ${limit}
    )
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export function updateWalkSegments(db: Db, walkId: string, segments: string): BatchQuery {
  return db.updateTable('lineage_walk').set({ segments }).where('id', '=', walkId);
}

/** A node a segment discovered: [id, kind, depth, expanded in this segment (0/1)]. */
export type DiscoveredNode = [id: string, kind: NodeKind, depth: number, expanded: 0 | 1];

/** Nodes per insert: ~65 bytes of JSON each keeps the parameter far under D1's 2 MB per value. */
const NODES_PER_INSERT = 10_000;

/**
 * The nodes a segment discovered (again, when a cursor is followed twice: the same rows), as
 * inserts of at most NODES_PER_INSERT nodes each.
 */
export function insertDiscoveredNodes(
  db: Db,
  position: StoredWalkPosition,
  nodes: readonly DiscoveredNode[],
): BatchQuery[] {
  const queries: BatchQuery[] = [];
  for (let start = 0; start < nodes.length; start += NODES_PER_INSERT) {
    const chunk = JSON.stringify(nodes.slice(start, start + NODES_PER_INSERT));
    queries.push(
      sql`INSERT OR IGNORE INTO lineage_walk_node
          (walk_id, direction, node_id, node_kind, depth, discovered_in, expanded_in)
        SELECT ${position.walkId}, ${position.direction}, json_extract(j.value, '$[0]'),
          json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), ${position.segment},
          CASE json_extract(j.value, '$[3]') WHEN 1 THEN ${position.segment} END
        FROM json_each(${chunk}) AS j`.compile(db),
    );
  }
  return queries;
}

/** Frontier nodes of earlier segments whose edges this segment read. */
export function markExpanded(
  db: Db,
  position: StoredWalkPosition,
  ids: readonly string[],
): BatchQuery[] {
  const queries: BatchQuery[] = [];
  for (let start = 0; start < ids.length; start += NODES_PER_INSERT) {
    queries.push(
      sql`UPDATE lineage_walk_node SET expanded_in = ${position.segment}
        WHERE walk_id = ${position.walkId} AND direction = ${position.direction}
          AND node_id IN ${jsonKeys(ids.slice(start, start + NODES_PER_INSERT))}
          AND expanded_in IS NULL`.compile(db),
    );
  }
  return queries;
}

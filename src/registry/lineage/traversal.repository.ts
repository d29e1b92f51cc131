import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { rawRows } from '../../db/raw.ts';
import { jsonKeys } from '../keys.ts';
import { takeNodeLabels, withNodeLabels } from './lineage.repository.ts';
import { EDGE_TYPES, type EdgeType, NODE_KINDS, type NodeKind } from './lineage.ts';

/**
 * Which way dependency flows along each edge type. For TRAINED_ON, EVALUATED_ON, DERIVED_FROM and
 * APPROVED_BY the source depends on the target (a version depends on its dataset), so the target
 * is upstream. For DEPLOYED_TO and REPLACED_BY the target depends on, or succeeds, the source (a
 * deployment serves a version), so the target is downstream.
 */
export const TARGET_IS_DOWNSTREAM: ReadonlySet<EdgeType> = new Set(['DEPLOYED_TO', 'REPLACED_BY']);

export type WalkDirection = 'UPSTREAM' | 'DOWNSTREAM';

/** Whether a walk in `direction` crosses an edge of this type from its source to its target. */
export function readFromSource(type: EdgeType, direction: WalkDirection): boolean {
  return TARGET_IS_DOWNSTREAM.has(type) === (direction === 'DOWNSTREAM');
}

/**
 * One edge as the walk returns it, as an array (D1's `raw()`): the columns a walk needs, without
 * the edge's properties and creation time (read only when asked, `findEdgeDetails`). `reached`
 * is the number of nodes the recursive walk reached (seeds included), the same on every row.
 */
export type WalkEdgeRow = [
  id: string,
  type: EdgeType,
  srcId: string,
  srcKind: NodeKind,
  dstId: string,
  dstKind: NodeKind,
  reached: number,
  /**
   * The place in the recursion's queue (breadth-first order, the seeds first) of the node the
   * edge was read from; null in a depth-bounded walk. A walk past the row budget becomes the
   * first segment of a stored walk by this order (traversal.service.ts, firstSegmentOfRows).
   */
  seq: number | null,
  /** Only when the walk was asked for details (`WalkQuery.details`). */
  properties?: string | null,
  createdAt?: string,
];

export interface WalkQuery {
  orgId: string;
  seeds: readonly string[];
  direction: WalkDirection;
  edgeTypes: readonly EdgeType[];
  /** Stop after this many nodes; the caller asks for one more than it keeps, to detect the cut. */
  nodeLimit: number;
  /** Read the graph as it was at this instant (ISO string); null for now. */
  asOf: string | null;
  /** Also read each edge's properties and creation time (a caller that will list them all). */
  details?: boolean;
  /**
   * Stop the recursion this many hops from the seeds (at most MAX_DEPTH_IN_RECURSION); null or
   * absent walks to any depth.
   */
  maxDepth?: number | null;
  /**
   * Return at most this many edge rows (the memory budget); the caller asks for one more than it
   * keeps, to detect the cut. Absent: every row.
   */
  rowLimit?: number;
  /**
   * Also read the label of every node the walk reaches, and of these seeds, in the same statement
   * (a drawing; lineage.repository.ts `withNodeLabels`).
   */
  labelSeeds?: readonly { kind: NodeKind; id: string }[];
}

/**
 * The deepest walk whose depth bound is kept inside the recursion. Carrying the depth costs each
 * node one visit per depth at which it is reached (UNION keeps (id, depth) pairs apart), at most
 * maxDepth + 1 visits: cheap for a few hops, where the bound saves reading the whole graph beyond.
 */
export const MAX_DEPTH_IN_RECURSION = 3;

/** The rows of a walk, and how many nodes it reached (seeds included). */
export interface WalkResult {
  edges: WalkEdgeRow[];
  reached: number;
  /** The nodes' labels by id, when the query asked for them (`labelSeeds`). */
  labels?: Map<string, string>;
}

/**
 * Every edge reachable from the seeds in one direction, in one statement. The recursive part
 * carries node ids only, so UNION's de-duplication visits each node once however many paths lead
 * to it (carrying a depth column defeats that: 7.5 s instead of 19 ms on a 10,000-node DAG). Depth
 * is computed afterwards from the edges, by a breadth-first pass in memory. SQLite works the
 * recursive queue first-in first-out, so the LIMIT keeps the nodes nearest the seeds.
 */
export async function walkEdges(db: Db, query: WalkQuery): Promise<WalkResult> {
  const walk = walkEdgesStatement(query);
  // The type codes this walk reads from the edge's source (codeOf's indexes).
  const fromSource = query.labelSeeds
    ? query.edgeTypes
        .filter((type) => readFromSource(type, query.direction))
        .map((type) => EDGE_TYPES.indexOf(type))
    : [];
  const statement = query.labelSeeds
    ? withNodeLabels(
        walk,
        walkRowWidth(query.details ?? false),
        query.orgId,
        query.labelSeeds,
        fromSource,
      )
    : walk;
  const rows = await rawRows<WalkEdgeRow>(db, statement.compile(db));
  const labels = query.labelSeeds ? { labels: takeNodeLabels(rows, fromSource) } : {};
  decodeRows(rows);
  if (query.maxDepth === null || query.maxDepth === undefined) {
    return { edges: rows, reached: rows[0]?.[6] ?? query.seeds.length, ...labels };
  }
  // A depth-bounded walk's first row (id NULL, first in id order) carries the count alone.
  const [count, ...edges] = rows;
  return { edges, reached: count?.[6] ?? query.seeds.length, ...labels };
}

/**
 * The statement of `walkEdges`, unexecuted: the benchmark runs this very SQL raw on SQLite.
 *
 * Measured against its floors by `npx node bench/run.ts lineage-walk` (bench/README.md):
 * - the type test is kept out of the index search (`+e.type`): each node costs one seek of the
 *   covering index per direction (migration 0015) instead of one per edge type;
 * - the edges are read in one pass from the reached set: when the walk was not cut, every live edge
 *   leaving a reached node in the walk's direction ends in a reached node, so the test "the other
 *   end was reached too" is only made when the LIMIT cut the walk (SQLite evaluates the constant
 *   left side of the OR first and skips the right side);
 * - CROSS JOIN keeps the reached set as the outer loop: otherwise SQLite may scan all of `edge` in
 *   id order to save the ORDER BY's sort;
 * - the rows' `seq` (the window over the reached set) costs 8-10% of the statement on a
 *   10,000-hop chain (`api` / `api-noseq`), within the noise on the DAG. Numbering the reached ids
 *   by json_each over one json_group_array is cheaper but outgrows D1's 2 MB value limit past
 *   ~51,000 ids; the other ways tried cost as much (`npx node bench/walk-seq.ts`).
 */
export function walkEdgesStatement(query: WalkQuery) {
  if (query.maxDepth !== null && query.maxDepth !== undefined) return depthBoundStatement(query);
  const { bySource, byTarget } = directionTypes(query);
  const live = liveCondition(query.asOf);
  const columns = walkColumns(query.details ?? false, 'r.seq');
  // The row budget bounds each direction of the join before the sort: a LIMIT on the sorted
  // result made SQLite use its bounded sorter, 20-35% slower on the DAG even when it did not bind.
  // The reached set is the join's outer loop, in queue order: a direction that hits its LIMIT
  // has every edge of the nodes before the last one it read from (firstSegmentOfRows relies on it).
  const branch = (select: RawBuilder<unknown>) =>
    query.rowLimit === undefined ? select : sql`SELECT * FROM (${select} LIMIT ${query.rowLimit})`;
  return sql<Record<string, unknown>>`
    WITH RECURSIVE reach(id) AS (
      SELECT value FROM ${jsonKeys(query.seeds)}
      UNION
      SELECT e.dst_id FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE +e.type IN (SELECT value FROM json_each(${bySource})) AND ${live('e')}
        AND e.org_id = ${query.orgId}
      UNION
      SELECT e.src_id FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE +e.type IN (SELECT value FROM json_each(${byTarget})) AND ${live('e')}
        AND e.org_id = ${query.orgId}
      LIMIT ${query.nodeLimit}
    ),
    -- Materialised once: referencing the recursive CTE from the edge selection below made SQLite
    -- re-walk it per candidate row (22 s instead of 105 ms for a 10,000-hop chain).
    -- The recursion's output order is its queue's: breadth-first, the seeds first.
    reached AS MATERIALIZED (SELECT id, row_number() OVER () AS seq FROM reach),
    total AS MATERIALIZED (SELECT count(*) AS n FROM reached)
    ${branch(sql`
    SELECT ${columns}
    FROM reached AS r CROSS JOIN edge AS e ON e.src_id = r.id
    WHERE +e.type IN (SELECT value FROM json_each(${bySource})) AND e.org_id = ${query.orgId}
      AND ${live('e')}
      AND ((SELECT n FROM total) < ${query.nodeLimit} OR e.dst_id IN (SELECT id FROM reached))`)}
    UNION ALL
    ${branch(sql`
    SELECT ${columns}
    FROM reached AS r CROSS JOIN edge AS e ON e.dst_id = r.id
    WHERE +e.type IN (SELECT value FROM json_each(${byTarget})) AND e.org_id = ${query.orgId}
      AND ${live('e')}
      AND ((SELECT n FROM total) < ${query.nodeLimit} OR e.src_id IN (SELECT id FROM reached))`)}
    ORDER BY 1
  `;
}

/**
 * The walk of at most `maxDepth` hops: the recursion carries each node's depth and stops there, so
 * it reads only the edges of nodes nearer than maxDepth, plus, per direction, one edge leaving a node
 * at maxDepth if there is one (the caller's sign that the graph goes on: the walk is truncated). The
 * recursion's LIMIT counts (id, depth) rows, each node at most maxDepth + 1 of them: when it or the
 * node limit is reached, the count says nodeLimit and no edge is read, and the caller walks again
 * without the bound (which nodes a budget keeps is the unbounded walk's choice). The first row,
 * with a NULL id, carries the count, so that it comes back even when no edge does.
 */
function depthBoundStatement(query: WalkQuery) {
  const maxDepth = query.maxDepth as number;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_IN_RECURSION) {
    throw new Error(`maxDepth ${maxDepth} is not kept inside the recursion`);
  }
  const { bySource, byTarget } = directionTypes(query);
  const live = liveCondition(query.asOf);
  const rowLimit = query.nodeLimit * (maxDepth + 1);
  const columns = walkColumns(query.details ?? false, 'NULL');
  const nulls = sql.raw(
    `NULL, NULL, NULL, NULL, NULL, NULL, n, NULL${query.details ? ', NULL, NULL' : ''}`,
  );
  const side = (near: 'src_id' | 'dst_id', types: string, depth: RawBuilder<unknown>) => sql`
    SELECT ${columns}
    FROM reached AS r CROSS JOIN edge AS e ON e.${sql.raw(near)} = r.id
    WHERE ${depth} AND +e.type IN (SELECT value FROM json_each(${types}))
      AND e.org_id = ${query.orgId} AND ${live('e')} AND (SELECT n FROM total) < ${query.nodeLimit}`;
  const probe = (near: 'src_id' | 'dst_id', types: string) =>
    sql`SELECT * FROM (${side(near, types, sql`r.depth = ${maxDepth}`)} LIMIT 1)`;
  return sql<Record<string, unknown>>`
    WITH RECURSIVE reach(id, depth) AS (
      SELECT value, 0 FROM ${jsonKeys(query.seeds)}
      UNION
      SELECT e.dst_id, reach.depth + 1 FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE reach.depth < ${maxDepth} AND +e.type IN (SELECT value FROM json_each(${bySource}))
        AND ${live('e')} AND e.org_id = ${query.orgId}
      UNION
      SELECT e.src_id, reach.depth + 1 FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE reach.depth < ${maxDepth} AND +e.type IN (SELECT value FROM json_each(${byTarget}))
        AND ${live('e')} AND e.org_id = ${query.orgId}
      LIMIT ${rowLimit}
    ),
    walked AS MATERIALIZED (SELECT id, depth FROM reach),
    reached AS MATERIALIZED (SELECT id, min(depth) AS depth FROM walked GROUP BY id),
    total AS MATERIALIZED (
      SELECT CASE WHEN (SELECT count(*) FROM walked) >= ${rowLimit} THEN ${query.nodeLimit}
        ELSE (SELECT count(*) FROM reached) END AS n
    )
    SELECT ${nulls} FROM total
    UNION ALL ${side('src_id', bySource, sql`r.depth < ${maxDepth}`)}
    UNION ALL ${side('dst_id', byTarget, sql`r.depth < ${maxDepth}`)}
    UNION ALL ${probe('src_id', bySource)}
    UNION ALL ${probe('dst_id', byTarget)}
    ORDER BY 1${rowLimitClause(query.rowLimit === undefined ? undefined : query.rowLimit + 1)}
  `;
}

/** `LIMIT n` when the walk's rows are budgeted. */
function rowLimitClause(rowLimit: number | undefined) {
  return rowLimit === undefined ? sql`` : sql` LIMIT ${rowLimit}`;
}

/** The edge types followed from source to target, and from target to source, as JSON arrays. */
export function directionTypes(query: Pick<WalkQuery, 'direction' | 'edgeTypes'>) {
  // Walking downstream follows forward edges from source to target and backward edges from
  // target to source; upstream is the mirror image.
  const bySource = query.edgeTypes.filter((type) => readFromSource(type, query.direction));
  const byTarget = query.edgeTypes.filter((type) => !readFromSource(type, query.direction));
  return { bySource: JSON.stringify(bySource), byTarget: JSON.stringify(byTarget) };
}

/** An edge alive now (asOf null: the covering indexes' own condition) or at `asOf`. */
export function liveCondition(asOf: string | null) {
  return (alias: string) =>
    asOf === null
      ? sql.raw(`${alias}.removed_at IS NULL`)
      : sql`${sql.raw(alias)}.created_at <= ${asOf} AND (${sql.raw(alias)}.removed_at IS NULL OR ${sql.raw(alias)}.removed_at > ${asOf})`;
}

/** How many columns a walk row has (WalkEdgeRow; with the edge details, two more). */
function walkRowWidth(details: boolean): number {
  return details ? 10 : 8;
}

/** The columns of WalkEdgeRow, in order. */
function walkColumns(details: boolean, seq: 'r.seq' | 'NULL') {
  return sql.raw(
    `e.id, ${codeOf('e.type', EDGE_TYPES)}, e.src_id, ${codeOf('e.src_kind', NODE_KINDS)}, e.dst_id, ${codeOf(
      'e.dst_kind',
      NODE_KINDS,
    )}, (SELECT n FROM total) AS reached, ${seq}${details ? ', e.properties, e.created_at' : ''}`,
  );
}

/**
 * A column's value as its index in `values`: D1 hands a result to the Worker as JSON text that the
 * binding parses (workerd's d1-api `toJson`, the largest JavaScript cost of a 10,000-edge walk in a
 * CPU profile, bench/README.md), so an edge's type and kinds travel as one digit each instead of
 * 12-16 characters: ~40 of the ~175 bytes of a row.
 */
function codeOf(column: string, values: readonly string[]) {
  return `CASE ${column} ${values.map((value, index) => `WHEN '${value}' THEN ${index}`).join(' ')} END`;
}

/** The names back from codeOf's indexes, in place. */
function decodeRows(rows: unknown[][]): void {
  for (const row of rows) {
    if (row[0] === null) continue;
    row[1] = EDGE_TYPES[row[1] as number];
    row[3] = NODE_KINDS[row[3] as number];
    row[5] = NODE_KINDS[row[5] as number];
  }
}

/** An edge's properties (JSON text) and creation time, as `findEdgeDetails` reads them. */
export type EdgeDetailRow = [id: string, properties: string | null, createdAt: string];

/** The properties and creation time of these edges of the organization, however many. */
export function findEdgeDetails(
  db: Db,
  orgId: string,
  ids: readonly string[],
): Promise<EdgeDetailRow[]> {
  return rawRows<EdgeDetailRow>(
    db,
    sql`SELECT id, properties, created_at FROM edge WHERE id IN ${jsonKeys(ids)} AND org_id = ${orgId}`.compile(
      db,
    ),
  );
}

/** The versions of a model: a Model's lineage is that of its versions. */
export async function findVersionIdsOfModel(db: Db, orgId: string, modelId: string) {
  const rows = await db
    .selectFrom('model_version')
    .select('id')
    .where('model_id', '=', modelId)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

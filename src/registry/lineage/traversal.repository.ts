import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { rawRows } from '../../db/raw.ts';
import { jsonKeys } from '../keys.ts';
import type { EdgeType, NodeKind } from './lineage.ts';

/**
 * Which way dependency flows along each edge type. For TRAINED_ON, EVALUATED_ON, DERIVED_FROM and
 * APPROVED_BY the source depends on the target (a version depends on its dataset), so the target
 * is upstream. For DEPLOYED_TO and REPLACED_BY the target depends on, or succeeds, the source (a
 * deployment serves a version), so the target is downstream.
 */
export const TARGET_IS_DOWNSTREAM: ReadonlySet<EdgeType> = new Set(['DEPLOYED_TO', 'REPLACED_BY']);

export type WalkDirection = 'UPSTREAM' | 'DOWNSTREAM';

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
}

/**
 * Every edge reachable from the seeds in one direction, in one statement. The recursive part
 * carries node ids only, so UNION's de-duplication visits each node once however many paths lead
 * to it (carrying a depth column defeats that: 7.5 s instead of 19 ms on a 10,000-node DAG). Depth
 * is computed afterwards from the edges, by a breadth-first pass in memory. SQLite works the
 * recursive queue first-in first-out, so the LIMIT keeps the nodes nearest the seeds.
 */
export function walkEdges(db: Db, query: WalkQuery): Promise<WalkEdgeRow[]> {
  return rawRows<WalkEdgeRow>(db, walkEdgesStatement(query).compile(db));
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
 *   id order to save the ORDER BY's sort.
 */
export function walkEdgesStatement(query: WalkQuery) {
  const forward = query.edgeTypes.filter((type) => TARGET_IS_DOWNSTREAM.has(type));
  const backward = query.edgeTypes.filter((type) => !TARGET_IS_DOWNSTREAM.has(type));
  // Walking downstream follows forward edges from source to target and backward edges from
  // target to source; upstream is the mirror image.
  const bySource = JSON.stringify(query.direction === 'DOWNSTREAM' ? forward : backward);
  const byTarget = JSON.stringify(query.direction === 'DOWNSTREAM' ? backward : forward);
  const asOf = query.asOf;
  const live = (alias: string) =>
    asOf === null
      ? sql.raw(`${alias}.removed_at IS NULL`)
      : sql`${sql.raw(alias)}.created_at <= ${asOf} AND (${sql.raw(alias)}.removed_at IS NULL OR ${sql.raw(alias)}.removed_at > ${asOf})`;
  const columns = sql.raw(
    `e.id, e.type, e.src_id, e.src_kind, e.dst_id, e.dst_kind, (SELECT n FROM total) AS reached${
      query.details ? ', e.properties, e.created_at' : ''
    }`,
  );
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
    reached AS MATERIALIZED (SELECT id FROM reach),
    total AS MATERIALIZED (SELECT count(*) AS n FROM reached)
    SELECT ${columns}
    FROM reached AS r CROSS JOIN edge AS e ON e.src_id = r.id
    WHERE +e.type IN (SELECT value FROM json_each(${bySource})) AND e.org_id = ${query.orgId}
      AND ${live('e')}
      AND ((SELECT n FROM total) < ${query.nodeLimit} OR e.dst_id IN (SELECT id FROM reached))
    UNION ALL
    SELECT ${columns}
    FROM reached AS r CROSS JOIN edge AS e ON e.dst_id = r.id
    WHERE +e.type IN (SELECT value FROM json_each(${byTarget})) AND e.org_id = ${query.orgId}
      AND ${live('e')}
      AND ((SELECT n FROM total) < ${query.nodeLimit} OR e.src_id IN (SELECT id FROM reached))
    ORDER BY 1
  `;
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

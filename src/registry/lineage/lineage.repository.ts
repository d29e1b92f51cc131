import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { jsonKeys, MAX_COMPOUND_TERMS } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { EdgeTable } from './lineage.table.ts';
import {
  ACYCLIC_EDGE_TYPES,
  type EdgeEndpoint,
  type EdgeType,
  NODE_KINDS,
  type NodeKind,
} from './lineage.ts';

const KIND_TABLES = {
  Model: 'model',
  ModelVersion: 'model_version',
  Dataset: 'dataset',
  Deployment: 'deployment',
  Experiment: 'experiment',
  Run: 'run',
  User: 'user',
} as const satisfies Record<NodeKind, string>;

const TOMBSTONED_KINDS: ReadonlySet<NodeKind> = new Set(['Model', 'ModelVersion', 'Dataset']);

/** Which of `ids` exist as nodes of `kind` in the organization. */
export async function findExistingNodeIds(
  db: Db,
  orgId: string,
  kind: NodeKind,
  ids: readonly string[],
): Promise<Set<string>> {
  let query = db
    .selectFrom(KIND_TABLES[kind] as 'model')
    .select('id')
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId);
  // Deleted models, versions and datasets are tombstones: nothing links to them any more.
  if (TOMBSTONED_KINDS.has(kind)) query = query.where('deleted_at', 'is', null);
  const rows = await query.execute();
  return new Set(rows.map((row) => row.id));
}

/**
 * One page of live edges for each of many nodes, in one statement. `endpoint` says which end of the
 * edge the given ids are on: 'src' lists outgoing edges (a version's trainedOn), 'dst' incoming ones
 * (a dataset's trainedModels).
 */
export function findEdgePages(
  db: Db,
  orgId: string,
  query: { endpoint: EdgeEndpoint; types: readonly EdgeType[]; ids: readonly string[] },
  page: PageRequest,
) {
  const key = query.endpoint === 'src' ? 'src_id' : 'dst_id';
  return selectGroupedPages<EdgeTable>(
    db,
    db
      .selectFrom('edge')
      .selectAll()
      .where(key, 'in', jsonKeys(query.ids))
      .where('type', 'in', jsonKeys(query.types))
      .where('org_id', '=', orgId)
      .where('removed_at', 'is', null),
    { group: key, id: 'id' },
    page,
  );
}

/**
 * The outgoing edges of every version of each model, paged per model: Model.trainedOn and
 * Model.deployedTo aggregate over versions, and each edge still says which version it came through.
 */
export function findEdgePagesByModelIds(
  db: Db,
  orgId: string,
  query: { types: readonly EdgeType[]; modelIds: readonly string[] },
  page: PageRequest,
) {
  return selectGroupedPages<EdgeTable>(
    db,
    db
      .selectFrom('edge')
      .innerJoin('model_version', 'model_version.id', 'edge.src_id')
      .selectAll('edge')
      .where('model_version.model_id', 'in', jsonKeys(query.modelIds))
      .where('edge.type', 'in', jsonKeys(query.types))
      .where('edge.org_id', '=', orgId)
      .where('edge.removed_at', 'is', null),
    { group: 'model_version.model_id', id: 'edge.id' },
    page,
  );
}

/** All live edges of the given types at one end of each node, unpaged (short lists only). */
export function findEdgesByEndpoint(
  db: Db,
  orgId: string,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
  ids: readonly string[],
) {
  const key = endpoint === 'src' ? 'src_id' : 'dst_id';
  return db
    .selectFrom('edge')
    .selectAll()
    .where(key, 'in', jsonKeys(ids))
    .where('type', 'in', jsonKeys(types))
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .orderBy('id')
    .execute();
}

export function findEdgeById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('edge')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function findLiveEdge(db: Db, orgId: string, type: EdgeType, srcId: string, dstId: string) {
  return db
    .selectFrom('edge')
    .selectAll()
    .where('src_id', '=', srcId)
    .where('dst_id', '=', dstId)
    .where('type', '=', type)
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

export function findLiveOutgoing(db: Db, orgId: string, type: EdgeType, srcId: string) {
  return db
    .selectFrom('edge')
    .selectAll()
    .where('src_id', '=', srcId)
    .where('type', '=', type)
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The path from `fromId` (or from any of several start nodes) to `toId` along live edges of `type`,
 * or null when `toId` is unreachable; a path found from several starts begins at one of them.
 * Recurses on node ids only (with a parent column) so UNION's de-duplication bounds the work by the
 * number of edges walked, not the number of paths.
 */
export async function findPath(
  db: Db,
  type: EdgeType,
  fromId: string | readonly string[],
  toId: string,
): Promise<string[] | null> {
  const starts = typeof fromId === 'string' ? [fromId] : fromId;
  const reached = await sql<{ id: string; parent: string | null }>`
    WITH RECURSIVE reach(id, parent) AS (
      SELECT value, NULL FROM json_each(${JSON.stringify(starts)})
      UNION
      SELECT e.dst_id, e.src_id FROM edge AS e JOIN reach AS r ON e.src_id = r.id
      WHERE e.type = ${type} AND e.removed_at IS NULL
    )
    SELECT id, parent FROM reach
  `.execute(db);
  const parents = new Map<string, string | null>();
  for (const row of reached.rows) if (!parents.has(row.id)) parents.set(row.id, row.parent);
  if (!parents.has(toId)) return null;
  const path = [toId];
  let current = parents.get(toId) ?? null;
  while (current !== null && path.length <= parents.size) {
    path.push(current);
    current = parents.get(current) ?? null;
  }
  return path.reverse();
}

export function insertEdge(db: Db, row: EdgeTable) {
  return db.insertInto('edge').values(row);
}

/**
 * Inserts an edge of an acyclic type, checking inside the same statement that its source is not
 * reachable from its target (insertEdges with one row; see its guard and CYCLE_GUARD_FAILURE).
 */
export function insertEdgeIfAcyclic(db: Db, row: EdgeTable) {
  return insertEdges(db, [row]);
}

/**
 * Inserts any number of edges with ONE statement: the rows travel as a single JSON parameter (D1
 * binds at most 100 parameters per statement) and are read back with json_each. Each row still
 * meets everything a per-row insert met: the table's CHECKs (types, kinds, src <> dst, JSON
 * properties), its foreign keys, the live-edge unique indexes (a duplicate in the list or in the
 * table fails the statement, and so the batch), and the AFTER INSERT triggers fire per row.
 *
 * Edges of acyclic types carry insertEdgeIfAcyclic's guard, evaluated when the statement runs: one
 * walk, per type, from the targets of the given acyclic edges along live edges of that type; an
 * edge whose source is reached gets NULL for src_id, failing with CYCLE_GUARD_FAILURE. That walk is
 * exact only when the acyclic edges of a type share one endpoint (all leave one node, as a new
 * version's parents do, or all enter one node): with a shared source S, S is reached from some
 * target exactly when one of the edges closes a cycle, and no cycle can run through two of the new
 * edges (they all leave S, and a cycle passes S once); with a shared target the walk starts from
 * that node alone. sharesAcyclicEndpoint() says whether rows qualify; callers insert the others one
 * at a time with insertEdgeIfAcyclic.
 */
export function insertEdges(db: Db, rows: readonly EdgeTable[]) {
  const payload = JSON.stringify(
    rows.map((row) => [
      row.id,
      row.org_id,
      row.type,
      row.src_id,
      row.src_kind,
      row.dst_id,
      row.dst_kind,
      row.properties,
      row.created_at,
      row.created_by,
    ]),
  );
  return sql`
    WITH RECURSIVE input AS (
      SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS org_id,
        json_extract(value, '$[2]') AS type, json_extract(value, '$[3]') AS src_id,
        json_extract(value, '$[4]') AS src_kind, json_extract(value, '$[5]') AS dst_id,
        json_extract(value, '$[6]') AS dst_kind, json_extract(value, '$[7]') AS properties,
        json_extract(value, '$[8]') AS created_at, json_extract(value, '$[9]') AS created_by
      FROM json_each(${payload})
    ),
    reach(type, id) AS (
      SELECT type, dst_id FROM input WHERE type IN (SELECT value FROM json_each(${JSON.stringify([...ACYCLIC_EDGE_TYPES])}))
      UNION
      SELECT r.type, e.dst_id FROM edge AS e JOIN reach AS r ON e.src_id = r.id
      WHERE e.type = r.type AND e.removed_at IS NULL
    )
    INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, properties, created_at, created_by, removed_at, removed_by)
    SELECT i.id, i.org_id, i.type,
      CASE WHEN EXISTS (SELECT 1 FROM reach AS r WHERE r.type = i.type AND r.id = i.src_id)
        THEN NULL ELSE i.src_id END,
      i.src_kind, i.dst_id, i.dst_kind, i.properties, i.created_at, i.created_by, NULL, NULL
    FROM input AS i
  `.compile(db);
}

/** The error D1 reports when insertEdgeIfAcyclic refused an edge. */
export const CYCLE_GUARD_FAILURE = 'NOT NULL constraint failed: edge.src_id';

export function endEdge(db: Db, orgId: string, id: string, now: string, by: string) {
  return db
    .updateTable('edge')
    .set({ removed_at: now, removed_by: by })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null);
}

export function findEdgesByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('edge')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

/**
 * The versions at the far end of live edges from each of `ids`, joined in the same statement, so a
 * nested walk such as derivedFrom { derivedFrom { ... } } costs one statement per level.
 */
export function findLinkedVersions(
  db: Db,
  orgId: string,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
  ids: readonly string[],
) {
  const [near, far] =
    endpoint === 'src' ? (['src_id', 'dst_id'] as const) : (['dst_id', 'src_id'] as const);
  return db
    .selectFrom('edge')
    .innerJoin('model_version', 'model_version.id', `edge.${far}`)
    .selectAll('model_version')
    .select(`edge.${near} as group_id`)
    .where(`edge.${near}`, 'in', jsonKeys(ids))
    .where('edge.type', 'in', jsonKeys(types))
    .where('edge.org_id', '=', orgId)
    .where('edge.removed_at', 'is', null)
    .orderBy('edge.id')
    .execute();
}

/** A version's label, "model@version", over `v` (model_version) joined with `m` (its model). */
const VERSION_LABEL = sql.raw(
  "coalesce(m.deleted_name, m.name) || '@' || coalesce(v.deleted_version, v.version)",
);

/** A named node's label over `t` (its kind's table): a tombstone (migration 0011) by the name it had. */
function nameLabel(kind: NodeKind) {
  return TOMBSTONED_KINDS.has(kind)
    ? sql.raw('coalesce(t.deleted_name, t.name)')
    : sql.raw('t.name');
}

/**
 * The label of every node given, in one statement for up to five kinds (two for all six): the name, or
 * "model@version" for a version (joined with its model). Only the two columns a picture needs are
 * read, not the rows (17,102 version rows with their metadata on the benchmark's DAG).
 */
export async function findNodeLabels(
  db: Db,
  orgId: string,
  nodes: readonly { kind: NodeKind; id: string }[],
): Promise<{ id: string; label: string }[]> {
  const idsOf = new Map<NodeKind, string[]>();
  for (const node of nodes) {
    const ids = idsOf.get(node.kind);
    if (ids) ids.push(node.id);
    else idsOf.set(node.kind, [node.id]);
  }
  const parts = [...idsOf].map(([kind, ids]) =>
    kind === 'ModelVersion'
      ? sql`SELECT v.id AS id, ${VERSION_LABEL} AS label
          FROM ${jsonKeys(ids)} AS k CROSS JOIN model_version AS v ON v.id = k.value
          JOIN model AS m ON m.id = v.model_id AND m.org_id = v.org_id
          WHERE v.org_id = ${orgId}`
      : sql`SELECT t.id AS id, ${nameLabel(kind)} AS label FROM ${sql.table(KIND_TABLES[kind])} AS t
          WHERE t.id IN ${jsonKeys(ids)} AND t.org_id = ${orgId}`,
  );
  // D1 refuses a compound SELECT of more than 5 terms: six kinds make two statements, in parallel.
  const statements: (typeof parts)[] = [];
  for (let start = 0; start < parts.length; start += MAX_COMPOUND_TERMS) {
    statements.push(parts.slice(start, start + MAX_COMPOUND_TERMS));
  }
  const answers = await Promise.all(
    statements.map((terms) =>
      sql<{ id: string; label: string }>`${sql.join(terms, sql` UNION ALL `)}`.execute(db),
    ),
  );
  return answers.flatMap((answer) => answer.rows);
}

/** Ends every live edge at either end of these nodes (a deletion), when `condition` holds. */
export function endLiveEdgesAt(
  db: Db,
  orgId: string,
  nodeIds: readonly string[],
  now: string,
  by: string,
  condition: RawBuilder<boolean>,
) {
  return db
    .updateTable('edge')
    .set({ removed_at: now, removed_by: by })
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .where((eb) =>
      eb.or([eb('src_id', 'in', jsonKeys(nodeIds)), eb('dst_id', 'in', jsonKeys(nodeIds))]),
    )
    .where(condition);
}

/** How many live edges touch each of these nodes, at either end. */
export async function countLiveEdgesAt(db: Db, orgId: string, nodeIds: readonly string[]) {
  const row = await db
    .selectFrom('edge')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('removed_at', 'is', null)
    .where((eb) =>
      eb.or([eb('src_id', 'in', jsonKeys(nodeIds)), eb('dst_id', 'in', jsonKeys(nodeIds))]),
    )
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The type column of a label row of `withNodeLabels`: an edge row holds a type code (>= 0). */
const LABEL_ROW = -1;

/**
 * The label of the node `id` of kind code `kind` (its index in NODE_KINDS), as findNodeLabels
 * reads it; NULL for a node that vanished. Only the branch of the node's kind runs.
 */
function labelOfCode(kind: RawBuilder<unknown>, id: RawBuilder<unknown>, orgId: string) {
  const branches = NODE_KINDS.map((nodeKind, code) => {
    const label =
      nodeKind === 'ModelVersion'
        ? sql`SELECT ${VERSION_LABEL}
            FROM model_version AS v JOIN model AS m ON m.id = v.model_id AND m.org_id = v.org_id
            WHERE v.id = ${id} AND v.org_id = ${orgId}`
        : sql`SELECT ${nameLabel(nodeKind)} FROM ${sql.table(KIND_TABLES[nodeKind])} AS t WHERE t.id = ${id} AND t.org_id = ${orgId}`;
    return sql`WHEN ${sql.lit(code)} THEN (${label})`;
  });
  return sql`CASE ${kind} ${sql.join(branches, sql` `)} END`;
}

/**
 * A walk statement (traversal.repository.ts) whose answer also carries the labels of the nodes it
 * reached, in the same statement: a drawing then needs no labels statement of its own (10,001 more
 * rows through D1 for a 10,000-hop chain, and their ids sent to it as a parameter). Each edge row
 * gets one more column, the label of the node the walk reached through it (its target when the
 * walk reads the edge from its source, `fromSource`: type codes), and each seed one row
 * [id, LABEL_ROW, 0, ..., label]; a walk reaches every other node through one of its rows.
 * `columns` is the walk's row width.
 */
export function withNodeLabels(
  walk: RawBuilder<unknown>,
  columns: number,
  orgId: string,
  seeds: readonly { kind: NodeKind; id: string }[],
  fromSource: readonly number[],
): RawBuilder<unknown> {
  const names = Array.from({ length: columns }, (_, index) => `c${index}`);
  // "<kind code>:<id>" (codes are one digit), as key parameters: a Model's seeds are all its
  // versions, more than one parameter holds past ~15,000.
  const seedKeys = seeds.map((seed) => `${NODE_KINDS.indexOf(seed.kind)}:${seed.id}`);
  const padding = sql.raw(
    names
      .slice(2)
      .map(() => '0, ')
      .join(''),
  );
  const types = sql.raw(fromSource.length ? fromSource.join(', ') : 'NULL');
  const version = NODE_KINDS.indexOf('ModelVersion');
  // c0 is an edge row's id (NULL on the count row of a depth-bounded walk), c1 its type code,
  // c2/c3 and c4/c5 its source and target (id, kind code). Versions, most nodes of a walk, are
  // joined: with a correlated subquery per row the labels took ~16 ms instead of ~11 on the
  // 10,000-hop chain (node:sqlite); the other kinds read their one table in a subquery.
  // `walk` is MATERIALIZED for its order too: the rows must come out as the walk statement sorts
  // them (by edge id; breadthFirst and firstSegmentOfRows rely on it), and SQLite drops the ORDER
  // BY of a FROM-clause subquery that is part of a join (SQLITE_OmitOrderBy) unless the subquery
  // is a MATERIALIZED CTE, an optimization fence. The LEFT JOINs keep `walk` the outer loop.
  return sql`
    WITH walk(${sql.raw(names.join(', '))}) AS MATERIALIZED (${walk}),
    far AS (
      SELECT *, CASE WHEN c1 IN (${types}) THEN c4 ELSE c2 END AS far_id,
        CASE WHEN c1 IN (${types}) THEN c5 ELSE c3 END AS far_kind
      FROM walk
    )
    SELECT ${sql.raw(names.join(', '))}, CASE WHEN far_kind = ${sql.lit(version)}
      THEN ${VERSION_LABEL}
      ELSE ${labelOfCode(sql`far_kind`, sql`far_id`, orgId)} END
    FROM far
    LEFT JOIN model_version AS v ON far_kind = ${sql.lit(version)} AND v.id = far_id
      AND v.org_id = ${orgId}
    LEFT JOIN model AS m ON m.id = v.model_id AND m.org_id = v.org_id
    UNION ALL
    SELECT substr(k.value, 3), ${sql.lit(LABEL_ROW)}, ${padding}${labelOfCode(
      sql`CAST(substr(k.value, 1, 1) AS INTEGER)`,
      sql`substr(k.value, 3)`,
      orgId,
    )}
    FROM ${jsonKeys(seedKeys)} AS k`;
}

/**
 * Takes the labels out of a `withNodeLabels` answer: the seeds' rows are removed from `rows` and
 * each edge row loses its last column, in place (the walk's rows kept in order). Returns the labels
 * found, by node id; `fromSource` as given to withNodeLabels.
 */
export function takeNodeLabels(
  rows: unknown[][],
  fromSource: readonly number[],
): Map<string, string> {
  const labels = new Map<string, string>();
  const bySource = new Set(fromSource);
  let kept = 0;
  for (const row of rows) {
    const label = row.pop();
    if (row[1] === LABEL_ROW) {
      if (label !== null) labels.set(row[0] as string, label as string);
      continue;
    }
    rows[kept++] = row;
    if (label !== null && row[0] !== null) {
      labels.set((bySource.has(row[1] as number) ? row[4] : row[2]) as string, label as string);
    }
  }
  rows.length = kept;
  return labels;
}

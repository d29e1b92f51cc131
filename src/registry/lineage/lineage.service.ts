import { sql } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import {
  type AuditEntry,
  insertAuditEvents,
  insertAuditEventWhere,
} from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import {
  ConflictError,
  EdgeNotAllowedError,
  LineageCycleError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import {
  CYCLE_GUARD_FAILURE,
  endEdge,
  findEdgeById,
  findExistingNodeIds,
  findLiveEdge,
  findLiveOutgoing,
  findPath,
  insertEdges,
} from './lineage.repository.ts';
import type { EdgeTable } from './lineage.table.ts';
import {
  ACYCLIC_EDGE_TYPES,
  type EdgeType,
  type GraphEdge,
  isEdgeAllowed,
  type NodeKind,
  toGraphEdge,
} from './lineage.ts';

export interface NodeRef {
  kind: NodeKind;
  id: string;
}

export interface EdgeAddInput {
  type: EdgeType;
  from: NodeRef;
  to: NodeRef;
  properties?: unknown;
}

/** Input paths of the fields an edge came from, so errors point at what the client sent. */
export interface EdgeInputPaths {
  type: readonly string[];
  from: readonly string[];
  to: readonly string[];
  properties: readonly string[];
}

export const LINEAGE_EDGE_ADD_PATHS: EdgeInputPaths = {
  type: ['type'],
  from: ['fromId'],
  to: ['toId'],
  properties: ['properties'],
};

/** Edge types that only their own mutations may write, because they carry more than an edge. */
const RESERVED_EDGES: Partial<Record<EdgeType, { kinds?: NodeKind; use: string }>> = {
  APPROVED_BY: { use: 'approvalReview (an approval is a reviewed decision, not a link)' },
};

/**
 * Checks an edge against the rules that need no database: allowed kinds, reserved types, properties.
 * Returns the serialised properties.
 */
export function checkEdgeShape(input: EdgeAddInput, paths: EdgeInputPaths): string | null {
  if (!isEdgeAllowed(input.type, input.from.kind, input.to.kind)) {
    throw new EdgeNotAllowedError(input.type, input.from.kind, input.to.kind, paths.type);
  }
  const reserved = RESERVED_EDGES[input.type];
  if (reserved) {
    throw new ValidationError(`${input.type} edges are written by ${reserved.use}`, paths.type);
  }
  if (input.type === 'REPLACED_BY' && input.from.kind === 'Model') {
    throw new ValidationError(
      'A model is replaced with modelReplace, which also deprecates it',
      paths.type,
    );
  }
  if (input.from.id === input.to.id) {
    throw new ValidationError('An edge cannot join a node to itself', paths.to);
  }
  return serializeJsonObject(input.properties, paths.properties);
}

export function edgeRow(
  viewer: Viewer,
  input: EdgeAddInput,
  properties: string | null,
  createdAt = nowIso(),
): EdgeTable {
  return {
    id: newId(),
    org_id: viewer.orgId,
    type: input.type,
    src_id: input.from.id,
    src_kind: input.from.kind,
    dst_id: input.to.id,
    dst_kind: input.to.kind,
    properties,
    created_at: createdAt,
    created_by: viewer.userId,
    removed_at: null,
    removed_by: null,
  };
}

/** Both ends must exist in the caller's organization; other organizations' nodes look missing. */
export async function requireNodes(
  db: Db,
  orgId: string,
  refs: readonly { ref: NodeRef; path: readonly string[] }[],
): Promise<void> {
  const byKind = new Map<NodeKind, string[]>();
  for (const { ref } of refs) byKind.set(ref.kind, [...(byKind.get(ref.kind) ?? []), ref.id]);
  const found = new Map<NodeKind, Set<string>>();
  await Promise.all(
    [...byKind].map(async ([kind, ids]) => {
      found.set(kind, await findExistingNodeIds(db, orgId, kind, ids));
    }),
  );
  for (const { ref, path } of refs) {
    if (!found.get(ref.kind)?.has(ref.id)) {
      throw new NotFoundError(`No ${ref.kind} with this id`, path, ref.id, ref.kind);
    }
  }
}

export async function addEdge(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: EdgeAddInput,
  paths: EdgeInputPaths = LINEAGE_EDGE_ADD_PATHS,
  claim?: IdempotencyClaim,
): Promise<GraphEdge> {
  const properties = checkEdgeShape(input, paths);
  await requireNodes(deps.db, viewer.orgId, [
    { ref: input.from, path: paths.from },
    { ref: input.to, path: paths.to },
  ]);
  if (await findLiveEdge(deps.db, viewer.orgId, input.type, input.from.id, input.to.id)) {
    throw new ConflictError(`This ${input.type} edge already exists`, paths.to);
  }
  if (input.type === 'REPLACED_BY') {
    if (await findLiveOutgoing(deps.db, viewer.orgId, 'REPLACED_BY', input.from.id)) {
      throw new ConflictError(
        `This ${input.from.kind} is already replaced; remove that edge first`,
        paths.from,
      );
    }
  }
  const row = edgeRow(viewer, input, properties);
  const audit: AuditEntry = {
    orgId: viewer.orgId,
    actorId: viewer.userId,
    action: 'lineage.edgeAdd',
    subjectId: row.src_id,
    subjectKind: row.src_kind,
    after: { edgeId: row.id, type: row.type, toId: row.dst_id, toKind: row.dst_kind, properties },
  };
  const edge = toGraphEdge(row);
  await writeEdges(deps, [row], [audit], paths, claimWrites(deps.db, claim, edge));
  return edge;
}

/**
 * Writes new edges, their audit events and any other queries of the same change in one batch.
 * Edges of acyclic types are checked first, for an error that shows the cycle, and again inside
 * their insert, so that a concurrent writer cannot slip a cycle in between (the batch then fails
 * as a whole). The cost does not grow with the number of edges when they share an endpoint (a new
 * version's parents and datasets, a new deployment's versions): one cycle check per acyclic type
 * and one insert for all of them (insertEdges), one audit insert for all the audit events.
 */
export async function writeEdges(
  deps: Pick<Deps, 'db' | 'd1'>,
  rows: readonly EdgeTable[],
  audits: readonly AuditEntry[],
  paths: EdgeInputPaths,
  others: readonly BatchQuery[] = [],
): Promise<void> {
  const { groups, single } = splitAcyclic(rows);
  const cycle = await findCycle(deps.db, groups);
  if (cycle) throw new LineageCycleError(cycle.row.type, cycle.row.src_kind, cycle.path, paths.to);
  const queries: BatchQuery[] = [...others];
  const bulk = rows.filter((row) => !single.has(row));
  if (bulk.length > 0) queries.push(insertEdges(deps.db, bulk));
  for (const row of single) queries.push(insertEdges(deps.db, [row]));
  if (audits.length > 0) queries.push(insertAuditEvents(deps.db, audits));
  try {
    await runBatch(deps.d1, queries);
  } catch (error) {
    if (String(error).includes(CYCLE_GUARD_FAILURE)) {
      // A concurrent writer closed the cycle between the check and the batch: find it again.
      const found = await findCycle(deps.db, groups);
      const refused =
        found?.row ?? rows.find((row) => ACYCLIC_EDGE_TYPES.has(row.type as EdgeType));
      throw new LineageCycleError(
        (refused?.type ?? 'DERIVED_FROM') as EdgeType,
        refused?.src_kind ?? 'ModelVersion',
        found?.path ?? [],
        paths.to,
      );
    }
    throw mapEdgeConstraint(error, paths);
  }
}

/**
 * Sorts acyclic edges into groups of one type that leave one node, which insertEdges' guard checks
 * together; edges of a type that leave several nodes are groups of one each (`single`: checked and
 * inserted one at a time).
 */
function splitAcyclic(rows: readonly EdgeTable[]) {
  const byType = new Map<string, EdgeTable[]>();
  for (const row of rows) {
    if (!ACYCLIC_EDGE_TYPES.has(row.type as EdgeType)) continue;
    byType.set(row.type, [...(byType.get(row.type) ?? []), row]);
  }
  const groups: EdgeTable[][] = [];
  const single = new Set<EdgeTable>();
  for (const group of byType.values()) {
    if (group.every((row) => row.src_id === group[0]?.src_id)) {
      groups.push(group);
    } else {
      for (const row of group) {
        single.add(row);
        groups.push([row]);
      }
    }
  }
  return { groups, single };
}

/** The first edge that would close a cycle, with the existing path from its target to its source. */
async function findCycle(
  db: Db,
  groups: readonly EdgeTable[][],
): Promise<{ row: EdgeTable; path: string[] } | null> {
  for (const group of groups) {
    const first = group[0] as EdgeTable;
    const path = await findPath(
      db,
      first.type as EdgeType,
      group.map((row) => row.dst_id),
      first.src_id,
    );
    if (path) return { row: group.find((row) => row.dst_id === path[0]) ?? first, path };
  }
  return null;
}

export function mapEdgeConstraint(error: unknown, paths: EdgeInputPaths): unknown {
  const message = String(error);
  if (message.includes('edge.src_id') && message.includes('UNIQUE')) {
    return message.includes('edge.dst_id')
      ? new ConflictError('This edge already exists', paths.to)
      : new ConflictError('This node is already replaced; remove that edge first', paths.from);
  }
  return error;
}

export interface EdgeRemoveInput {
  edgeId?: string | null;
  type?: EdgeType | null;
  from?: NodeRef | null;
  to?: NodeRef | null;
  reason?: string | null;
}

/** Ends a live edge: it stays in the table with removed_at set, so history can be read. */
export async function removeEdge(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: EdgeRemoveInput,
): Promise<GraphEdge> {
  let row: EdgeTable | undefined;
  if (input.edgeId) {
    row = await findEdgeById(deps.db, viewer.orgId, input.edgeId);
    if (!row || row.removed_at) {
      throw new NotFoundError('No live edge with this id', ['edgeId'], input.edgeId, 'GraphEdge');
    }
  } else if (input.type && input.from && input.to) {
    row = await findLiveEdge(deps.db, viewer.orgId, input.type, input.from.id, input.to.id);
    if (!row) throw new NotFoundError(`No live ${input.type} edge between these nodes`, []);
  } else {
    throw new ValidationError('Give either edgeId, or type with fromId and toId', []);
  }
  if (row.type === 'APPROVED_BY') {
    throw new ValidationError('APPROVED_BY edges are part of the approval record', []);
  }
  const now = nowIso();
  // The audit event goes first, written only while the edge is still live: the batch runs as one
  // transaction, so the edge is then ended by this request. (Matching the ended row on removed_at
  // and removed_by instead would also match a concurrent removal by the same user in the same
  // millisecond, recording one change twice.)
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'lineage.edgeRemove',
        subjectId: row.src_id,
        subjectKind: row.src_kind,
        before: { edgeId: row.id, type: row.type, toId: row.dst_id, toKind: row.dst_kind },
        reason: input.reason ?? null,
      },
      sql`EXISTS (SELECT 1 FROM edge WHERE id = ${row.id} AND removed_at IS NULL)`,
    ),
    endEdge(deps.db, viewer.orgId, row.id, now, viewer.userId),
  ]);
  if (results[1]?.meta.changes === 0) {
    throw new NotFoundError('The edge was removed concurrently', []);
  }
  return toGraphEdge({ ...row, removed_at: now, removed_by: viewer.userId });
}

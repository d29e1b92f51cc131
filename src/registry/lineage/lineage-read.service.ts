// Reads of lineage edges for both APIs, as domain objects: live edges at one end of many nodes, and
// pages of them, one statement each, answered in the order of the ids asked for.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findEdgePages,
  findEdgePagesByModelIds,
  findEdgesByEndpoint,
  findEdgesByIds,
} from './lineage.repository.ts';
import { type EdgeEndpoint, type EdgeType, type GraphEdge, toGraphEdge } from './lineage.ts';

/** The caller's edges among `ids`, live or ended (others are missing). */
export async function edgesByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<GraphEdge[]> {
  return (await findEdgesByIds(deps.db, viewer.orgId, ids)).map(toGraphEdge);
}

/** The live edges of these types at `endpoint` of each node. */
export async function liveEdgesAt(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
  ids: readonly string[],
): Promise<GraphEdge[][]> {
  const rows = await findEdgesByEndpoint(deps.db, viewer.orgId, endpoint, types, ids);
  return groupRows(ids, rows, (row) => (endpoint === 'src' ? row.src_id : row.dst_id)).map(
    (group) => group.map(toGraphEdge),
  );
}

/** One page of the live edges of these types at `endpoint` of each node. */
export async function edgePagesAt(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  query: { endpoint: EdgeEndpoint; types: readonly EdgeType[]; ids: readonly string[] },
  page: PageRequest,
): Promise<GraphEdge[][]> {
  const rows = await findEdgePages(deps.db, viewer.orgId, query, page);
  return groupRows(query.ids, rows, (row) => row.group_id).map((group) => group.map(toGraphEdge));
}

/** One page, per model, of the outgoing live edges of these types of all of its versions. */
export async function edgePagesOfModels(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  query: { types: readonly EdgeType[]; modelIds: readonly string[] },
  page: PageRequest,
): Promise<GraphEdge[][]> {
  const rows = await findEdgePagesByModelIds(deps.db, viewer.orgId, query, page);
  return groupRows(query.modelIds, rows, (row) => row.group_id).map((group) =>
    group.map(toGraphEdge),
  );
}

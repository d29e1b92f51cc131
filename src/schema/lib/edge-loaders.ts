import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import {
  type EdgeEndpoint,
  findEdgePages,
  findEdgePagesByModelIds,
  findEdgesByEndpoint,
  findLinkedVersions,
} from '../../registry/lineage/lineage.repository.ts';
import type { EdgeTable } from '../../registry/lineage/lineage.table.ts';
import { type EdgeType, type GraphEdge, toGraphEdge } from '../../registry/lineage/lineage.ts';
import { type ModelVersion, toModelVersion } from '../../registry/model/model.ts';
import {
  type ConnectionArgs,
  encodeCursor,
  groupRows,
  parsePageArgs,
  toConnection,
} from './connection.ts';

const edgeLoaderCache = createContextCache(
  (_context: Context) => new Map<string, DataLoader<string, GraphEdge[]>>(),
);

/**
 * Outgoing edge types whose lists are short (a node's own parents, its one replacement, its
 * approvals): edgesAt loads them together with one loader, so a level selecting several of these
 * fields (experiments, replacedBy, approvedBy...) costs one statement instead of one per type.
 */
const SHORT_OUTGOING: readonly EdgeType[] = ['DERIVED_FROM', 'REPLACED_BY', 'APPROVED_BY'];

/**
 * Live edges of the given types at one end of each node, batched across all parents of a level:
 * `edgesAt(ctx, 'src', ['DERIVED_FROM']).load(versionId)` is one statement for the whole level,
 * shared by every outgoing type of SHORT_OUTGOING.
 */
export function edgesAt(
  context: Context,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
): { load: (id: string) => Promise<GraphEdge[]> } {
  const shared = endpoint === 'src' && types.every((type) => SHORT_OUTGOING.includes(type));
  if (!shared) return edgeLoader(context, endpoint, types);
  const loader = edgeLoader(context, 'src', SHORT_OUTGOING);
  return {
    load: async (id) => (await loader.load(id)).filter((edge) => types.includes(edge.type)),
  };
}

function edgeLoader(
  context: Context,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
): DataLoader<string, GraphEdge[]> {
  const loaders = edgeLoaderCache(context);
  const key = `${endpoint}:${types.join(',')}`;
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await findEdgesByEndpoint(
        context.db,
        context.viewer.orgId,
        endpoint,
        types,
        ids,
      );
      return groupRows(ids, rows, (row) => (endpoint === 'src' ? row.src_id : row.dst_id)).map(
        (group) => group.map(toGraphEdge),
      );
    });
    loaders.set(key, loader);
  }
  return loader;
}

/** An edge of a relation connection: the node at the other end (as an id, loaded in batch). */
export interface RelationEdge {
  cursor: string;
  node: string;
  edge: GraphEdge;
}

function relationConnections(
  ids: readonly string[],
  rows: readonly (EdgeTable & { group_id: string })[],
  args: ConnectionArgs,
  page: ReturnType<typeof parsePageArgs>,
  otherEnd: (edge: GraphEdge) => string,
) {
  return groupRows(ids, rows, (row) => row.group_id).map((group) =>
    toConnection(
      group,
      page,
      (row, cursor): RelationEdge => {
        const edge = toGraphEdge(row);
        return { cursor, node: otherEnd(edge), edge };
      },
      (row) => encodeCursor(row.id),
    ),
  );
}

/** One page of a relation for each parent of a level, in one statement. */
export async function loadRelationPages(
  context: Context,
  ids: readonly string[],
  query: { endpoint: EdgeEndpoint; types: readonly EdgeType[] },
  args: ConnectionArgs,
) {
  const page = parsePageArgs(args);
  const rows = await findEdgePages(context.db, context.viewer.orgId, { ...query, ids }, page);
  const otherEnd = (edge: GraphEdge) => (query.endpoint === 'src' ? edge.dstId : edge.srcId);
  return relationConnections(ids, rows, args, page, otherEnd);
}

/** Model-level relations: the outgoing edges of all of each model's versions, paged per model. */
export async function loadModelRelationPages(
  context: Context,
  modelIds: readonly string[],
  types: readonly EdgeType[],
  args: ConnectionArgs,
) {
  const page = parsePageArgs(args);
  const rows = await findEdgePagesByModelIds(
    context.db,
    context.viewer.orgId,
    { types, modelIds },
    page,
  );
  return relationConnections(modelIds, rows, args, page, (edge) => edge.dstId);
}

const versionLoaderCache = createContextCache(
  (_context: Context) => new Map<string, DataLoader<string, ModelVersion[]>>(),
);

/** Versions linked to each node by live edges of the given types, one statement per level. */
export function linkedVersions(
  context: Context,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
): DataLoader<string, ModelVersion[]> {
  const loaders = versionLoaderCache(context);
  const key = `${endpoint}:${types.join(',')}`;
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await findLinkedVersions(context.db, context.viewer.orgId, endpoint, types, ids);
      return groupRows(ids, rows, (row) => row.group_id).map((group) =>
        group.map(({ group_id: _group, ...row }) => toModelVersion(row)),
      );
    });
    loaders.set(key, loader);
  }
  return loader;
}

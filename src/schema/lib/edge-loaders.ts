import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import type { EdgeEndpoint, EdgeType, GraphEdge } from '../../registry/lineage/lineage.ts';
import {
  edgePagesAt,
  edgePagesOfModels,
  liveEdgesAt,
} from '../../registry/lineage/lineage-read.service.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { linkedVersionsOf } from '../../registry/model/model-read.service.ts';
import { type ConnectionArgs, encodeCursor, parsePageArgs, toConnection } from './connection.ts';

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
    loader = new DataLoader((ids: readonly string[]) =>
      liveEdgesAt(context.deps, context.viewer, endpoint, types, ids),
    );
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
  pages: readonly GraphEdge[][],
  page: ReturnType<typeof parsePageArgs>,
  otherEnd: (edge: GraphEdge) => string,
) {
  return pages.map((edges) =>
    toConnection(
      edges,
      page,
      (edge, cursor): RelationEdge => ({ cursor, node: otherEnd(edge), edge }),
      (edge) => encodeCursor(edge.id),
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
  const pages = await edgePagesAt(context.deps, context.viewer, { ...query, ids }, page);
  const otherEnd = (edge: GraphEdge) => (query.endpoint === 'src' ? edge.dstId : edge.srcId);
  return relationConnections(pages, page, otherEnd);
}

/** Model-level relations: the outgoing edges of all of each model's versions, paged per model. */
export async function loadModelRelationPages(
  context: Context,
  modelIds: readonly string[],
  types: readonly EdgeType[],
  args: ConnectionArgs,
) {
  const page = parsePageArgs(args);
  const pages = await edgePagesOfModels(context.deps, context.viewer, { types, modelIds }, page);
  return relationConnections(pages, page, (edge) => edge.dstId);
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
    loader = new DataLoader((ids: readonly string[]) =>
      linkedVersionsOf(context.deps, context.viewer, endpoint, types, ids),
    );
    loaders.set(key, loader);
  }
  return loader;
}

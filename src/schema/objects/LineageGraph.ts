import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionNode,
} from 'graphql';
import type { Context } from '../../context.ts';
import { lineageLabels } from '../../registry/lineage/labels.service.ts';
import type {
  LineageEdgeEntry,
  LineageNodeEntry,
  LineageWalk,
} from '../../registry/lineage/traversal.service.ts';
import { builder } from '../builder.ts';
import { decodeCursor, encodeCursor } from '../lib/connection.ts';
import { loadNode } from '../lib/nodes.ts';
import { EdgeTypeEnum, NodeKindEnum } from './enums.ts';
import { LineageNodeRef } from './LineageNode.ts';

/** Lineage pages are larger than connection pages: a graph is read whole more often than not. */
export const DEFAULT_LINEAGE_PAGE = 1_000;
// 25,000: the 10,001-node chain and the 17,603-node DAG of the benchmark come back in one request.
export const MAX_LINEAGE_PAGE = 25_000;

export const LineageDirectionEnum = builder.enumType('LineageDirection', {
  description: 'Which way to walk lineage from a node.',
  values: {
    UPSTREAM: {
      value: 'UPSTREAM',
      description: 'What the node depends on: datasets, parent versions, experiments.',
    },
    DOWNSTREAM: {
      value: 'DOWNSTREAM',
      description: 'What depends on the node: derived versions, deployments, replacements.',
    },
    BOTH: { value: 'BOTH', description: 'Upstream and downstream together.' },
  } as const,
});

const ReachedByEnum = builder.enumType('LineageReachedBy', {
  description: 'How a node of a lineage graph was reached.',
  values: {
    ROOT: { value: 'ROOT', description: 'The root (and, for a Model, its versions).' },
    UPSTREAM: { value: 'UPSTREAM', description: 'Walking upstream.' },
    DOWNSTREAM: { value: 'DOWNSTREAM', description: 'Walking downstream.' },
  } as const,
});

/** One page of a lineage walk, as the GraphQL layer serves it. */
export interface LineagePage {
  walk: LineageWalk;
  nodes: LineageNodeEntry[];
  edges: LineageEdgeEntry[];
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

function nodeCursor(node: LineageNodeEntry): string {
  return encodeCursor(JSON.stringify([node.depth, node.id]));
}

export interface LineagePageRequest {
  size: number;
  after: [number, string] | null;
}

/** Validates `first`/`after` before any walking, so a bad request costs nothing. */
export function parseLineagePage(args: {
  first?: number | null;
  after?: string | null;
}): LineagePageRequest {
  const size = args.first ?? DEFAULT_LINEAGE_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_LINEAGE_PAGE) {
    throw new GraphQLError(`"first" must be between 1 and ${MAX_LINEAGE_PAGE}`, {
      extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
    });
  }
  if (!args.after) return { size, after: null };
  const raw = decodeCursor(args.after, 'after');
  let position: unknown = null;
  try {
    position = JSON.parse(raw);
  } catch {
    position = null;
  }
  if (
    !Array.isArray(position) ||
    typeof position[0] !== 'number' ||
    typeof position[1] !== 'string'
  ) {
    throw new GraphQLError('"after" is not a cursor of a lineage graph', {
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  }
  return { size, after: [position[0], position[1]] };
}

/** Pages a walk's nodes by (depth, id); each edge belongs to the page of the node it reached. */
export function pageLineage(walk: LineageWalk, request: LineagePageRequest): LineagePage {
  const { size } = request;
  let start = 0;
  if (request.after) {
    const [depth, id] = request.after;
    start = walk.nodes.findIndex(
      (node) => node.depth > depth || (node.depth === depth && node.id > id),
    );
    if (start < 0) start = walk.nodes.length;
  }
  const nodes = walk.nodes.slice(start, start + size);
  const onPage = new Set(nodes.map((node) => node.id));
  return {
    walk,
    nodes,
    edges: walk.edges.filter((edge) => onPage.has(edge.to.id)),
    hasNextPage: start + size < walk.nodes.length,
    startCursor: nodes[0] ? nodeCursor(nodes[0]) : null,
    endCursor: nodes.length ? nodeCursor(nodes[nodes.length - 1] as LineageNodeEntry) : null,
  };
}

async function loadEntry(context: Context, entry: { kind: LineageNodeEntry['kind']; id: string }) {
  const node = await loadNode(context, entry.kind, entry.id);
  if (!node) throw new Error(`Lineage node ${entry.kind}:${entry.id} vanished during the request`);
  return node as never;
}

/**
 * Whether a selection reads nothing but `id` and `__typename`, through inline fragments and named
 * fragments too: then a node's kind and id (which the walk has) answer it without its row.
 */
export function selectsOnlyIdentity(
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): boolean {
  const only = (selections: readonly SelectionNode[], seen: Set<string>): boolean =>
    selections.every((selection) => {
      if (selection.kind === Kind.FIELD) {
        return selection.name.value === 'id' || selection.name.value === '__typename';
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        return only(selection.selectionSet.selections, seen);
      }
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment) return false;
      if (seen.has(name)) return true;
      return only(fragment.selectionSet.selections, new Set([...seen, name]));
    });
  return fieldNodes.every((field) => only(field.selectionSet?.selections ?? [], new Set()));
}

export const LineageEdgeRef = builder.objectRef<LineageEdgeEntry>('LineageEdge').implement({
  description: 'An edge of a lineage graph, with the depth at which the walk first reached it.',
  fields: (t) => ({
    id: t.id({
      description: 'Global ID of the stored edge (a GraphEdge).',
      resolve: (edge) => encodeGlobalID('GraphEdge', edge.id),
    }),
    type: t.field({
      type: EdgeTypeEnum,
      description: 'The edge type.',
      resolve: (edge) => edge.type,
    }),
    from: t.field({
      type: LineageNodeRef,
      description: 'The stored edge’s source.',
      resolve: (edge, _args, context) => loadEntry(context, edge.source),
    }),
    to: t.field({
      type: LineageNodeRef,
      description: 'The stored edge’s target.',
      resolve: (edge, _args, context) => loadEntry(context, edge.target),
    }),
    depth: t.int({
      description:
        'Depth at which the walk first crossed this edge: the depth of the node it was crossed from, plus one.',
      resolve: (edge) => edge.depth,
    }),
    properties: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Properties recorded on the edge.',
      resolve: (edge) => edge.properties,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the edge was recorded.',
      resolve: (edge) => edge.createdAt,
    }),
  }),
});

/** A node of a page, with its page: labels are read once per page, for all its nodes. */
type NodeOfPage = LineageNodeEntry & { page: LineagePage };

const LineageNodeInfoRef = builder.objectRef<NodeOfPage>('LineageNodeInfo').implement({
  description: 'A node of a lineage graph with what a picture of it needs.',
  fields: (t) => ({
    node: t.field({
      type: LineageNodeRef,
      description: 'The node.',
      resolve: (entry, _args, context) => loadEntry(context, entry),
    }),
    kind: t.field({ type: NodeKindEnum, description: 'Its kind.', resolve: (entry) => entry.kind }),
    label: t.string({
      description: 'A short label: the name, or "model@version" for a version.',
      resolve: async (entry, _args, context) =>
        (await labels(context, entry.page)).get(entry.id)?.label ?? entry.id,
    }),
    depth: t.int({
      description: 'Hops from the root (0 for the root).',
      resolve: (entry) => entry.depth,
    }),
    reachedBy: t.field({
      type: ReachedByEnum,
      description: 'Whether it is upstream or downstream of the root.',
      resolve: (entry) => entry.reachedBy,
    }),
  }),
});

const LineagePageInfo = builder.objectRef<LineagePage>('LineagePageInfo').implement({
  description: 'Where this page of a lineage graph sits; pass endCursor as `after` for the next.',
  fields: (t) => ({
    hasNextPage: t.boolean({
      description: 'Whether more nodes follow.',
      resolve: (page) => page.hasNextPage,
    }),
    startCursor: t.string({
      nullable: true,
      description: 'Cursor of the first node of this page.',
      resolve: (page) => page.startCursor,
    }),
    endCursor: t.string({
      nullable: true,
      description: 'Cursor of the last node of this page.',
      resolve: (page) => page.endCursor,
    }),
  }),
});

function mermaidId(id: string) {
  return `n${id.replace(/[^a-zA-Z0-9]/g, '')}`;
}

const labelsOfPage = new WeakMap<
  LineagePage,
  Promise<Map<string, { kind: string; label: string }>>
>();

/**
 * Kind and label of every node a page draws (its nodes and both ends of its edges), read once per
 * page however many fields (nodeInfo, mermaid, dot) ask.
 */
function labels(context: Context, page: LineagePage) {
  let pending = labelsOfPage.get(page);
  if (!pending) {
    pending = readLabels(context, page);
    labelsOfPage.set(page, pending);
  }
  return pending;
}

async function readLabels(context: Context, page: LineagePage) {
  const entries = new Map<string, { kind: LineageNodeEntry['kind']; id: string }>();
  for (const node of page.nodes) entries.set(node.id, node);
  for (const edge of page.edges) {
    entries.set(edge.source.id, edge.source);
    entries.set(edge.target.id, edge.target);
  }
  const names = await lineageLabels(context.db, context.viewer.orgId, [...entries.values()]);
  return new Map(
    [...entries.values()].map((entry) => [
      entry.id,
      { kind: entry.kind, label: names.get(entry.id) ?? entry.id },
    ]),
  );
}

export const LineageGraphRef = builder.objectRef<LineagePage>('LineageGraph').implement({
  description:
    'Every node reachable from the root, each once, and every edge between them, each once with the depth at which it was reached.',
  fields: (t) => ({
    root: t.field({
      type: LineageNodeRef,
      description: 'Where the walk started.',
      resolve: (page, _args, context) => loadEntry(context, page.walk.root),
    }),
    nodes: t.field({
      type: [LineageNodeRef],
      description: 'The nodes of this page, by depth then id; the root comes first.',
      resolve: (page, _args, context, info) =>
        // Drawing a graph mostly needs ids: those come from the walk itself, so skip loading
        // 10,000 rows only to read their ids back.
        selectsOnlyIdentity(info.fieldNodes, info.fragments)
          ? page.nodes.map(({ kind, id }) => ({ kind, id }) as never)
          : Promise.all(page.nodes.map((entry) => loadEntry(context, entry))),
    }),
    nodeInfo: t.field({
      type: [LineageNodeInfoRef],
      description: 'The same nodes with kind, label, depth and direction, for drawing.',
      resolve: (page) => page.nodes.map((entry) => ({ ...entry, page })),
    }),
    edges: t.field({
      type: [LineageEdgeRef],
      description: 'Edges that reached a node of this page, each once.',
      resolve: (page) => page.edges,
    }),
    totalNodes: t.int({
      description: 'Nodes in the whole walk (all pages).',
      resolve: (page) => page.walk.nodes.length,
    }),
    totalEdges: t.int({
      description: 'Edges in the whole walk (all pages).',
      resolve: (page) => page.walk.edges.length,
    }),
    depthReached: t.int({
      description: 'The largest depth of any node in the walk.',
      resolve: (page) => page.walk.depthReached,
    }),
    isTruncated: t.boolean({
      description:
        'True when maxDepth or the node budget stopped the walk with more graph beyond it, or when more pages follow.',
      resolve: (page) => page.walk.isTruncated || page.hasNextPage,
    }),
    pageInfo: t.field({
      type: LineagePageInfo,
      description: 'Cursors for the next page of nodes.',
      resolve: (page) => page,
    }),
    mermaid: t.string({
      description: 'This page as a Mermaid flowchart (paste into any Mermaid renderer).',
      resolve: async (page, _args, context) => {
        const names = await labels(context, page);
        const lines = ['flowchart LR'];
        for (const [id, { kind, label }] of names) {
          lines.push(`  ${mermaidId(id)}["${kind}: ${label.replace(/"/g, '#quot;')}"]`);
        }
        for (const edge of page.edges) {
          lines.push(
            `  ${mermaidId(edge.source.id)} -->|${edge.type}| ${mermaidId(edge.target.id)}`,
          );
        }
        return `${lines.join('\n')}\n`;
      },
    }),
    dot: t.string({
      description: 'This page as Graphviz DOT (render with `dot -Tsvg`).',
      resolve: async (page, _args, context) => {
        const names = await labels(context, page);
        const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
        const lines = ['digraph lineage {', '  rankdir=LR;'];
        for (const [id, { kind, label }] of names) {
          lines.push(`  ${quote(id)} [label=${quote(`${kind}: ${label}`)}];`);
        }
        for (const edge of page.edges) {
          lines.push(
            `  ${quote(edge.source.id)} -> ${quote(edge.target.id)} [label=${quote(edge.type)}];`,
          );
        }
        lines.push('}');
        return `${lines.join('\n')}\n`;
      },
    }),
  }),
});

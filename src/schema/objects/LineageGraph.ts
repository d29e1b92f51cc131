import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLResolveInfo,
  Kind,
  type SelectionNode,
} from 'graphql';
import type { Context } from '../../context.ts';
import { encodeGlobalID } from '../../global-id.ts';
import { lineageGraphDocument } from '../../registry/lineage/graph-document.ts';
import { lineageLabels } from '../../registry/lineage/labels.service.ts';
import {
  drawnNodes,
  type LineagePage,
  type LineagePageRequest,
  lineageDot,
  lineageMermaid,
  parseLineageCursor,
  parseWalkCursor,
} from '../../registry/lineage/pages.ts';
import {
  type LineageEdgeDetails,
  type LineageEdgeEntry,
  type LineageNodeEntry,
  lineageEdgeDetails,
} from '../../registry/lineage/traversal.service.ts';
import { lineagePage } from '../../registry/lineage/walk-segments.service.ts';
import { builder } from '../builder.ts';
import { decodeCursor } from '../lib/connection.ts';
import { loadNode } from '../lib/nodes.ts';
import { withUserErrors } from '../lib/user-errors.ts';
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
  decodeCursor(args.after, 'after');
  const segment = parseWalkCursor(args.after);
  if (segment) return { size, after: null, segment };
  const after = parseLineageCursor(args.after);
  if (!after) {
    throw new GraphQLError('"after" is not a cursor of a lineage graph', {
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  }
  return { size, after };
}

async function loadEntry(context: Context, entry: { kind: LineageNodeEntry['kind']; id: string }) {
  const node = await loadNode(context, entry.kind, entry.id);
  if (!node) throw new Error(`Lineage node ${entry.kind}:${entry.id} vanished during the request`);
  return node as never;
}

/**
 * The fields a selection set reads, through inline and named fragments (each named fragment once;
 * validation has already refused unknown fragments and cycles).
 */
function fieldsOf(
  selections: readonly SelectionNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...fieldsOf(selection.selectionSet.selections, fragments, seen));
    } else {
      const fragment = fragments[selection.name.value];
      if (!fragment || seen.has(selection.name.value)) continue;
      seen.add(selection.name.value);
      fields.push(...fieldsOf(fragment.selectionSet.selections, fragments, seen));
    }
  }
  return fields;
}

/**
 * Whether a selection reads nothing but `id` and `__typename`, through inline fragments and named
 * fragments too: then a node's kind and id (which the walk has) answer it without its row.
 */
export function selectsOnlyIdentity(
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): boolean {
  return fieldNodes.every((field) =>
    fieldsOf(field.selectionSet?.selections ?? [], fragments).every(
      (read) => read.name.value === 'id' || read.name.value === '__typename',
    ),
  );
}

/**
 * Whether a `lineage` selection will read its edges' properties or creation time: `edges {
 * properties }` or `edges { createdAt }`, or `graph(edgeDetails: true)` (a literal or a variable),
 * through fragments too. Such a walk reads them in its own statement instead of one more.
 */
export function selectionAsksEdgeDetails(info: GraphQLResolveInfo): boolean {
  const graphAsks = (graph: FieldNode) => {
    const argument = graph.arguments?.find((arg) => arg.name.value === 'edgeDetails');
    if (argument?.value.kind === Kind.BOOLEAN) return argument.value.value;
    return (
      argument?.value.kind === Kind.VARIABLE &&
      info.variableValues.coerced[argument.value.name.value] === true
    );
  };
  return lineageSelects(info, (field, fields) =>
    field.name.value === 'edges'
      ? fields(field).some((read) => ['properties', 'createdAt'].includes(read.name.value))
      : field.name.value === 'graph' && graphAsks(field),
  );
}

/**
 * Whether a `lineage` selection will draw its nodes with their labels: `graph`, `mermaid`, `dot`
 * or `nodeInfo { label }`, through fragments too. Such a walk reads the labels in its own
 * statement instead of one more.
 */
export function selectionDraws(info: GraphQLResolveInfo): boolean {
  return lineageSelects(info, (field, fields) =>
    field.name.value === 'nodeInfo'
      ? fields(field).some((read) => read.name.value === 'label')
      : DRAWING_FIELDS.has(field.name.value),
  );
}

const DRAWING_FIELDS = new Set(['graph', 'mermaid', 'dot']);

/**
 * Whether a field the `lineage` selection reads (through fragments too) passes `test`, which gets
 * the way to that field's own fields.
 */
function lineageSelects(
  info: GraphQLResolveInfo,
  test: (field: FieldNode, fields: (of: FieldNode) => readonly FieldNode[]) => boolean,
): boolean {
  const fields = (field: FieldNode) =>
    fieldsOf(field.selectionSet?.selections ?? [], info.fragments);
  return info.fieldNodes.some((lineage) => fields(lineage).some((field) => test(field, fields)));
}

/**
 * Hands the details of a page's edges (read with the walk) to the request's loader, so the fields
 * that ask for them read no more. Only the page's: the walk read every edge's text, but parsing
 * and keeping them grows with the page, not the walk.
 */
export async function primeEdgeDetails(context: Context, page: LineagePage) {
  if (!page.walk.edgeDetails) return;
  const loader = edgeDetailsCache(context);
  const details = await lineageEdgeDetails(context.db, context.viewer.orgId, page.walk, page.edges);
  for (const [id, entry] of details) loader.prime(id, entry);
}

/**
 * selectsOnlyIdentity for a field of a list item, decided once per selection: every item of a
 * list is completed with the same field nodes, so 70,000 edges ask once, not 70,000 times. Keyed
 * by the first field node (graphql-js 17 hands each call a new `fieldNodes` array, so the array
 * itself is no key); the same node can be merged with others elsewhere (a fragment spread in two
 * places), so each answer is kept with the nodes it was decided for.
 */
const identityOnly = new WeakMap<FieldNode, { nodes: readonly FieldNode[]; only: boolean }[]>();

function readsOnlyIdentity(info: GraphQLResolveInfo): boolean {
  const { fieldNodes } = info;
  const first = fieldNodes[0] as FieldNode;
  let decided = identityOnly.get(first);
  if (!decided) {
    decided = [];
    identityOnly.set(first, decided);
  }
  for (const entry of decided) {
    if (
      entry.nodes.length === fieldNodes.length &&
      entry.nodes.every((node, index) => node === fieldNodes[index])
    ) {
      return entry.only;
    }
  }
  const only = selectsOnlyIdentity(fieldNodes, info.fragments);
  decided.push({ nodes: [...fieldNodes], only });
  return only;
}

/**
 * A node of the walk: the walk's own entry (its kind and id are all LineageNode's type and `id`
 * read) when that is all the selection reads, else its row.
 */
function nodeOfWalk(
  context: Context,
  info: GraphQLResolveInfo,
  entry: { kind: LineageNodeEntry['kind']; id: string },
) {
  return readsOnlyIdentity(info) ? (entry as never) : loadEntry(context, entry);
}

/**
 * Properties and creation time of the walk edges a request asks about: primed from the walk when
 * it read them (primeEdgeDetails), else one statement for all the edges asked in the same tick
 * (a page, impact's paths).
 */
const edgeDetailsCache = createContextCache(
  (context: Context) =>
    new DataLoader<string, LineageEdgeDetails>(async (ids) => {
      const details = await lineageEdgeDetails(
        context.db,
        context.viewer.orgId,
        null,
        ids.map((id) => ({ id })),
      );
      // Edges are ended, never deleted: a miss is a bug, reported on that edge alone.
      return ids.map(
        (id) => details.get(id) ?? new Error(`Lineage edge ${id} vanished during the request`),
      );
    }),
);

/** The details of a page's edges through the same loader (a walk asking twice reads once). */
async function pageEdgeDetails(context: Context, page: LineagePage) {
  const ids = page.edges.map((edge) => edge.id);
  const loaded = await edgeDetailsCache(context).loadMany(ids);
  const details = new Map<string, LineageEdgeDetails>();
  loaded.forEach((entry, index) => {
    if (entry instanceof Error) throw entry;
    details.set(ids[index] as string, entry);
  });
  return details;
}

function edgeDetails(context: Context, edge: LineageEdgeEntry) {
  return edgeDetailsCache(context).load(edge.id);
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
      resolve: (edge, _args, context, info) => nodeOfWalk(context, info, edge.source),
    }),
    to: t.field({
      type: LineageNodeRef,
      description: 'The stored edge’s target.',
      resolve: (edge, _args, context, info) => nodeOfWalk(context, info, edge.target),
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
      resolve: async (edge, _args, context) => (await edgeDetails(context, edge)).properties,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the edge was recorded.',
      resolve: async (edge, _args, context) => (await edgeDetails(context, edge)).createdAt,
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
      resolve: (entry, _args, context, info) => nodeOfWalk(context, info, entry),
    }),
    kind: t.field({ type: NodeKindEnum, description: 'Its kind.', resolve: (entry) => entry.kind }),
    label: t.string({
      description: 'A short label: the name, or "model@version" for a version.',
      // Synchronous once the page's labels are read (nodeInfo reads them first when the walk
      // brought them): a promise per node made 10,000 of them for a 10,000-node page.
      resolve: (entry, _args, context) => {
        const ready = labelsOfPage.get(entry.page)?.ready;
        if (ready) return ready.get(entry.id) ?? entry.id;
        return labels(context, entry.page).then((read) => read.get(entry.id) ?? entry.id);
      },
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

/** A page's labels being read, and once read, the labels themselves. */
type PageLabels = { pending: Promise<Map<string, string>>; ready?: Map<string, string> };

const labelsOfPage = new WeakMap<LineagePage, PageLabels>();

/**
 * Labels of every node a page draws (its nodes and both ends of its edges), read once per page
 * however many fields (nodeInfo, mermaid, dot) ask.
 */
function labels(context: Context, page: LineagePage) {
  let read = labelsOfPage.get(page);
  if (!read) {
    const entry: PageLabels = {
      pending: lineageLabels(context.db, context.viewer.orgId, drawnNodes(page), page.walk.labels),
    };
    entry.pending.then(
      (ready) => {
        entry.ready = ready;
      },
      () => undefined,
    );
    labelsOfPage.set(page, entry);
    read = entry;
  }
  return read.pending;
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
          ? (page.nodes as never[])
          : Promise.all(page.nodes.map((entry) => loadEntry(context, entry))),
    }),
    nodeInfo: t.field({
      type: [LineageNodeInfoRef],
      description: 'The same nodes with kind, label, depth and direction, for drawing.',
      resolve: (page, _args, context) => {
        const entries = () => page.nodes.map((entry) => ({ ...entry, page }));
        // The walk read the labels (the selection draws, selectionDraws): have them ready before
        // the nodes resolve, so that each node's label is read synchronously.
        return page.walk.labels ? labels(context, page).then(entries) : entries();
      },
    }),
    edges: t.field({
      type: [LineageEdgeRef],
      description: 'Edges that reached a node of this page, each once.',
      resolve: (page) => page.edges,
    }),
    totalNodes: t.int({
      description:
        'Nodes in the whole walk (all pages). For a walk past the edge-row budget, served a segment at a time, the nodes of the pages up to this one.',
      resolve: (page) => page.totalNodes,
    }),
    totalEdges: t.int({
      description:
        'Edges in the whole walk (all pages). For a walk past the edge-row budget, served a segment at a time, the edges of the pages up to this one.',
      resolve: (page) => page.totalEdges,
    }),
    depthReached: t.int({
      description: 'The largest depth of any node in the walk.',
      resolve: (page) => page.depthReached,
    }),
    isTruncated: t.boolean({
      description:
        'True when maxDepth or the node budget stopped the walk with more graph beyond it, or when more pages follow.',
      resolve: (page) => page.isTruncated,
    }),
    pageInfo: t.field({
      type: LineagePageInfo,
      description: 'Cursors for the next page of nodes.',
      resolve: (page) => page,
    }),
    graph: t.field({
      type: 'JSON',
      description:
        'This page as one compact JSON document for drawing, the same as GET /api/lineage/{id}/graph answers: { total_nodes, total_edges, page_info: { has_next_page, end_cursor }, depth_reached, is_truncated, edge_columns, edge_types, nodes: [{ id, kind, label, depth, reached_by }], edges: [[source, target, type, depth]] }. Node ids are global IDs. Each edge is an array whose positions edge_columns names: source and target are indexes into nodes, type an index into edge_types. nodes holds this page’s nodes by depth then id, then (with on_other_page: true) the nodes of other pages that this page’s edges touch, so every edge end resolves. With edgeDetails each edge also carries its global ID, created_at and properties. Built straight from the walk, without resolving each node and edge as an object.',
      args: {
        edgeDetails: t.arg.boolean({
          required: false,
          defaultValue: false,
          description:
            'Also give each edge its global ID, created_at and properties (edge_columns then lists id, created_at, properties after depth). The typed `edges` field always has them.',
        }),
      },
      resolve: async (page, args, context) => {
        const [pageLabels, details] = await Promise.all([
          labels(context, page),
          args.edgeDetails ? pageEdgeDetails(context, page) : null,
        ]);
        return lineageGraphDocument(page, pageLabels, encodeGlobalID, details);
      },
    }),
    mermaid: t.string({
      description: 'This page as a Mermaid flowchart (paste into any Mermaid renderer).',
      resolve: async (page, _args, context) => lineageMermaid(page, await labels(context, page)),
    }),
    dot: t.string({
      description: 'This page as Graphviz DOT (render with `dot -Tsvg`).',
      resolve: async (page, _args, context) => lineageDot(page, await labels(context, page)),
    }),
  }),
});

/** Query cost of one lineage walk (QUERY_LIMITS.complexity is 100,000): at most 9 walks per operation, none inside a list. */
export const LINEAGE_WALK_COMPLEXITY = 10_000;

/** `LineageNode.lineage`: defined with the type it returns, so LineageNode.ts imports nothing back. */
builder.interfaceField(LineageNodeRef, 'lineage', (t) =>
  t.field({
    type: LineageGraphRef,
    // A walk is a few D1 statements of its own (a recursive CTE and its page), not batched
    // across parents: priced so that a list of nodes cannot ask for more walks than D1's
    // 50 statements per invocation allow (at most 9 in one operation under the 20,000 limit).
    complexity: LINEAGE_WALK_COMPLEXITY,
    description:
      'Every node reachable from this one, walked in one request to any depth: each node once, each edge once with the depth at which it was first reached.',
    args: {
      direction: t.arg({
        type: LineageDirectionEnum,
        required: true,
        defaultValue: 'BOTH',
        description: 'Upstream, downstream or both.',
      }),
      edgeTypes: t.arg({
        type: [EdgeTypeEnum],
        description: 'Follow only these edge types (default: all).',
      }),
      maxDepth: t.arg.int({ description: 'Stop after this many hops; null for no limit.' }),
      asOf: t.arg({
        type: 'DateTime',
        description: 'Read the graph as it was at this instant (edges are ended, not deleted).',
      }),
      first: t.arg.int({ description: 'Nodes per page (1-25,000, default 1,000).' }),
      after: t.arg.string({
        description:
          'Continue after this cursor (pageInfo.endCursor). Past the edge-row budget the cursor continues the walk from where the previous page stopped (valid for an hour, for the same arguments).',
      }),
    },
    resolve: (node, args, context, info) => {
      const page = parseLineagePage(args);
      return withUserErrors(async () => {
        const lineage = await lineagePage(
          context.deps,
          context.viewer,
          {
            root: { kind: node.kind as never, id: node.id },
            // The node was just loaded in the caller's organization: no need to look again.
            rootExists: true,
            direction: args.direction,
            edgeTypes: args.edgeTypes,
            maxDepth: args.maxDepth,
            asOf: args.asOf,
            nodeBudget: context.deps.config.lineageNodeBudget,
            edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
            // Read with the walk when the selection will list them: no statement more.
            edgeDetails: selectionAsksEdgeDetails(info),
            labels: selectionDraws(info),
          },
          page,
        );
        await primeEdgeDetails(context, lineage);
        return lineage;
      });
    },
  }),
);

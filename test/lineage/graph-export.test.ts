// The lineage graph as one compact document, built straight from the walk: GET
// /api/lineage/:id/graph (JSON, Mermaid, DOT; any node as root; paged by the same cursors as
// GraphQL) and LineageGraph.graph. Both must list exactly the nodes and edges the typed fields
// list, every edge end must resolve to a node of the document (on paged walks too), and per-edge
// details come only when asked.
import { SELF } from 'cloudflare:test';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withNodeLabels } from '../../src/registry/lineage/lineage.repository.ts';
import { encodeCursorKey } from '../../src/registry/paging.ts';
import { type ApiErrorBody, api } from '../api/api-client.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';
import { givenChain, givenCycles, givenDiamond, givenEveryEdgeType } from './given-graphs.ts';
import { GraphBuilder, rowIdOf } from './graph-builder.ts';
import { type LineageArgs, lineageOf, onlyError } from './lineage-query.ts';

interface GraphNode {
  id: string;
  kind: string;
  label: string;
  depth: number;
  reached_by: string;
  on_other_page?: true;
}

/** [source, target, type, depth] or, with edge details, [..., id, created_at, properties]. */
type EdgeTuple = [number, number, number, number, ...unknown[]];

interface GraphDocument {
  total_nodes: number;
  total_edges: number;
  page_info: { has_next_page: boolean; end_cursor: string | null };
  depth_reached: number;
  is_truncated: boolean;
  edge_columns: string[];
  edge_types: string[];
  nodes: GraphNode[];
  edges: EdgeTuple[];
}

/** An edge tuple read through the document's own legend, its ends resolved to nodes. */
interface ResolvedEdge {
  source: GraphNode;
  target: GraphNode;
  type: string;
  depth: number;
  id?: string;
  created_at?: string;
  properties?: unknown;
}

/**
 * Reads every edge through edge_columns and edge_types, failing the test on an end that does not
 * resolve to a node of the document, an unknown type index or a tuple of the wrong length.
 */
function resolveEdges(document: GraphDocument): ResolvedEdge[] {
  return document.edges.map((tuple) => {
    expect(tuple).toHaveLength(document.edge_columns.length);
    const row = Object.fromEntries(document.edge_columns.map((column, i) => [column, tuple[i]]));
    const source = document.nodes[row.source as number];
    const target = document.nodes[row.target as number];
    const type = document.edge_types[row.type as number];
    expect(source, `edge ${JSON.stringify(tuple)}: source`).toBeDefined();
    expect(target, `edge ${JSON.stringify(tuple)}: target`).toBeDefined();
    expect(type, `edge ${JSON.stringify(tuple)}: type`).toBeDefined();
    return { ...row, source, target, type } as ResolvedEdge;
  });
}

type Direction = LineageArgs['direction'];

function restPath(graph: GraphBuilder, root: string, query: string) {
  return `/api/lineage/${graph.gid(root)}/graph${query ? `?${query}` : ''}`;
}

async function restGraph(graph: GraphBuilder, root: string, query: string) {
  const response = await api<GraphDocument>(
    graph.org.tokens.VIEWER,
    'GET',
    restPath(graph, root, query),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const GraphField = /* GraphQL */ `
  query (
    $id: ID!
    $direction: LineageDirection!
    $first: Int
    $after: String
    $edgeDetails: Boolean
  ) {
    node(id: $id) {
      ... on LineageNode {
        lineage(direction: $direction, first: $first, after: $after) {
          graph(edgeDetails: $edgeDetails)
          mermaid
          dot
        }
      }
    }
  }
`;

async function graphField(
  graph: GraphBuilder,
  root: string,
  direction: Direction,
  options: { first?: number; after?: string | null; edgeDetails?: boolean } = {},
) {
  const response = await gql(graph.org.tokens.VIEWER, GraphField, {
    id: graph.gid(root),
    direction,
    first: options.first ?? 1000,
    after: options.after ?? null,
    edgeDetails: options.edgeDetails ?? null,
  });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.node.lineage as { graph: GraphDocument; mermaid: string; dot: string };
}

/**
 * The typed answer as sorted strings: "name Kind label @depth REACHED_BY" and
 * "src TYPE dst @depth" (prefixed with the edge's global ID when `withIds`).
 */
async function typedSets(
  graph: GraphBuilder,
  root: string,
  direction: Direction,
  withIds = false,
  page: { first?: number; after?: string | null } = {},
) {
  const typed = await lineageOf(graph, root, { direction, ...page });
  return {
    nodes: typed.nodeInfo
      .map(
        (info) =>
          `${graph.nameOf(info.node.id)} ${info.kind} ${info.label} @${info.depth} ${info.reachedBy}`,
      )
      .sort(),
    edges: typed.edges
      .map(
        (edge) =>
          `${withIds ? `${edge.id} ` : ''}${graph.nameOf(edge.from.id)} ${edge.type} ${graph.nameOf(edge.to.id)} @${edge.depth}`,
      )
      .sort(),
    order: typed.nodes.map((node) => node.id),
    totals: [typed.totalNodes, typed.totalEdges, typed.depthReached, typed.isTruncated],
  };
}

/** ModelVersion -> MODEL_VERSION: the document names kinds as types, GraphQL as NodeKind values. */
const kindValue = (kind: string) => kind.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

const nodeLine = (graph: GraphBuilder, node: GraphNode) =>
  `${graph.nameOf(node.id)} ${kindValue(node.kind)} ${node.label} @${node.depth} ${node.reached_by}`;

/** The document in typedSets' terms: this page's nodes (not those of other pages), its edges. */
function documentSets(graph: GraphBuilder, document: GraphDocument, withIds = false) {
  const ownNodes = document.nodes.filter((node) => !node.on_other_page);
  return {
    nodes: ownNodes.map((node) => nodeLine(graph, node)).sort(),
    edges: resolveEdges(document)
      .map(
        (edge) =>
          `${withIds ? `${edge.id} ` : ''}${graph.nameOf(edge.source.id)} ${edge.type} ${graph.nameOf(edge.target.id)} @${edge.depth}`,
      )
      .sort(),
    order: ownNodes.map((node) => node.id),
    totals: [
      document.total_nodes,
      document.total_edges,
      document.depth_reached,
      document.is_truncated,
    ],
  };
}

const COMPACT = ['source', 'target', 'type', 'depth'];
const DETAILED = [...COMPACT, 'id', 'created_at', 'properties'];

describe('the lineage graph document (REST and LineageGraph.graph)', () => {
  it.each<[string, Direction]>([
    ['v3', 'BOTH'],
    ['d', 'DOWNSTREAM'],
    ['prod', 'UPSTREAM'],
    ['v1', 'BOTH'],
    ['m', 'BOTH'],
  ])(
    'lists exactly the typed nodes and edges of the diamond from %s (%s)',
    async (root, direction) => {
      // given
      const graph = await givenDiamond();

      // when
      const typed = await typedSets(graph, root, direction);
      const rest = await restGraph(graph, root, `direction=${direction.toLowerCase()}`);
      const field = await graphField(graph, root, direction);

      // then
      expect(documentSets(graph, rest)).toEqual(typed);
      expect(documentSets(graph, field.graph)).toEqual(typed);
      expect(field.graph).toEqual(rest);
      expect(rest.nodes.some((node) => node.on_other_page)).toBe(false);
      expect(rest.page_info).toEqual({ has_next_page: false, end_cursor: expect.any(String) });
    },
  );

  it.each<[string, Direction]>([
    ['a', 'UPSTREAM'],
    ['a', 'DOWNSTREAM'],
    ['a', 'BOTH'],
    ['c', 'BOTH'],
    ['d', 'UPSTREAM'],
  ])(
    'lists exactly the typed nodes and edges of two cycles from %s (%s)',
    async (root, direction) => {
      // given a -> b -> c -> a and a -> d -> a (DERIVED_FROM / TRAINED_ON)
      const graph = await givenCycles();

      // when
      const typed = await typedSets(graph, root, direction);
      const rest = await restGraph(graph, root, `direction=${direction}`);
      const field = await graphField(graph, root, direction);

      // then
      expect(documentSets(graph, rest)).toEqual(typed);
      expect(documentSets(graph, field.graph)).toEqual(typed);
      expect(new Set(rest.nodes.map((node) => node.id)).size).toBe(rest.nodes.length);
    },
  );

  it.each<Direction>(['UPSTREAM', 'DOWNSTREAM', 'BOTH'])(
    'names every edge type through edge_types (%s from v2)',
    async (direction) => {
      // given every edge type around v2
      const graph = await givenEveryEdgeType();

      // when
      const typed = await typedSets(graph, 'v2', direction);
      const rest = await restGraph(graph, 'v2', `direction=${direction}`);
      const field = await graphField(graph, 'v2', direction);

      // then
      expect(documentSets(graph, rest)).toEqual(typed);
      expect(documentSets(graph, field.graph)).toEqual(typed);
      expect(rest.edge_types).toEqual([
        'TRAINED_ON',
        'DERIVED_FROM',
        'DEPLOYED_TO',
        'REPLACED_BY',
        'EVALUATED_ON',
        'APPROVED_BY',
      ]);
    },
  );

  it('labels a Model’s lineage that reaches all six kinds of node (D1 caps a compound SELECT at 5 terms)', async () => {
    // given a model whose versions reach datasets, an experiment, a deployment and a user
    const graph = await givenEveryEdgeType();

    // when
    const typed = await typedSets(graph, 'm', 'BOTH');
    const rest = await restGraph(graph, 'm', 'direction=BOTH');
    const field = await graphField(graph, 'm', 'BOTH');

    // then every node is labelled by name (model@version for versions), in both forms
    expect(new Set(rest.nodes.map((node) => node.kind))).toEqual(
      new Set(['Model', 'ModelVersion', 'Dataset', 'Experiment', 'Deployment', 'User']),
    );
    expect(documentSets(graph, rest)).toEqual(typed);
    expect(documentSets(graph, field.graph)).toEqual(typed);
    expect(rest.nodes.find((node) => node.kind === 'ModelVersion')?.label).toMatch(/^m@/);
    expect(field.mermaid).toContain('m@2.0.0');
  });

  it('gives the diamond’s exact picture downstream of the dataset, compact', async () => {
    // given
    const graph = await givenDiamond();

    // when
    const rest = await restGraph(graph, 'd', 'direction=DOWNSTREAM');

    // then nodes by depth, then id (creation order here), and edges by index into them
    expect(
      rest.nodes.map((node) => `${graph.nameOf(node.id)} ${node.label} @${node.depth}`),
    ).toEqual([
      'd d @0',
      'v1 m@1.0.0 @1',
      'v2 m@2.0.0 @1',
      'v3 m@3.0.0 @2',
      'prod prod @3',
      'stage stage @3',
    ]);
    expect(rest.nodes[0]).toEqual({
      id: graph.gid('d'),
      kind: 'Dataset',
      label: 'd',
      depth: 0,
      reached_by: 'ROOT',
    });
    expect(rest.edge_columns).toEqual(COMPACT);
    const [d, v1, v2, v3, prod, stage] = [0, 1, 2, 3, 4, 5];
    const [trainedOn, derivedFrom, deployedTo] = [0, 1, 2];
    expect(rest.edges).toEqual([
      // by depth, then edge id (creation order)
      [v1, d, trainedOn, 1],
      [v2, d, trainedOn, 1],
      [v3, v1, derivedFrom, 2],
      [v3, v2, derivedFrom, 2],
      [v3, prod, deployedTo, 3],
      [v3, stage, deployedTo, 3],
    ]);
    expect(rest).toMatchObject({
      total_nodes: 6,
      total_edges: 6,
      depth_reached: 3,
      is_truncated: false,
    });
    // no per-edge details unless asked
    expect(JSON.stringify(rest)).not.toContain('created_at');
  });

  it('adds each edge’s global ID, created_at and properties on request, as the typed edges', async () => {
    // given the diamond, one of its edges with properties
    const graph = await givenDiamond();
    const split = await graph.edgeId('v1', 'TRAINED_ON', 'd');
    await testDb()
      .updateTable('edge')
      .set({ properties: JSON.stringify({ split: 'train', rows: 1200 }) })
      .where('id', '=', split)
      .execute();
    const rows = await graph.edgeRows();

    // when
    const typed = await typedSets(graph, 'v3', 'BOTH', true);
    const rest = await restGraph(graph, 'v3', 'direction=both&edge_details=true');
    const field = await graphField(graph, 'v3', 'BOTH', { edgeDetails: true });
    const off = await restGraph(graph, 'v3', 'edge_details=FALSE');

    // then
    expect(rest.edge_columns).toEqual(DETAILED);
    expect(documentSets(graph, rest, true)).toEqual(typed);
    expect(field.graph).toEqual(rest);
    for (const edge of resolveEdges(rest)) {
      const row = rows.get(rowIdOf(edge.id as string));
      expect(row, edge.id).toBeDefined();
      expect(edge.created_at).toBe(new Date(row?.created_at as string).toISOString());
      expect(edge.properties).toEqual(row?.properties ? JSON.parse(row.properties) : null);
      expect([edge.source.id, edge.type, edge.target.id]).toEqual([
        encodeGlobalID(row?.src_kind as string, row?.src_id as string),
        row?.type,
        encodeGlobalID(row?.dst_kind as string, row?.dst_id as string),
      ]);
    }
    expect(resolveEdges(rest).find((edge) => rowIdOf(edge.id as string) === split)).toMatchObject({
      properties: { split: 'train', rows: 1200 },
    });
    expect(off.edge_columns).toEqual(COMPACT);
    expect(documentSets(graph, off)).toEqual(await typedSets(graph, 'v3', 'BOTH'));
  });

  it('pages by the same cursors as GraphQL, resolving edges into earlier pages', async () => {
    // given
    const graph = await givenDiamond();
    const whole = await restGraph(graph, 'd', 'direction=downstream&edge_details=true');

    // when: pages of 2 through REST and through GraphQL, with the same cursors
    const nodes: string[] = [];
    const edges: string[] = [];
    const others: string[][] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const document: GraphDocument = await restGraph(
        graph,
        'd',
        `direction=downstream&first=2&edge_details=true${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      );
      const field = await graphField(graph, 'd', 'DOWNSTREAM', {
        first: 2,
        after,
        edgeDetails: true,
      });
      const typed = await typedSets(graph, 'd', 'DOWNSTREAM', true, { first: 2, after });
      expect(field.graph).toEqual(document);
      expect(documentSets(graph, document, true)).toEqual(typed);
      expect(document.total_nodes).toBe(6);
      // every node listed from another page is an end of an edge of this page, with its walk data
      const ends = new Set(
        resolveEdges(document).flatMap((edge) => [edge.source.id, edge.target.id]),
      );
      const other = document.nodes.filter((node) => node.on_other_page);
      for (const node of other) {
        expect(ends.has(node.id), graph.nameOf(node.id)).toBe(true);
        expect(node).toEqual({
          ...whole.nodes.find((listed) => listed.id === node.id),
          on_other_page: true,
        });
      }
      others.push(other.map((node) => graph.nameOf(node.id)));
      nodes.push(...document.nodes.filter((node) => !node.on_other_page).map((node) => node.id));
      edges.push(...resolveEdges(document).map((edge) => edge.id as string));
      if (!document.page_info.has_next_page) break;
      after = document.page_info.end_cursor;
    }

    // then: [d v1] [v2 v3] [prod stage]; page 2's edges reach back to d and v1, page 3's to v3
    expect(nodes).toEqual(whole.nodes.map((node) => node.id));
    expect(edges.sort()).toEqual(
      resolveEdges(whole)
        .map((edge) => edge.id)
        .sort(),
    );
    expect(others).toEqual([[], ['d', 'v1'], ['v3']]);
  });

  it('lists the ends on later pages of the edges that came back to page 1 (a cycle)', async () => {
    // given a -> b -> c -> a and a -> d -> a: upstream from a, the edges c -> a and d -> a
    // reached a (page 1) from c and d (later pages)
    const graph = await givenCycles();

    // when
    const first = await restGraph(graph, 'a', 'direction=upstream&first=1');
    const field = await graphField(graph, 'a', 'UPSTREAM', { first: 1 });
    const typed = await typedSets(graph, 'a', 'UPSTREAM', false, { first: 1 });

    // then
    expect(field.graph).toEqual(first);
    expect(documentSets(graph, first)).toEqual(typed);
    expect(
      first.nodes.map((node) => `${nodeLine(graph, node)} ${node.on_other_page ?? false}`),
    ).toEqual([
      'a MODEL_VERSION m@1.0.0 @0 ROOT false',
      'd DATASET d @1 UPSTREAM true',
      'c MODEL_VERSION m@3.0.0 @2 UPSTREAM true',
    ]);
    expect(
      resolveEdges(first).map(
        (edge) =>
          `${graph.nameOf(edge.source.id)} ${edge.type} ${graph.nameOf(edge.target.id)} @${edge.depth}`,
      ),
    ).toEqual(['d DERIVED_FROM a @2', 'c DERIVED_FROM a @3']);
    expect(first.page_info.has_next_page).toBe(true);
    expect(first.is_truncated).toBe(true);
  });

  it('reads the graph as it was with as_of, as GraphQL’s asOf', async () => {
    // given
    const graph = await givenChain();
    const before = '2000-01-01T00:00:00Z';

    // when
    const rest = await restGraph(graph, 'v3', `direction=upstream&as_of=${before}`);
    const typed = await lineageOf(graph, 'v3', { direction: 'UPSTREAM', asOf: before });
    const now = await restGraph(graph, 'v3', 'direction=upstream');

    // then
    expect(rest.nodes.map((node) => graph.nameOf(node.id))).toEqual(['v3']);
    expect(rest.edges).toEqual([]);
    expect(typed.totalNodes).toBe(1);
    expect(now.nodes.map((node) => graph.nameOf(node.id))).toEqual(['v3', 'v2', 'v1']);
    expect(now.edges).toEqual([
      [0, 1, 1, 1],
      [1, 2, 1, 2],
    ]);
  });

  it('answers Mermaid and DOT text equal to GraphQL’s', async () => {
    // given
    const graph = await givenDiamond();
    const field = await graphField(graph, 'v3', 'BOTH');

    // when
    const text = async (format: string) => {
      const response = await SELF.fetch(
        `http://registry.test${restPath(graph, 'v3', `format=${format}`)}`,
        { headers: { authorization: `Bearer ${graph.org.tokens.VIEWER}` } },
      );
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: await response.text(),
      };
    };
    const mermaid = await text('mermaid');
    const dot = await text('DOT');

    // then
    expect(mermaid).toEqual({
      status: 200,
      type: 'text/vnd.mermaid; charset=utf-8',
      body: field.mermaid,
    });
    expect(dot).toEqual({ status: 200, type: 'text/vnd.graphviz; charset=utf-8', body: field.dot });
    expect(mermaid.body).toContain('-->|DERIVED_FROM|');
    expect(dot.body).toContain('[label="DEPLOYED_TO"]');
  });

  it('answers another organization’s, an unknown or a malformed root with 404 on params.modelId', async () => {
    // given
    const graph = await givenDiamond();
    const other = await createTestOrg('other');

    // when / then
    const edge = encodeGlobalID('GraphEdge', await graph.edgeId('v1', 'TRAINED_ON', 'd'));
    for (const id of [graph.gid('v3'), graph.gid('d'), graph.gid('m'), edge]) {
      const response = await api<ApiErrorBody>(
        other.tokens.VIEWER,
        'GET',
        `/api/lineage/${id}/graph`,
      );
      expect(response.status, id).toBe(404);
      expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', path: ['params', 'modelId'] });
      expect(JSON.stringify(response.body)).not.toContain(graph.id('v3'));
    }
    const unknown = await api<ApiErrorBody>(
      graph.org.tokens.VIEWER,
      'GET',
      `/api/lineage/${encodeGlobalID('Dataset', '0190a0b0-0000-7000-8000-000000000000')}/graph`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.path).toEqual(['params', 'modelId']);
  });

  it.each([
    ['after=garbage', ['query', 'after']],
    [`after=${encodeCursorKey('not-a-lineage-position')}`, ['query', 'after']],
    [`after=${encodeCursorKey('[1.5,"x"]')}`, ['query', 'after']],
    ['first=0', ['query', 'first']],
    ['first=two', ['query', 'first']],
    ['format=png', ['query', 'format']],
    ['as_of=yesterday', ['query', 'as_of']],
    ['max_depth=-1', ['query', 'max_depth']],
    ['direction=sideways', ['query', 'direction']],
    ['edge_details=yes', ['query', 'edge_details']],
    ['edge_details=', ['query', 'edge_details']],
    ['format=dot&edge_details=true', ['query', 'edge_details']],
  ])('answers ?%s with 400 on the parameter', async (query, path) => {
    // given
    const graph = await givenChain();

    // when
    const response = await api<ApiErrorBody>(
      graph.org.tokens.VIEWER,
      'GET',
      restPath(graph, 'v3', query),
    );

    // then
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
  });

  it.each([
    ['graph(edgeDetails: "yes")', 'lineage(direction: BOTH)', 'Boolean', undefined],
    ['graph', 'lineage(direction: BOTH, first: 0)', '"first"', 'first'],
    ['graph', 'lineage(direction: BOTH, after: "garbage")', '"after"', 'after'],
  ])(
    'refuses %s on %s with one top-level error and no document',
    async (field, lineage, message, argument) => {
      // given
      const graph = await givenChain();

      // when
      const response = await gql(
        graph.org.tokens.VIEWER,
        `query ($id: ID!) { node(id: $id) { ... on LineageNode { ${lineage} { ${field} } } } }`,
        { id: graph.gid('v3') },
      );

      // then
      const error = onlyError(response);
      expect(error.message).toContain(message);
      if (argument) expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(JSON.stringify(response.data ?? null)).not.toContain('edge_columns');
    },
  );

  it('reads no node rows for edges { from { id } to { id } }, with the same ids as when it does', async () => {
    // given
    const graph = await givenDiamond();
    const query = (ends: string) => /* GraphQL */ `
      query ($id: ID!) {
        node(id: $id) { ... on LineageNode { lineage(direction: BOTH) { edges { id from { ${ends} } to { ${ends} } } } } }
      }
    `;

    // when (the token's first request also records its use: not part of the comparison)
    await gql(graph.org.tokens.VIEWER, '{ __typename }');
    const ids = await gql(graph.org.tokens.VIEWER, query('id'), { id: graph.gid('v3') });
    const loaded = await gql(
      graph.org.tokens.VIEWER,
      query(
        'id ... on ModelVersion { version } ... on Dataset { name } ... on Deployment { name }',
      ),
      { id: graph.gid('v3') },
    );
    const none = await gql(
      graph.org.tokens.VIEWER,
      'query ($id: ID!) { node(id: $id) { ... on LineageNode { lineage(direction: BOTH) { edges { id } } } } }',
      { id: graph.gid('v3') },
    );

    // then
    expect(ids.errors).toBeUndefined();
    expect(loaded.errors).toBeUndefined();
    const ends = (response: typeof ids) =>
      (
        (response.data?.node.lineage.edges ?? []) as {
          id: string;
          from: { id: string };
          to: { id: string };
        }[]
      ).map((edge) => `${edge.id} ${edge.from.id} ${edge.to.id}`);
    expect(ends(ids)).toEqual(ends(loaded));
    expect(ids.statements).toBe(none.statements);
    expect(loaded.statements).toBeGreaterThan(ids.statements);
  });

  it('loads an end a sibling selection reads, when the same fragment asks only its id elsewhere', async () => {
    // given: the fragment's `from` is alone in `a`, merged with a selection of rows in `b`
    const graph = await givenDiamond();
    const query = /* GraphQL */ `
      query ($id: ID!) {
        node(id: $id) {
          ... on LineageNode {
            a: lineage(direction: BOTH) { edges { id ...Ends } }
            b: lineage(direction: BOTH) {
              edges {
                id
                ...Ends
                from { ... on ModelVersion { version } ... on Dataset { name } ... on Deployment { name } }
              }
            }
          }
        }
      }
      fragment Ends on LineageEdge { from { id } }
    `;

    // when
    const response = await gql(graph.org.tokens.VIEWER, query, { id: graph.gid('v3') });

    // then: a's ends carry their id alone, b's their id and their row's name or version
    expect(response.errors).toBeUndefined();
    const lineage = response.data?.node as Record<
      'a' | 'b',
      { edges: { id: string; from: Record<string, unknown> }[] }
    >;
    expect(lineage.a.edges.length).toBeGreaterThan(0);
    for (const edge of lineage.a.edges) expect(Object.keys(edge.from)).toEqual(['id']);
    expect(lineage.b.edges.map((edge) => edge.id)).toEqual(lineage.a.edges.map((edge) => edge.id));
    for (const edge of lineage.b.edges) {
      expect(typeof (edge.from.version ?? edge.from.name)).toBe('string');
    }
  });

  describe('labels read with the walk', () => {
    const walkOnly = /* GraphQL */ `
      query ($id: ID!, $direction: LineageDirection!, $maxDepth: Int) {
        node(id: $id) {
          ... on LineageNode { lineage(direction: $direction, maxDepth: $maxDepth) { totalNodes } }
        }
      }
    `;
    const drawing = (fields: string) => /* GraphQL */ `
      query ($id: ID!, $direction: LineageDirection!, $maxDepth: Int) {
        node(id: $id) {
          ... on LineageNode { lineage(direction: $direction, maxDepth: $maxDepth) { ${fields} } }
        }
      }
    `;

    /** Uses the token once and lets its last-use write finish, so it is not counted later. */
    async function warm(graph: GraphBuilder) {
      await gql(graph.org.tokens.VIEWER, '{ __typename }');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    it.each<[string, Direction, number | null]>([
      ['v3', 'BOTH', null],
      ['d', 'DOWNSTREAM', null],
      ['m', 'BOTH', null],
      ['v3', 'UPSTREAM', 1],
    ])(
      'draws the diamond from %s (%s, maxDepth %s) in no statement more than the walk alone',
      async (root, direction, maxDepth) => {
        // given
        const graph = await givenDiamond();
        await warm(graph);
        const variables = { id: graph.gid(root), direction, maxDepth };

        // when
        const bare = await gql(graph.org.tokens.VIEWER, walkOnly, variables);
        const document = await gql(graph.org.tokens.VIEWER, drawing('graph'), variables);
        const pictures = await gql(graph.org.tokens.VIEWER, drawing('mermaid dot'), variables);
        const typed = await gql(
          graph.org.tokens.VIEWER,
          drawing('nodeInfo { node { id } label }'),
          variables,
        );
        const depth = maxDepth === null ? '' : `&max_depth=${maxDepth}`;
        const rest = await api<GraphDocument>(
          graph.org.tokens.VIEWER,
          'GET',
          restPath(graph, root, `direction=${direction}${depth}`),
        );
        const mermaid = await SELF.fetch(
          `http://registry.test${restPath(graph, root, `direction=${direction}${depth}&format=mermaid`)}`,
          { headers: { authorization: `Bearer ${graph.org.tokens.VIEWER}` } },
        );

        // then every node is labelled by its name (model@version for a version)
        const expected = (node: { id: string }) => {
          const name = graph.nameOf(node.id);
          return name.startsWith('v') ? `m@${name.slice(1)}.0.0` : name;
        };
        const labels = (rest.body as GraphDocument).nodes;
        expect(labels.length).toBeGreaterThan(maxDepth === null ? 2 : 1);
        for (const node of labels) expect(node.label).toBe(expected(node));
        expect(document.data?.node.lineage.graph).toEqual(rest.body);
        for (const info of typed.data?.node.lineage.nodeInfo ?? []) {
          expect(info.label).toBe(expected(info.node));
        }
        expect(pictures.data?.node.lineage.mermaid).toContain('m@3.0.0');
        expect(mermaid.status).toBe(200);
        expect(await mermaid.text()).toContain('m@3.0.0');
        // and the labels came with the walk's rows: no statement of their own
        expect(bare.errors).toBeUndefined();
        for (const answer of [document, pictures, typed]) {
          expect(answer.errors).toBeUndefined();
          expect(answer.statements).toBe(bare.statements);
        }
        expect(rest.statements).toBe(bare.statements);
        expect(Number(mermaid.headers.get('x-d1-statements'))).toBe(bare.statements);
      },
    );

    it('labels a Model root with more versions than one key parameter holds', async () => {
      // given a model with 50,000 versions (their ids and kinds as one JSON value would pass
      // D1's 2,000,000-byte limit on a bound value), none with an edge
      const graph = await GraphBuilder.forNewOrg('many-seeds');
      await graph.model('big');
      const versions = 50_000;
      await sql`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${versions})
        INSERT INTO model_version (id, org_id, model_id, version, created_at, updated_at)
        SELECT printf('00000000-0000-7000-8000-%012d', i), ${graph.org.orgId}, ${graph.id('big')},
          '0.0.' || i, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
        FROM n`.execute(testDb());

      // when
      const rest = await restGraph(graph, 'big', 'direction=UPSTREAM');

      // then the model and every version, each by its name
      expect(rest.nodes).toHaveLength(versions + 1);
      const model = rest.nodes.filter((node) => node.kind === 'Model');
      expect(model.map((node) => node.label)).toEqual(['big']);
      const labels = new Set(
        rest.nodes.filter((node) => node.kind === 'ModelVersion').map((node) => node.label),
      );
      expect(labels.size).toBe(versions);
      expect(labels.has('big@0.0.1')).toBe(true);
      expect(labels.has(`big@0.0.${versions}`)).toBe(true);
      // and no value bound to that statement is past D1's limit on one (local D1 does not check)
      const seeds = [
        { kind: 'Model' as const, id: graph.id('big') },
        ...Array.from({ length: versions }, (_, i) => ({
          kind: 'ModelVersion' as const,
          id: `00000000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`,
        })),
      ];
      const { parameters } = withNodeLabels(sql`SELECT 1`, 8, graph.org.orgId, seeds, []).compile(
        testDb(),
      );
      const sizes = parameters.map((value) => new TextEncoder().encode(String(value)).length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(2_000_000);
    });

    it('labels roots without edges, and tombstones by the names they had', async () => {
      // given a dataset and a model with one version, none with an edge, and the diamond's
      // dataset and first version made tombstones (migration 0011) behind their live edges
      const graph = await GraphBuilder.forNewOrg('labels');
      await graph.dataset('lonely');
      await graph.model('solo');
      await graph.version('s1', 'solo', '0.1.0');
      const diamond = await givenDiamond();
      await testDb()
        .updateTable('dataset')
        .set({ name: 'tombstone-of-d', deleted_name: 'd' })
        .where('id', '=', diamond.id('d'))
        .execute();
      await testDb()
        .updateTable('model_version')
        .set({ version: 'tombstone-of-1.0.0', deleted_version: '1.0.0' })
        .where('id', '=', diamond.id('v1'))
        .execute();

      // when
      const lonely = await restGraph(graph, 'lonely', 'direction=BOTH');
      const solo = await restGraph(graph, 'solo', 'direction=BOTH');
      const tombstones = await restGraph(diamond, 'v3', 'direction=UPSTREAM');

      // then
      expect(lonely.nodes.map((node) => node.label)).toEqual(['lonely']);
      expect(solo.nodes.map((node) => node.label)).toEqual(['solo', 'solo@0.1.0']);
      expect(
        tombstones.nodes.map((node) => `${diamond.nameOf(node.id)} ${node.label}`).sort(),
      ).toEqual(['d d', 'v1 m@1.0.0', 'v2 m@2.0.0', 'v3 m@3.0.0']);
    });
  });
});

// Lineage walks through `lineage(...)` on any node: exact node and edge sets on small hand-built
// graphs, each node once at the depth of its shortest path, each edge once at the depth at which
// the walk first crossed it, in every direction, with edge-type filters, from a Model, and on a
// graph with cycles (which only raw rows can build).
import { describe, expect, it } from 'vitest';
import type { EdgeType } from '../../src/registry/lineage/lineage.ts';
import { walkLineage } from '../../src/registry/lineage/traversal.service.ts';
import { testDb } from '../helpers/graphql.ts';
import { givenChain, givenCycles, givenDiamond, givenEveryEdgeType } from './given-graphs.ts';
import {
  edgesWithDepth,
  expectRealEdges,
  GraphBuilder,
  namesOf,
  nodesWithDepth,
} from './graph-builder.ts';
import { lineageOf, onlyError, sendLineage } from './lineage-query.ts';

describe('a derivedFrom chain', () => {
  it('walks upstream from the newest version, one hop per depth', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const lineage = await lineageOf(graph, 'v3', { direction: 'UPSTREAM' });

    // then
    expect(graph.nameOf(lineage.root.id)).toBe('v3');
    expect(lineage.nodes.map((node) => graph.nameOf(node.id))).toEqual(['v3', 'v2', 'v1']);
    expect(
      lineage.nodeInfo.map((info) => [
        graph.nameOf(info.node.id),
        info.kind,
        info.label,
        info.depth,
        info.reachedBy,
      ]),
    ).toEqual([
      ['v3', 'MODEL_VERSION', 'm@3.0.0', 0, 'ROOT'],
      ['v2', 'MODEL_VERSION', 'm@2.0.0', 1, 'UPSTREAM'],
      ['v1', 'MODEL_VERSION', 'm@1.0.0', 2, 'UPSTREAM'],
    ]);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v2 DERIVED_FROM v1 @2',
      'v3 DERIVED_FROM v2 @1',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({
      totalNodes: 3,
      totalEdges: 2,
      depthReached: 2,
      isTruncated: false,
      pageInfo: { hasNextPage: false },
    });
  });

  it('walks downstream from the first version, one hop per depth', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const lineage = await lineageOf(graph, 'v1', { direction: 'DOWNSTREAM' });

    // then
    expect(lineage.nodes.map((node) => graph.nameOf(node.id))).toEqual(['v1', 'v2', 'v3']);
    expect(lineage.nodeInfo.map((info) => info.reachedBy)).toEqual([
      'ROOT',
      'DOWNSTREAM',
      'DOWNSTREAM',
    ]);
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['v1 @0', 'v2 @1', 'v3 @2']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v2 DERIVED_FROM v1 @1',
      'v3 DERIVED_FROM v2 @2',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({ depthReached: 2, isTruncated: false });
  });

  it('finds only the root where nothing lies in the asked direction', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const belowNewest = await lineageOf(graph, 'v3', { direction: 'DOWNSTREAM' });
    const aboveFirst = await lineageOf(graph, 'v1', { direction: 'UPSTREAM' });

    // then
    for (const [lineage, root] of [
      [belowNewest, 'v3'],
      [aboveFirst, 'v1'],
    ] as const) {
      expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual([`${root} @0`]);
      expect(lineage.edges).toEqual([]);
      expect(lineage).toMatchObject({ depthReached: 0, isTruncated: false, totalEdges: 0 });
    }
  });
});

describe('a diamond', () => {
  it('lists every node once and every edge once, at the depth first reached, downstream', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const lineage = await lineageOf(graph, 'd', { direction: 'DOWNSTREAM' });

    // then v3 is reached along two paths but listed once, at depth 2
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual([
      'd @0',
      'prod @3',
      'stage @3',
      'v1 @1',
      'v2 @1',
      'v3 @2',
    ]);
    expect(lineage.nodes.map((node) => graph.nameOf(node.id))).toEqual([
      'd',
      'v1',
      'v2',
      'v3',
      'prod',
      'stage',
    ]);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v1 TRAINED_ON d @1',
      'v2 TRAINED_ON d @1',
      'v3 DEPLOYED_TO prod @3',
      'v3 DEPLOYED_TO stage @3',
      'v3 DERIVED_FROM v1 @2',
      'v3 DERIVED_FROM v2 @2',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({ totalNodes: 6, totalEdges: 6, depthReached: 3 });
  });

  it('walks upstream from a deployment without its sibling deployment', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const lineage = await lineageOf(graph, 'prod', { direction: 'UPSTREAM' });

    // then d is reached through v1 and through v2, and listed once
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual([
      'd @3',
      'prod @0',
      'v1 @2',
      'v2 @2',
      'v3 @1',
    ]);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v1 TRAINED_ON d @3',
      'v2 TRAINED_ON d @3',
      'v3 DEPLOYED_TO prod @1',
      'v3 DERIVED_FROM v1 @2',
      'v3 DERIVED_FROM v2 @2',
    ]);
    await expectRealEdges(graph, lineage.edges);
  });

  it('walks BOTH ways as the union of upstream and downstream, without siblings', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const both = await lineageOf(graph, 'v1', { direction: 'BOTH' });
    const upstream = await lineageOf(graph, 'v1', { direction: 'UPSTREAM' });
    const downstream = await lineageOf(graph, 'v1', { direction: 'DOWNSTREAM' });

    // then v2 (another child of d, another parent of v3) is neither up- nor downstream of v1
    expect(
      both.nodeInfo.map((info) => `${graph.nameOf(info.node.id)} @${info.depth} ${info.reachedBy}`),
    ).toEqual([
      'v1 @0 ROOT',
      'd @1 UPSTREAM',
      'v3 @1 DOWNSTREAM',
      'prod @2 DOWNSTREAM',
      'stage @2 DOWNSTREAM',
    ]);
    expect(namesOf(graph, both.nodes)).toEqual(['d', 'prod', 'stage', 'v1', 'v3']);
    expect(edgesWithDepth(graph, both.edges)).toEqual([
      'v1 TRAINED_ON d @1',
      'v3 DEPLOYED_TO prod @2',
      'v3 DEPLOYED_TO stage @2',
      'v3 DERIVED_FROM v1 @1',
    ]);
    await expectRealEdges(graph, both.edges);
    expect(namesOf(graph, both.nodes)).toEqual(
      [...new Set([...namesOf(graph, upstream.nodes), ...namesOf(graph, downstream.nodes)])].sort(),
    );
    expect(edgesWithDepth(graph, both.edges)).toEqual(
      [...edgesWithDepth(graph, upstream.edges), ...edgesWithDepth(graph, downstream.edges)].sort(),
    );
    expect(both).toMatchObject({ depthReached: 2, isTruncated: false });
  });
});

describe('an edge between two nodes at the same depth', () => {
  it('lists it once, at one hop past the node it was crossed from', async () => {
    // given v1 and v2 both trained on d, and v2 also derived from v1
    const graph = await GraphBuilder.forNewOrg('shortcut');
    await graph.dataset('d');
    await graph.model('m');
    await graph.version('v1', 'm', '1.0.0', { trainedOn: ['d'] });
    await graph.version('v2', 'm', '2.0.0', { trainedOn: ['d'], derivedFrom: ['v1'] });

    // when
    const lineage = await lineageOf(graph, 'd', { direction: 'DOWNSTREAM' });

    // then v2 keeps its shortest depth (1); the walk crossed v2 DERIVED_FROM v1 from v1, at hop 2
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['d @0', 'v1 @1', 'v2 @1']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v1 TRAINED_ON d @1',
      'v2 DERIVED_FROM v1 @2',
      'v2 TRAINED_ON d @1',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({ depthReached: 1, isTruncated: false, totalEdges: 3 });
  });
});

describe('edge types', () => {
  it('follows every edge type by default, each the right way round', async () => {
    // given every edge type around v2
    const graph = await givenEveryEdgeType();

    // when
    const upstream = await lineageOf(graph, 'v2', { direction: 'UPSTREAM' });
    const downstream = await lineageOf(graph, 'v2', { direction: 'DOWNSTREAM' });

    // then datasets, parents, experiments and approvers are upstream; deployments and
    // replacements downstream
    expect(nodesWithDepth(graph, upstream.nodeInfo)).toEqual([
      'd0 @3',
      'd1 @2',
      'd2 @2',
      'd3 @1',
      'e @2',
      'reviewer @1',
      'v1 @1',
      'v2 @0',
    ]);
    expect(edgesWithDepth(graph, upstream.edges)).toEqual([
      'd1 DERIVED_FROM d0 @3',
      'v1 DERIVED_FROM e @2',
      'v1 EVALUATED_ON d2 @2',
      'v1 TRAINED_ON d1 @2',
      'v2 APPROVED_BY reviewer @1',
      'v2 DERIVED_FROM v1 @1',
      'v2 TRAINED_ON d3 @1',
    ]);
    await expectRealEdges(graph, upstream.edges);
    expect(nodesWithDepth(graph, downstream.nodeInfo)).toEqual(['prod @1', 'v2 @0', 'v3 @1']);
    expect(edgesWithDepth(graph, downstream.edges)).toEqual([
      'v2 DEPLOYED_TO prod @1',
      'v2 REPLACED_BY v3 @1',
    ]);
    await expectRealEdges(graph, downstream.edges);
  });

  const filters: {
    root: string;
    direction: 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
    edgeTypes: EdgeType[];
    nodes: string[];
    edges: string[];
  }[] = [
    {
      root: 'v2',
      direction: 'UPSTREAM',
      edgeTypes: ['TRAINED_ON'],
      nodes: ['d3 @1', 'v2 @0'],
      edges: ['v2 TRAINED_ON d3 @1'],
    },
    {
      root: 'v2',
      direction: 'UPSTREAM',
      edgeTypes: ['DERIVED_FROM'],
      nodes: ['e @2', 'v1 @1', 'v2 @0'],
      edges: ['v1 DERIVED_FROM e @2', 'v2 DERIVED_FROM v1 @1'],
    },
    {
      root: 'v2',
      direction: 'UPSTREAM',
      edgeTypes: ['TRAINED_ON', 'DERIVED_FROM'],
      nodes: ['d0 @3', 'd1 @2', 'd3 @1', 'e @2', 'v1 @1', 'v2 @0'],
      edges: [
        'd1 DERIVED_FROM d0 @3',
        'v1 DERIVED_FROM e @2',
        'v1 TRAINED_ON d1 @2',
        'v2 DERIVED_FROM v1 @1',
        'v2 TRAINED_ON d3 @1',
      ],
    },
    {
      // v1's evaluation set is not reached: the walk cannot cross DERIVED_FROM to get there
      root: 'v2',
      direction: 'UPSTREAM',
      edgeTypes: ['EVALUATED_ON'],
      nodes: ['v2 @0'],
      edges: [],
    },
    {
      root: 'v2',
      direction: 'UPSTREAM',
      edgeTypes: ['APPROVED_BY'],
      nodes: ['reviewer @1', 'v2 @0'],
      edges: ['v2 APPROVED_BY reviewer @1'],
    },
    {
      root: 'd0',
      direction: 'DOWNSTREAM',
      edgeTypes: ['DERIVED_FROM'],
      nodes: ['d0 @0', 'd1 @1'],
      edges: ['d1 DERIVED_FROM d0 @1'],
    },
    {
      root: 'd0',
      direction: 'DOWNSTREAM',
      edgeTypes: ['DERIVED_FROM', 'TRAINED_ON'],
      nodes: ['d0 @0', 'd1 @1', 'v1 @2', 'v2 @3'],
      edges: ['d1 DERIVED_FROM d0 @1', 'v1 TRAINED_ON d1 @2', 'v2 DERIVED_FROM v1 @3'],
    },
    {
      root: 'v1',
      direction: 'DOWNSTREAM',
      edgeTypes: ['DERIVED_FROM', 'DEPLOYED_TO'],
      nodes: ['prod @2', 'v1 @0', 'v2 @1'],
      edges: ['v2 DEPLOYED_TO prod @2', 'v2 DERIVED_FROM v1 @1'],
    },
    {
      root: 'v2',
      direction: 'BOTH',
      edgeTypes: ['REPLACED_BY'],
      nodes: ['v2 @0', 'v3 @1'],
      edges: ['v2 REPLACED_BY v3 @1'],
    },
    {
      root: 'v3',
      direction: 'UPSTREAM',
      edgeTypes: ['REPLACED_BY'],
      nodes: ['v2 @1', 'v3 @0'],
      edges: ['v2 REPLACED_BY v3 @1'],
    },
  ];

  it.each(filters)(
    'follows only $edgeTypes walking $direction from $root',
    async ({ root, direction, edgeTypes, nodes, edges }) => {
      // given every edge type around v2
      const graph = await givenEveryEdgeType();

      // when
      const lineage = await lineageOf(graph, root, { direction, edgeTypes });

      // then
      expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(nodes);
      expect(edgesWithDepth(graph, lineage.edges)).toEqual(edges);
      await expectRealEdges(graph, lineage.edges);
      expect(lineage.isTruncated).toBe(false);
    },
  );
});

describe('a Model', () => {
  it('starts from all its versions at depth 0 and aggregates their lineage', async () => {
    // given model m (v1 trained on d, v2 derived from v1 and serving in prod), replaced by m2;
    // w1 of model n derives from v2; x1 of model x is unrelated
    const graph = await GraphBuilder.forNewOrg('model-root');
    await graph.dataset('d');
    await graph.dataset('other');
    await graph.model('m');
    await graph.model('m2');
    await graph.model('n');
    await graph.model('x');
    await graph.version('v1', 'm', '1.0.0', { trainedOn: ['d'] });
    await graph.version('v2', 'm', '2.0.0', { derivedFrom: ['v1'] });
    await graph.version('w1', 'n', '1.0.0', { derivedFrom: ['v2'] });
    await graph.version('x1', 'x', '1.0.0', { trainedOn: ['other'] });
    await graph.deployment('prod', 'production', ['v2']);
    await graph.replaceModel('m', 'm2');

    // when
    const both = await lineageOf(graph, 'm', { direction: 'BOTH' });
    const upstream = await lineageOf(graph, 'm', { direction: 'UPSTREAM' });

    // then
    expect(graph.nameOf(both.root.id)).toBe('m');
    expect(
      both.nodeInfo
        .filter((info) => info.depth === 0)
        .map((info) => [graph.nameOf(info.node.id), info.reachedBy]),
    ).toEqual([
      ['m', 'ROOT'],
      ['v1', 'ROOT'],
      ['v2', 'ROOT'],
    ]);
    expect(nodesWithDepth(graph, both.nodeInfo)).toEqual([
      'd @1',
      'm @0',
      'm2 @1',
      'prod @1',
      'v1 @0',
      'v2 @0',
      'w1 @1',
    ]);
    expect(edgesWithDepth(graph, both.edges)).toEqual([
      'm REPLACED_BY m2 @1',
      'v1 TRAINED_ON d @1',
      'v2 DEPLOYED_TO prod @1',
      'v2 DERIVED_FROM v1 @1',
      'w1 DERIVED_FROM v2 @1',
    ]);
    await expectRealEdges(graph, both.edges);
    expect(nodesWithDepth(graph, upstream.nodeInfo)).toEqual(['d @1', 'm @0', 'v1 @0', 'v2 @0']);
    expect(edgesWithDepth(graph, upstream.edges)).toEqual([
      'v1 TRAINED_ON d @1',
      'v2 DERIVED_FROM v1 @1',
    ]);
  });
});

describe('a graph with cycles', () => {
  it('terminates upstream, listing each node and each edge once', async () => {
    // given two loops through a
    const graph = await givenCycles();

    // when
    const lineage = await lineageOf(graph, 'a', { direction: 'UPSTREAM' });

    // then the edges back into a are listed once, at the depth at which they were crossed
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['a @0', 'b @1', 'c @2', 'd @1']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'a DERIVED_FROM b @1',
      'a TRAINED_ON d @1',
      'b DERIVED_FROM c @2',
      'c DERIVED_FROM a @3',
      'd DERIVED_FROM a @2',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({ depthReached: 2, isTruncated: false, totalNodes: 4 });
  });

  it('terminates downstream, listing each node and each edge once', async () => {
    // given two loops through a
    const graph = await givenCycles();

    // when
    const lineage = await lineageOf(graph, 'a', { direction: 'DOWNSTREAM' });

    // then
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['a @0', 'b @2', 'c @1', 'd @1']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'a DERIVED_FROM b @3',
      'a TRAINED_ON d @2',
      'b DERIVED_FROM c @2',
      'c DERIVED_FROM a @1',
      'd DERIVED_FROM a @1',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage.isTruncated).toBe(false);
  });

  it('cuts an edge back into the graph beyond maxDepth, and says so', async () => {
    // given two loops through a
    const graph = await givenCycles();

    // when
    const lineage = await lineageOf(graph, 'a', { direction: 'UPSTREAM', maxDepth: 2 });

    // then every node is within two hops, but c DERIVED_FROM a is crossed only at hop 3
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['a @0', 'b @1', 'c @2', 'd @1']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'a DERIVED_FROM b @1',
      'a TRAINED_ON d @1',
      'b DERIVED_FROM c @2',
      'd DERIVED_FROM a @2',
    ]);
    expect(lineage).toMatchObject({ depthReached: 2, isTruncated: true });
  });

  it('terminates BOTH ways, keeping for each node and edge its shallowest depth', async () => {
    // given two loops through a
    const graph = await givenCycles();

    // when
    const lineage = await lineageOf(graph, 'a', { direction: 'BOTH' });

    // then
    expect(
      lineage.nodeInfo.map(
        (info) => `${graph.nameOf(info.node.id)} @${info.depth} ${info.reachedBy}`,
      ),
    ).toEqual(['a @0 ROOT', 'b @1 UPSTREAM', 'c @1 DOWNSTREAM', 'd @1 UPSTREAM']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'a DERIVED_FROM b @1',
      'a TRAINED_ON d @1',
      'b DERIVED_FROM c @2',
      'c DERIVED_FROM a @1',
      'd DERIVED_FROM a @1',
    ]);
    await expectRealEdges(graph, lineage.edges);
    expect(lineage).toMatchObject({ totalNodes: 4, totalEdges: 5, isTruncated: false });
  });
});

describe('maxDepth', () => {
  it.each([
    { maxDepth: 0, nodes: ['v3 @0'], edges: [], isTruncated: true },
    { maxDepth: 1, nodes: ['v2 @1', 'v3 @0'], edges: ['v3 DERIVED_FROM v2 @1'], isTruncated: true },
    {
      maxDepth: 2,
      nodes: ['v1 @2', 'v2 @1', 'v3 @0'],
      edges: ['v2 DERIVED_FROM v1 @2', 'v3 DERIVED_FROM v2 @1'],
      isTruncated: false,
    },
    {
      maxDepth: 3,
      nodes: ['v1 @2', 'v2 @1', 'v3 @0'],
      edges: ['v2 DERIVED_FROM v1 @2', 'v3 DERIVED_FROM v2 @1'],
      isTruncated: false,
    },
  ])(
    'stops the chain at maxDepth $maxDepth (truncated: $isTruncated)',
    async ({ maxDepth, nodes, edges, isTruncated }) => {
      // given v1 <- v2 <- v3
      const graph = await givenChain();

      // when
      const lineage = await lineageOf(graph, 'v3', { direction: 'UPSTREAM', maxDepth });

      // then depthReached is what was reached, not what was allowed
      expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(nodes);
      expect(edgesWithDepth(graph, lineage.edges)).toEqual(edges);
      expect(lineage.depthReached).toBe(nodes.length - 1);
      expect(lineage.isTruncated).toBe(isTruncated);
      expect(lineage.pageInfo.hasNextPage).toBe(false);
    },
  );

  it('is not truncated at maxDepth 0 when nothing lies beyond the root', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const lineage = await lineageOf(graph, 'v1', { direction: 'UPSTREAM', maxDepth: 0 });

    // then
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['v1 @0']);
    expect(lineage).toMatchObject({ depthReached: 0, isTruncated: false });
  });

  it('limits each direction of a BOTH walk', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const lineage = await lineageOf(graph, 'v1', { direction: 'BOTH', maxDepth: 1 });

    // then the deployments, two hops downstream, are cut off
    expect(nodesWithDepth(graph, lineage.nodeInfo)).toEqual(['d @1', 'v1 @0', 'v3 @1']);
    expect(edgesWithDepth(graph, lineage.edges)).toEqual([
      'v1 TRAINED_ON d @1',
      'v3 DERIVED_FROM v1 @1',
    ]);
    expect(lineage).toMatchObject({ depthReached: 1, isTruncated: true });
  });

  it.each([-1, 2_000_000])('refuses maxDepth %i as bad user input', async (maxDepth) => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const response = await sendLineage(graph, 'v3', { direction: 'UPSTREAM', maxDepth });

    // then
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.argument).toBe('maxDepth');
    expect(error.message).toMatch(/maxDepth/);
    expect(response.data?.node ?? null).toBeNull();
  });
});

describe('the node budget', () => {
  // The budget is not a GraphQL argument (it protects the Worker's memory), so the service is
  // called directly.
  async function walkDiamondWithBudget(nodeBudget: number) {
    const graph = await givenDiamond();
    const walk = await walkLineage(testDb(), graph.org.orgId, {
      root: graph.ref('d'),
      direction: 'DOWNSTREAM',
      nodeBudget,
    });
    return { graph, walk };
  }

  it('keeps the nodes nearest the root and says the walk was truncated', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    // when it is walked downstream with room for three nodes
    const { graph, walk } = await walkDiamondWithBudget(3);

    // then
    expect(walk.nodes.map((node) => `${graph.nameOf(node.id)} @${node.depth}`)).toEqual([
      'd @0',
      'v1 @1',
      'v2 @1',
    ]);
    expect(
      walk.edges.map(
        (edge) => `${graph.nameOf(edge.source.id)} ${edge.type} ${graph.nameOf(edge.target.id)}`,
      ),
    ).toEqual(['v1 TRAINED_ON d', 'v2 TRAINED_ON d']);
    expect(walk.isTruncated).toBe(true);
  });

  it('is not truncated when the graph fits the budget exactly', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage (six nodes)
    // when it is walked downstream with room for six
    const { walk } = await walkDiamondWithBudget(6);

    // then
    expect(walk.nodes).toHaveLength(6);
    expect(walk.edges).toHaveLength(6);
    expect(walk.isTruncated).toBe(false);
  });
});

// impact(of:) and lineagePath(from:, to:): what a change reaches downstream (versions through
// derivedFrom chains, deployments production first, a shortest path to each, who to tell), and a
// shortest path between two nodes either way; both answer NOT_FOUND, and nothing else, for a node
// the caller cannot see.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { givenChain, givenDiamond } from './given-graphs.ts';
import {
  edgeName,
  expectRealEdges,
  GraphBuilder,
  type LineageEdgeJson,
  rowIdOf,
} from './graph-builder.ts';
import { onlyError } from './lineage-query.ts';

const Impact = /* GraphQL */ `
  query Impact($of: ID!, $maxDepth: Int) {
    impact(of: $of, maxDepth: $maxDepth) {
      root {
        id
      }
      affectedModelVersions {
        id
      }
      affectedModels {
        id
      }
      affectedDeployments {
        deployment {
          id
        }
        environment
        depth
        path {
          id
          type
          depth
          from {
            id
          }
          to {
            id
          }
        }
      }
      owners {
        id
      }
      depthReached
      isTruncated
    }
  }
`;

const LineagePath = /* GraphQL */ `
  query LineagePath($from: ID!, $to: ID!, $edgeTypes: [EdgeType!]) {
    lineagePath(from: $from, to: $to, edgeTypes: $edgeTypes) {
      length
      edges {
        id
        type
        depth
        from {
          id
        }
        to {
          id
        }
      }
      nodes {
        id
      }
    }
  }
`;

interface ImpactJson {
  root: { id: string };
  affectedModelVersions: { id: string }[];
  affectedModels: { id: string }[];
  affectedDeployments: {
    deployment: { id: string };
    environment: string;
    depth: number;
    path: LineageEdgeJson[];
  }[];
  owners: { id: string }[];
  depthReached: number;
  isTruncated: boolean;
}

interface PathJson {
  length: number;
  edges: LineageEdgeJson[];
  nodes: { id: string }[];
}

/**
 * A dataset d feeding three models, with a shortcut: c1 is evaluated on d directly and also
 * derives (far down the chain) from b2.
 *
 *   d -TRAINED_ON- a1 -DERIVED_FROM- b1 -DERIVED_FROM- b2 -DERIVED_FROM- c1
 *   d -EVALUATED_ON- c1
 *   a1 -> stage-a1 (staging), b1 -> canary-b1 (canary), b2 -> prod-b2, c1 -> prod-c1 (production)
 *
 * Created by different users: the VIEWER user only built an unrelated model z1 (trained on
 * "other") and its deployment.
 */
async function givenImpactGraph() {
  const graph = await GraphBuilder.forNewOrg('impact');
  await graph.dataset('d');
  await graph.dataset('other', 'VIEWER');
  await graph.model('A');
  await graph.model('B', 'ADMIN');
  await graph.model('C');
  await graph.model('Z', 'VIEWER');
  await graph.version('a1', 'A', '1.0.0', { trainedOn: ['d'] });
  await graph.version('b1', 'B', '1.0.0', { derivedFrom: ['a1'] }, 'ADMIN');
  await graph.version('b2', 'B', '2.0.0', { derivedFrom: ['b1'] }, 'REVIEWER');
  await graph.version('c1', 'C', '1.0.0', { evaluatedOn: ['d'], derivedFrom: ['b2'] });
  await graph.version('z1', 'Z', '1.0.0', { trainedOn: ['other'] }, 'VIEWER');
  await graph.deployment('stage-a1', 'staging', ['a1']);
  await graph.deployment('canary-b1', 'canary', ['b1'], 'REVIEWER');
  await graph.deployment('prod-b2', 'production', ['b2'], 'ADMIN');
  await graph.deployment('prod-c1', 'production', ['c1']);
  await graph.deployment('prod-z', 'production', ['z1'], 'VIEWER');
  return graph;
}

async function impactOf(graph: GraphBuilder, root: string, maxDepth?: number) {
  const response = await gql(graph.org.tokens.VIEWER, Impact, { of: graph.gid(root), maxDepth });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.impact as ImpactJson;
}

/** Each affected deployment as "name environment @depth: edge, edge, ...", in the given order. */
function deploymentsOf(graph: GraphBuilder, report: ImpactJson) {
  return report.affectedDeployments.map(
    (affected) =>
      `${graph.nameOf(affected.deployment.id)} ${affected.environment} @${affected.depth}: ${affected.path
        .map((edge) => edgeName(graph, edge))
        .join(', ')}`,
  );
}

function sortedNames(graph: GraphBuilder, nodes: readonly { id: string }[]) {
  return nodes.map((node) => graph.nameOf(node.id)).sort();
}

describe('impact(of:)', () => {
  it('reaches versions through derivedFrom chains and deployments production first, by shortest paths', async () => {
    // given d feeding a1 -> b1 -> b2 -> c1, c1 also evaluated on d, four deployments
    const graph = await givenImpactGraph();

    // when
    const report = await impactOf(graph, 'd');

    // then
    expect(graph.nameOf(report.root.id)).toBe('d');
    expect(sortedNames(graph, report.affectedModelVersions)).toEqual(['a1', 'b1', 'b2', 'c1']);
    expect(sortedNames(graph, report.affectedModels)).toEqual(['A', 'B', 'C']);
    expect(deploymentsOf(graph, report)).toEqual([
      'prod-c1 production @2: c1 EVALUATED_ON d, c1 DEPLOYED_TO prod-c1',
      'prod-b2 production @4: a1 TRAINED_ON d, b1 DERIVED_FROM a1, b2 DERIVED_FROM b1, b2 DEPLOYED_TO prod-b2',
      'canary-b1 canary @3: a1 TRAINED_ON d, b1 DERIVED_FROM a1, b1 DEPLOYED_TO canary-b1',
      'stage-a1 staging @2: a1 TRAINED_ON d, a1 DEPLOYED_TO stage-a1',
    ]);
    for (const affected of report.affectedDeployments) {
      expect(affected.path.map((edge) => edge.depth)).toEqual(
        affected.path.map((_edge, index) => index + 1),
      );
      await expectRealEdges(graph, affected.path);
    }
    expect(report.owners.map((owner) => rowIdOf(owner.id)).sort()).toEqual(
      [graph.org.userIds.EDITOR, graph.org.userIds.ADMIN, graph.org.userIds.REVIEWER].sort(),
    );
    expect(report).toMatchObject({ depthReached: 4, isTruncated: false });
  });

  it('orders production deployments by depth when a version changes', async () => {
    // given the impact graph
    const graph = await givenImpactGraph();

    // when
    const report = await impactOf(graph, 'b1');

    // then
    expect(sortedNames(graph, report.affectedModelVersions)).toEqual(['b2', 'c1']);
    expect(sortedNames(graph, report.affectedModels)).toEqual(['B', 'C']);
    expect(deploymentsOf(graph, report)).toEqual([
      'prod-b2 production @2: b2 DERIVED_FROM b1, b2 DEPLOYED_TO prod-b2',
      'prod-c1 production @3: b2 DERIVED_FROM b1, c1 DERIVED_FROM b2, c1 DEPLOYED_TO prod-c1',
      'canary-b1 canary @1: b1 DEPLOYED_TO canary-b1',
    ]);
  });

  it('counts a Model’s own versions as affected when the model changes', async () => {
    // given the impact graph
    const graph = await givenImpactGraph();

    // when
    const report = await impactOf(graph, 'B');

    // then
    expect(sortedNames(graph, report.affectedModelVersions)).toEqual(['b1', 'b2', 'c1']);
    expect(deploymentsOf(graph, report)).toEqual([
      'prod-b2 production @1: b2 DEPLOYED_TO prod-b2',
      'prod-c1 production @2: c1 DERIVED_FROM b2, c1 DEPLOYED_TO prod-c1',
      'canary-b1 canary @1: b1 DEPLOYED_TO canary-b1',
    ]);
  });

  it.each([
    { maxDepth: 0, versions: [], deployments: [], isTruncated: true },
    { maxDepth: 1, versions: ['a1', 'c1'], deployments: [], isTruncated: true },
    {
      maxDepth: 2,
      versions: ['a1', 'b1', 'c1'],
      deployments: ['prod-c1', 'stage-a1'],
      isTruncated: true,
    },
    {
      maxDepth: 3,
      versions: ['a1', 'b1', 'b2', 'c1'],
      deployments: ['prod-c1', 'canary-b1', 'stage-a1'],
      isTruncated: true,
    },
    {
      maxDepth: 4,
      versions: ['a1', 'b1', 'b2', 'c1'],
      deployments: ['prod-c1', 'prod-b2', 'canary-b1', 'stage-a1'],
      isTruncated: false,
    },
  ])(
    'stops at maxDepth $maxDepth (truncated: $isTruncated)',
    async ({ maxDepth, versions, deployments, isTruncated }) => {
      // given the impact graph
      const graph = await givenImpactGraph();

      // when
      const report = await impactOf(graph, 'd', maxDepth);

      // then
      expect(sortedNames(graph, report.affectedModelVersions)).toEqual(versions);
      expect(
        report.affectedDeployments.map((affected) => graph.nameOf(affected.deployment.id)),
      ).toEqual(deployments);
      expect(report.isTruncated).toBe(isTruncated);
      expect(report.depthReached).toBe(Math.min(maxDepth, 4));
    },
  );

  it('refuses a negative maxDepth as bad user input', async () => {
    // given the impact graph
    const graph = await givenImpactGraph();

    // when
    const response = await gql(graph.org.tokens.VIEWER, Impact, {
      of: graph.gid('d'),
      maxDepth: -1,
    });

    // then
    expect(onlyError(response).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'maxDepth',
    });
    expect(response.data).toBeNull();
  });

  it('terminates on a cycle', async () => {
    // given a DERIVED_FROM b DERIVED_FROM a, written as raw rows, and a deployed
    const graph = await GraphBuilder.forNewOrg('impact-cycle');
    await graph.model('m');
    await graph.version('a', 'm', '1.0.0');
    await graph.version('b', 'm', '2.0.0');
    await graph.rawEdge('a', 'DERIVED_FROM', 'b');
    await graph.rawEdge('b', 'DERIVED_FROM', 'a');
    await graph.deployment('prod', 'production', ['a']);

    // when
    const report = await impactOf(graph, 'a');

    // then
    expect(sortedNames(graph, report.affectedModelVersions)).toEqual(['b']);
    expect(deploymentsOf(graph, report)).toEqual(['prod production @1: a DEPLOYED_TO prod']);
  });

  it('answers NOT_FOUND, and the same, for an unknown node and another organization’s', async () => {
    // given our impact graph, and another organization with a dataset of its own
    const graph = await givenImpactGraph();
    const theirs = await givenImpactGraph();

    // when
    const unknown = await gql(graph.org.tokens.VIEWER, Impact, {
      of: 'not-a-global-id',
    });
    const missing = await gql(graph.org.tokens.VIEWER, Impact, {
      of: encodeGlobalID('Dataset', crypto.randomUUID()),
    });
    const foreign = await gql(graph.org.tokens.VIEWER, Impact, { of: theirs.gid('d') });

    // then
    for (const response of [unknown, missing, foreign]) {
      const error = onlyError(response);
      expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'of' });
      expect(response.data).toBeNull();
    }
    expect(onlyError(foreign).message).toBe(onlyError(missing).message);
    expect(onlyError(foreign).extensions).toEqual(onlyError(missing).extensions);
    expect(JSON.stringify(foreign.errors)).not.toMatch(/prod|a1|b1|stage|canary/);
  });
});

async function pathBetween(
  graph: GraphBuilder,
  from: string,
  to: string,
  edgeTypes: string[] | null = null,
) {
  const response = await gql(graph.org.tokens.VIEWER, LineagePath, {
    from: graph.gid(from),
    to: graph.gid(to),
    edgeTypes,
  });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.lineagePath as PathJson | null;
}

/** The path as "a TYPE b" edges in walking order, and its nodes by name. */
function describePath(graph: GraphBuilder, path: PathJson) {
  return {
    length: path.length,
    edges: path.edges.map((edge) => edgeName(graph, edge)),
    nodes: path.nodes.map((node) => graph.nameOf(node.id)),
  };
}

describe('lineagePath(from:, to:)', () => {
  it('finds the chain downstream, edges in walking order', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const path = await pathBetween(graph, 'v1', 'v3');

    // then
    expect(path).not.toBeNull();
    expect(describePath(graph, path as PathJson)).toEqual({
      length: 2,
      edges: ['v2 DERIVED_FROM v1', 'v3 DERIVED_FROM v2'],
      nodes: ['v1', 'v2', 'v3'],
    });
    expect(path?.edges.map((edge) => edge.depth)).toEqual([1, 2]);
    await expectRealEdges(graph, path?.edges ?? []);
  });

  it('finds the chain upstream, edges in walking order', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const path = await pathBetween(graph, 'v3', 'v1');

    // then
    expect(describePath(graph, path as PathJson)).toEqual({
      length: 2,
      edges: ['v3 DERIVED_FROM v2', 'v2 DERIVED_FROM v1'],
      nodes: ['v3', 'v2', 'v1'],
    });
  });

  it('takes a shortest path through the diamond, both ways', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const down = (await pathBetween(graph, 'd', 'prod')) as PathJson;
    const up = (await pathBetween(graph, 'prod', 'd')) as PathJson;

    // then (v1 or v2 in the middle: both paths are shortest)
    expect(down.edges.map((edge) => edge.type)).toEqual([
      'TRAINED_ON',
      'DERIVED_FROM',
      'DEPLOYED_TO',
    ]);
    const downNodes = describePath(graph, down).nodes;
    expect([downNodes[0], downNodes[2], downNodes[3]]).toEqual(['d', 'v3', 'prod']);
    expect(['v1', 'v2']).toContain(downNodes[1]);
    expect(up.edges.map((edge) => edge.type)).toEqual([
      'DEPLOYED_TO',
      'DERIVED_FROM',
      'TRAINED_ON',
    ]);
    const upNodes = describePath(graph, up).nodes;
    expect([upNodes[0], upNodes[1], upNodes[3]]).toEqual(['prod', 'v3', 'd']);
    for (const path of [down, up]) {
      expect(path.length).toBe(3);
      // consecutive edges share the node between them
      path.edges.forEach((edge, index) => {
        const ends = [edge.from.id, edge.to.id];
        expect(ends).toContain(path.nodes[index]?.id);
        expect(ends).toContain(path.nodes[index + 1]?.id);
      });
    }
  });

  it('follows only the given edge types', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const trainedOnly = await pathBetween(graph, 'd', 'v3', ['TRAINED_ON']);
    const trainedAndDerived = await pathBetween(graph, 'd', 'v3', ['TRAINED_ON', 'DERIVED_FROM']);

    // then
    expect(trainedOnly).toBeNull();
    expect(trainedAndDerived?.edges.map((edge) => edge.type)).toEqual([
      'TRAINED_ON',
      'DERIVED_FROM',
    ]);
  });

  it('answers null for nodes joined only by going up and then down', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage, and a dataset nothing uses
    const graph = await givenDiamond();
    await graph.dataset('unused');

    // when
    const siblings = await pathBetween(graph, 'v1', 'v2');
    const deployments = await pathBetween(graph, 'prod', 'stage');
    const unrelated = await pathBetween(graph, 'v3', 'unused');

    // then
    expect(siblings).toBeNull();
    expect(deployments).toBeNull();
    expect(unrelated).toBeNull();
  });

  it('answers the empty path, through the node itself, from a node to itself', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const path = await pathBetween(graph, 'v2', 'v2');

    // then
    expect(describePath(graph, path as PathJson)).toEqual({ length: 0, edges: [], nodes: ['v2'] });
  });

  it('terminates on a cycle', async () => {
    // given a DERIVED_FROM b DERIVED_FROM c DERIVED_FROM a, written as raw rows
    const graph = await GraphBuilder.forNewOrg('path-cycle');
    await graph.model('m');
    await graph.version('a', 'm', '1.0.0');
    await graph.version('b', 'm', '2.0.0');
    await graph.version('c', 'm', '3.0.0');
    await graph.dataset('unused');
    await graph.rawEdge('a', 'DERIVED_FROM', 'b');
    await graph.rawEdge('b', 'DERIVED_FROM', 'c');
    await graph.rawEdge('c', 'DERIVED_FROM', 'a');

    // when
    const toC = await pathBetween(graph, 'a', 'c');
    const nowhere = await pathBetween(graph, 'a', 'unused');

    // then downstream first: c derives from a
    expect(describePath(graph, toC as PathJson).edges).toEqual(['c DERIVED_FROM a']);
    expect(nowhere).toBeNull();
  });

  it('answers NOT_FOUND for an end the caller cannot see, naming the argument', async () => {
    // given our chain, and another organization's
    const graph = await givenChain();
    const theirs = await givenChain();
    const stranger = await createTestOrg('stranger');

    // when
    const foreignTo = await gql(graph.org.tokens.VIEWER, LineagePath, {
      from: graph.gid('v1'),
      to: theirs.gid('v3'),
    });
    const foreignFrom = await gql(graph.org.tokens.VIEWER, LineagePath, {
      from: theirs.gid('v1'),
      to: graph.gid('v3'),
    });
    const outsider = await gql(stranger.tokens.ADMIN, LineagePath, {
      from: graph.gid('v1'),
      to: graph.gid('v3'),
    });

    // then
    expect(onlyError(foreignTo).extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'to' });
    expect(onlyError(foreignFrom).extensions).toMatchObject({
      code: 'NOT_FOUND',
      argument: 'from',
    });
    expect(onlyError(outsider).extensions).toMatchObject({ code: 'NOT_FOUND' });
    for (const response of [foreignTo, foreignFrom, outsider]) {
      expect(response.data?.lineagePath ?? null).toBeNull();
    }
  });
});

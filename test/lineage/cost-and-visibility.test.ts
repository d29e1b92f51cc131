// A deep walk costs the same number of D1 statements however deep it goes (one recursive
// statement per direction, one batched load per kind), and another organization sees none of it.
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.ts';
import { givenDiamond } from './given-graphs.ts';
import { edgesWithDepth, GraphBuilder } from './graph-builder.ts';
import { Lineage, type LineageJson } from './lineage-query.ts';

const LineageWithPictures = /* GraphQL */ `
  query LineageWithPictures($id: ID!, $direction: LineageDirection!) {
    node(id: $id) {
      ... on LineageNode {
        lineage(direction: $direction) {
          nodes {
            id
            ... on ModelVersion {
              version
            }
          }
          nodeInfo {
            node {
              id
            }
            label
            depth
          }
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
          totalNodes
          depthReached
          isTruncated
          mermaid
          dot
        }
      }
    }
  }
`;

const Nodes = /* GraphQL */ `
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
    }
  }
`;

const Node = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      id
      ... on LineageNode {
        lineage(direction: BOTH) {
          totalNodes
        }
      }
    }
  }
`;

/** `length` versions c0 <- c1 <- ... of one model in a fresh organization, walked from the tip. */
async function walkChain(length: number, direction: 'UPSTREAM' | 'BOTH') {
  const graph = await GraphBuilder.forNewOrg(`chain-${length}`);
  await graph.derivedChain('c', length);
  const response = await gql(graph.org.tokens.VIEWER, LineageWithPictures, {
    id: graph.gid(`c${length - 1}`),
    direction,
  });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const lineage = response.data?.node?.lineage as LineageJson & { mermaid: string; dot: string };
  return { graph, response, lineage };
}

describe('the cost of a deep walk', () => {
  it('walks a 200-hop derivedFrom chain in the same number of statements as a 20-hop one', async () => {
    // given two chains, 20 and 200 versions long, each in its own organization
    // when each is walked upstream from its newest version, with labels and pictures
    const short = await walkChain(20, 'UPSTREAM');
    const long = await walkChain(200, 'UPSTREAM');

    // then
    expect(short.lineage).toMatchObject({ totalNodes: 20, depthReached: 19, isTruncated: false });
    expect(long.lineage).toMatchObject({ totalNodes: 200, depthReached: 199, isTruncated: false });
    expect(edgesWithDepth(long.graph, long.lineage.edges)).toEqual(
      Array.from(
        { length: 199 },
        (_unused, index) => `c${index + 1} DERIVED_FROM c${index} @${199 - index}`,
      ).sort(),
    );
    expect(long.lineage.nodeInfo.map((info) => info.label)).toEqual(
      Array.from({ length: 200 }, (_unused, index) => `c-model@${199 - index}.0.0`),
    );
    expect(long.lineage.mermaid.match(/-->\|DERIVED_FROM\|/g)).toHaveLength(199);
    // 7 when this was written: the bound leaves room for changes around the walk (auth, say),
    // not for a statement per hop or per node
    expect(short.response.statements).toBeGreaterThan(0);
    expect(short.response.statements).toBeLessThanOrEqual(10);
    expect(long.response.statements).toBe(short.response.statements);
  });

  it('walks both ways in a constant number of statements too', async () => {
    // given two chains, 20 and 200 versions long
    // when each is walked BOTH ways from its newest version
    const short = await walkChain(20, 'BOTH');
    const long = await walkChain(200, 'BOTH');

    // then
    expect(long.lineage.totalNodes).toBe(200);
    expect(long.response.statements).toBe(short.response.statements);
  });
});

describe('another organization', () => {
  it('gets null for every node of ours, with no error and no lineage', async () => {
    // given our diamond (and an experiment), and a stranger organization with a graph of its own
    const ours = await givenDiamond();
    await ours.experiment('e');
    const theirs = await givenDiamond();
    const names = ['d', 'm', 'v1', 'v2', 'v3', 'prod', 'stage', 'e'];

    // when
    const single = await Promise.all(
      names.map((name) => gql(theirs.org.tokens.ADMIN, Node, { id: ours.gid(name) })),
    );
    const list = await gql(theirs.org.tokens.ADMIN, Nodes, {
      ids: names.map((name) => ours.gid(name)),
    });
    const lineage = await gql(theirs.org.tokens.ADMIN, Lineage, {
      id: ours.gid('v1'),
      direction: 'BOTH',
    });
    const own = await gql(theirs.org.tokens.ADMIN, Node, { id: theirs.gid('v1') });

    // then
    for (const response of single) {
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ node: null });
    }
    expect(list.errors).toBeUndefined();
    expect(list.data?.nodes).toEqual(names.map(() => null));
    expect(lineage.errors).toBeUndefined();
    expect(lineage.data).toEqual({ node: null });
    // their own lineage is theirs alone: d, v1, v3, prod, stage (v2 is a sibling)
    expect(own.data?.node?.lineage.totalNodes).toBe(5);
  });
});

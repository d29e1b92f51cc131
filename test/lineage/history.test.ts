// Reading lineage as it was: lineageEdgeRemove ends an edge instead of deleting it, and
// lineage(asOf:) shows the edges live at that instant, not those added or ended since.
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.ts';
import {
  edgesWithDepth,
  expectRealEdges,
  GraphBuilder,
  nodesWithDepth,
  rowIdOf,
} from './graph-builder.ts';
import { lineageOf } from './lineage-query.ts';

const LineageEdgeAdd = /* GraphQL */ `
  mutation LineageEdgeAdd($input: LineageEdgeAddInput!) {
    lineageEdgeAdd(input: $input) {
      __typename
      ... on LineageEdgePayload {
        edge {
          id
          createdAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`;

const LineageEdgeRemove = /* GraphQL */ `
  mutation LineageEdgeRemove($input: LineageEdgeRemoveInput!) {
    lineageEdgeRemove(input: $input) {
      __typename
      ... on LineageEdgePayload {
        edge {
          id
          removedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`;

/** Lets the clock move on, so that consecutive writes get distinct millisecond timestamps. */
async function tick() {
  await new Promise((resolve) => setTimeout(resolve, 10));
}

async function now() {
  await tick();
  const instant = new Date().toISOString();
  await tick();
  return instant;
}

async function addDerivedFrom(graph: GraphBuilder, from: string, to: string) {
  const response = await gql(graph.org.tokens.EDITOR, LineageEdgeAdd, {
    input: { type: 'DERIVED_FROM', fromId: graph.gid(from), toId: graph.gid(to) },
  });
  expect(response.errors).toBeUndefined();
  expect(response.data?.lineageEdgeAdd.__typename).toBe('LineageEdgePayload');
  return response.data?.lineageEdgeAdd.edge.id as string;
}

describe('lineage as of an instant', () => {
  it('shows a since-removed edge and hides a since-added one', async () => {
    // given versions a, b, c; b DERIVED_FROM a was added, then removed, then b DERIVED_FROM c added
    const graph = await GraphBuilder.forNewOrg('history');
    await graph.model('m');
    await graph.version('a', 'm', '1.0.0');
    await graph.version('b', 'm', '2.0.0');
    await graph.version('c', 'm', '3.0.0');
    const beforeAnything = await now();
    const oldEdge = await addDerivedFrom(graph, 'b', 'a');
    const beforeRemoval = await now();
    const removal = await gql(graph.org.tokens.EDITOR, LineageEdgeRemove, {
      input: { edgeId: oldEdge, reason: 'wrong parent' },
    });
    expect(removal.data?.lineageEdgeRemove.__typename).toBe('LineageEdgePayload');
    const betweenEdges = await now();
    const newEdge = await addDerivedFrom(graph, 'b', 'c');

    // when
    const then = await lineageOf(graph, 'b', { direction: 'UPSTREAM', asOf: beforeRemoval });
    const gap = await lineageOf(graph, 'b', { direction: 'UPSTREAM', asOf: betweenEdges });
    const before = await lineageOf(graph, 'b', { direction: 'UPSTREAM', asOf: beforeAnything });
    const current = await lineageOf(graph, 'b', { direction: 'UPSTREAM' });
    const thenFromA = await lineageOf(graph, 'a', { direction: 'BOTH', asOf: beforeRemoval });
    const nowFromA = await lineageOf(graph, 'a', { direction: 'BOTH' });

    // then
    expect(nodesWithDepth(graph, then.nodeInfo)).toEqual(['a @1', 'b @0']);
    expect(edgesWithDepth(graph, then.edges)).toEqual(['b DERIVED_FROM a @1']);
    expect(then.edges.map((edge) => edge.id)).toEqual([oldEdge]);
    await expectRealEdges(graph, then.edges);
    expect(nodesWithDepth(graph, gap.nodeInfo)).toEqual(['b @0']);
    expect(gap.edges).toEqual([]);
    expect(nodesWithDepth(graph, before.nodeInfo)).toEqual(['b @0']);
    expect(nodesWithDepth(graph, current.nodeInfo)).toEqual(['b @0', 'c @1']);
    expect(edgesWithDepth(graph, current.edges)).toEqual(['b DERIVED_FROM c @1']);
    expect(current.edges.map((edge) => edge.id)).toEqual([newEdge]);
    expect(nodesWithDepth(graph, thenFromA.nodeInfo)).toEqual(['a @0', 'b @1']);
    expect(nodesWithDepth(graph, nowFromA.nodeInfo)).toEqual(['a @0']);

    // and the removed edge is kept, ended, with the instants the reads relied on in order
    const rows = await graph.edgeRows();
    const old = rows.get(rowIdOf(oldEdge));
    const added = rows.get(rowIdOf(newEdge));
    expect(old).toMatchObject({ removed_by: graph.org.userIds.EDITOR });
    expect(added).toMatchObject({ removed_at: null });
    expect(beforeAnything < (old?.created_at as string)).toBe(true);
    expect((old?.created_at as string) <= beforeRemoval).toBe(true);
    expect(beforeRemoval < (old?.removed_at as string)).toBe(true);
    expect((old?.removed_at as string) <= betweenEdges).toBe(true);
    expect(betweenEdges < (added?.created_at as string)).toBe(true);
  });
});

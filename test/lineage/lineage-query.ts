// The lineage query every walk test sends, and a reader that fails the test on any error.
import { expect } from 'vitest';
import type { EdgeType } from '../../src/registry/lineage/lineage.ts';
import { type GraphQLResponse, gql } from '../helpers/graphql.ts';
import type { GraphBuilder, LineageEdgeJson, LineageNodeInfoJson } from './graph-builder.ts';

export const Lineage = /* GraphQL */ `
  query Lineage(
    $id: ID!
    $direction: LineageDirection!
    $edgeTypes: [EdgeType!]
    $maxDepth: Int
    $asOf: DateTime
    $first: Int
    $after: String
  ) {
    node(id: $id) {
      ... on LineageNode {
        lineage(
          direction: $direction
          edgeTypes: $edgeTypes
          maxDepth: $maxDepth
          asOf: $asOf
          first: $first
          after: $after
        ) {
          root {
            id
          }
          nodes {
            id
          }
          nodeInfo {
            node {
              id
            }
            kind
            label
            depth
            reachedBy
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
          totalEdges
          depthReached
          isTruncated
          pageInfo {
            hasNextPage
            startCursor
            endCursor
          }
        }
      }
    }
  }
`;

export interface LineageJson {
  root: { id: string };
  nodes: { id: string }[];
  nodeInfo: LineageNodeInfoJson[];
  edges: LineageEdgeJson[];
  totalNodes: number;
  totalEdges: number;
  depthReached: number;
  isTruncated: boolean;
  pageInfo: { hasNextPage: boolean; startCursor: string | null; endCursor: string | null };
}

export interface LineageArgs {
  direction: 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
  edgeTypes?: EdgeType[] | null;
  maxDepth?: number | null;
  asOf?: string | null;
  first?: number | null;
  after?: string | null;
}

/** Sends the Lineage query for a named node of the graph, with the org's VIEWER token. */
export function sendLineage(
  graph: GraphBuilder,
  root: string,
  args: LineageArgs,
): Promise<GraphQLResponse> {
  return gql(graph.org.tokens.VIEWER, Lineage, { id: graph.gid(root), ...args });
}

/** The lineage of a named node, after asserting the request succeeded. */
export async function lineageOf(
  graph: GraphBuilder,
  root: string,
  args: LineageArgs,
): Promise<LineageJson> {
  const response = await sendLineage(graph, root, args);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const lineage = response.data?.node?.lineage as LineageJson | undefined;
  expect(lineage, 'node(id:) returned no lineage').toBeDefined();
  return lineage as LineageJson;
}

/** The single top-level error of a refused request, and that no data leaked with it. */
export function onlyError(response: GraphQLResponse) {
  expect(response.errors, 'expected exactly one top-level error').toHaveLength(1);
  return response.errors?.[0] as NonNullable<GraphQLResponse['errors']>[number];
}

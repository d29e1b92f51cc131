// A walk reads each edge's id, type and ends only, unless its selection lists the edges'
// properties or creation time (then the walk's own statement reads them); otherwise they are read
// when asked, for all the edges of a request at once (lineageEdgeDetails: impact's and a path's
// edges), including edges ended since the instant an asOf walk reads.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { countingD1, createDb, type StatementCounter } from '../../src/db/client.ts';
import { newId } from '../../src/registry/ids.ts';
import { findEdgeDetails } from '../../src/registry/lineage/traversal.repository.ts';
import { api } from '../api/api-client.ts';
import { type GraphQLResponse, gql } from '../helpers/graphql.ts';
import { givenDiamond, givenEveryEdgeType } from './given-graphs.ts';
import { GraphBuilder, rowIdOf } from './graph-builder.ts';

const EdgesOf = (fields: string) => /* GraphQL */ `
  query EdgesOf($id: ID!, $asOf: DateTime) {
    node(id: $id) {
      ... on LineageNode {
        lineage(direction: BOTH, asOf: $asOf) {
          edges {
            id
            ${fields}
          }
        }
      }
    }
  }
`;

const LineageEdgeAdd = /* GraphQL */ `
  mutation LineageEdgeAdd($input: LineageEdgeAddInput!) {
    lineageEdgeAdd(input: $input) {
      ... on LineageEdgePayload {
        edge {
          id
        }
      }
    }
  }
`;

const LineageEdgeRemove = /* GraphQL */ `
  mutation LineageEdgeRemove($input: LineageEdgeRemoveInput!) {
    lineageEdgeRemove(input: $input) {
      __typename
    }
  }
`;

async function later() {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const instant = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 10));
  return instant;
}

/** Uses a token once and lets its last-use write finish, so it is not counted later. */
async function warm(token: string) {
  await gql(token, '{ __typename }');
  await later();
}

describe('lineage edge details', () => {
  it('answers properties and createdAt of every edge, an ended one too, with no statement more', async () => {
    // given b DERIVED_FROM a with properties, since ended, and b DERIVED_FROM c live
    const graph = await GraphBuilder.forNewOrg('edge-details');
    await graph.model('m');
    await graph.version('a', 'm', '1.0.0');
    await graph.version('b', 'm', '2.0.0');
    await graph.version('c', 'm', '3.0.0');
    const added = await gql(graph.org.tokens.EDITOR, LineageEdgeAdd, {
      input: {
        type: 'DERIVED_FROM',
        fromId: graph.gid('b'),
        toId: graph.gid('a'),
        properties: { method: 'distillation', ratio: 0.25 },
      },
    });
    const ended = added.data?.lineageEdgeAdd.edge.id as string;
    const whileLive = await later();
    const removal = await gql(graph.org.tokens.EDITOR, LineageEdgeRemove, {
      input: { edgeId: ended, reason: 'wrong parent' },
    });
    expect(removal.data?.lineageEdgeRemove.__typename).toBe('LineageEdgePayload');
    await graph.edge('b', 'DERIVED_FROM', 'c');
    const rows = await graph.edgeRows();
    await warm(graph.org.tokens.VIEWER);

    // when
    const then = await gql(graph.org.tokens.VIEWER, EdgesOf('depth properties createdAt'), {
      id: graph.gid('b'),
      asOf: whileLive,
    });
    const current = await gql(graph.org.tokens.VIEWER, EdgesOf('depth properties createdAt'), {
      id: graph.gid('b'),
    });
    const depthsOnly = await gql(graph.org.tokens.VIEWER, EdgesOf('depth'), {
      id: graph.gid('b'),
    });

    // then every edge answers its stored row, the ended one included
    expect(then.errors).toBeUndefined();
    expect(then.data?.node.lineage.edges).toEqual([
      {
        id: ended,
        depth: 1,
        properties: { method: 'distillation', ratio: 0.25 },
        createdAt: new Date(rows.get(rowIdOf(ended))?.created_at as string).toISOString(),
      },
    ]);
    const [live] = current.data?.node.lineage.edges ?? [];
    const liveRow = rows.get(rowIdOf(live.id));
    expect(liveRow?.removed_at).toBeNull();
    expect(live).toEqual({
      id: live.id,
      depth: 1,
      properties: liveRow?.properties ? JSON.parse(liveRow.properties) : null,
      createdAt: new Date(liveRow?.created_at as string).toISOString(),
    });
    // and asking for them costs no statement: the walk reads them
    expect(current.statements).toBe(depthsOnly.statements);
  });

  it('reads them once for a walk that asks twice: typed edges and graph(edgeDetails: true)', async () => {
    const graph = await givenDiamond();
    await warm(graph.org.tokens.VIEWER);
    const Both = /* GraphQL */ `
      query Both($id: ID!, $details: Boolean!) {
        node(id: $id) {
          ... on LineageNode {
            lineage(direction: BOTH) {
              edges { id createdAt }
              graph(edgeDetails: $details)
            }
          }
        }
      }
    `;
    const bare = await gql(graph.org.tokens.VIEWER, EdgesOf('depth'), { id: graph.gid('v3') });
    const both = await gql(graph.org.tokens.VIEWER, Both, { id: graph.gid('v3'), details: true });
    expect(both.errors).toBeUndefined();
    const lineage = both.data?.node.lineage;
    // the walk read the details for both fields, and graph's labels with its rows
    expect(both.statements).toBe(bare.statements);
    const without = await gql(graph.org.tokens.VIEWER, Both, {
      id: graph.gid('v3'),
      details: false,
    });
    expect(without.data?.node.lineage.graph.edge_columns).toEqual([
      'source',
      'target',
      'type',
      'depth',
    ]);
    const createdAt = new Map(
      lineage.edges.map((edge: { id: string; createdAt: string }) => [edge.id, edge.createdAt]),
    );
    for (const edge of lineage.graph.edges) expect(edge[5]).toBe(createdAt.get(edge[4]));
  });

  it('answers them page by page: each page its own edges, with no statement more', async () => {
    const graph = await GraphBuilder.forNewOrg('edge-details-pages');
    await graph.derivedChain('v', 6);
    await warm(graph.org.tokens.VIEWER);
    const Page = /* GraphQL */ `
      query Page($id: ID!, $after: String, $details: Boolean!) {
        node(id: $id) {
          ... on LineageNode {
            lineage(direction: UPSTREAM, first: 2, after: $after) {
              edges { id createdAt @include(if: $details) }
              pageInfo { hasNextPage endCursor }
            }
          }
        }
      }
    `;
    const rows = await graph.edgeRows();
    const tip = graph.gid('v5');
    let after: string | null = null;
    const seen: string[] = [];
    do {
      const bare = await gql(graph.org.tokens.VIEWER, Page, { id: tip, after, details: false });
      const page: GraphQLResponse = await gql(graph.org.tokens.VIEWER, Page, {
        id: tip,
        after,
        details: true,
      });
      expect(page.errors).toBeUndefined();
      expect(page.statements).toBe(bare.statements);
      for (const edge of page.data?.node.lineage.edges ?? []) {
        expect(edge.createdAt).toBe(
          new Date(rows.get(rowIdOf(edge.id))?.created_at as string).toISOString(),
        );
        seen.push(edge.id);
      }
      const info: { hasNextPage: boolean; endCursor: string } = page.data?.node.lineage.pageInfo;
      after = info.hasNextPage ? info.endCursor : null;
    } while (after);
    expect(new Set(seen).size).toBe(5);
  });

  it('sees the details through named and inline fragments', async () => {
    const graph = await givenDiamond();
    await warm(graph.org.tokens.VIEWER);
    const Fragments = /* GraphQL */ `
      query Fragments($id: ID!) {
        node(id: $id) {
          ... on LineageNode {
            lineage(direction: BOTH) {
              ...Edges
            }
          }
        }
      }
      fragment Edges on LineageGraph {
        edges {
          id
          ... on LineageEdge {
            ...When
          }
        }
      }
      fragment When on LineageEdge {
        createdAt
      }
    `;
    const bare = await gql(graph.org.tokens.VIEWER, EdgesOf('depth'), { id: graph.gid('v3') });
    const viaFragments = await gql(graph.org.tokens.VIEWER, Fragments, { id: graph.gid('v3') });
    expect(viaFragments.errors).toBeUndefined();
    expect(viaFragments.data?.node.lineage.edges).toHaveLength(6);
    expect(viaFragments.statements).toBe(bare.statements);
  });

  it('reads the edges of impact’s paths in one statement, for 1 deployment as for 6', async () => {
    const Impact = /* GraphQL */ `
      query Impact($id: ID!, $details: Boolean!) {
        impact(of: $id) {
          affectedDeployments {
            path {
              id
              depth
              properties @include(if: $details)
              createdAt @include(if: $details)
            }
          }
        }
      }
    `;
    const diamond = await givenDiamond();
    const wide = await GraphBuilder.forNewOrg('edge-details-wide');
    await wide.dataset('d');
    await wide.model('m');
    await wide.version('v', 'm', '1.0.0', { trainedOn: ['d'] });
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) {
      await wide.deployment(name, 'production', ['v']);
    }
    const costs: number[] = [];
    for (const graph of [diamond, wide]) {
      await warm(graph.org.tokens.VIEWER);
      const variables = { id: graph.gid('d') };
      const bare = await gql(graph.org.tokens.VIEWER, Impact, { ...variables, details: false });
      const detailed = await gql(graph.org.tokens.VIEWER, Impact, { ...variables, details: true });
      expect(detailed.errors).toBeUndefined();
      const rows = await graph.edgeRows();
      for (const deployment of detailed.data?.impact.affectedDeployments ?? []) {
        for (const edge of deployment.path) {
          const row = rows.get(rowIdOf(edge.id));
          expect(edge.createdAt).toBe(new Date(row?.created_at as string).toISOString());
          expect(edge.properties).toEqual(row?.properties ? JSON.parse(row.properties) : null);
        }
      }
      costs.push(detailed.statements - bare.statements);
    }
    expect(costs).toEqual([1, 1]);
  });

  it('keeps 9 walks asking for every detail and label within D1’s 50 statements', async () => {
    // A Model root walked both ways reaching all six kinds: the most statements a walk costs
    const graph = await givenEveryEdgeType();
    await warm(graph.org.tokens.VIEWER);
    const walk = (alias: string) => /* GraphQL */ `
      ${alias}: node(id: $id) {
        ... on Model {
          lineage(direction: BOTH, first: 100) {
            graph(edgeDetails: true)
            nodeInfo { label }
            edges { properties createdAt }
            mermaid
          }
        }
      }
    `;
    const aliases = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const response = await gql(
      graph.org.tokens.VIEWER,
      `query Nine($id: ID!) { ${aliases.map(walk).join('\n')} }`,
      { id: graph.gid('m') },
    );
    expect(response.errors).toBeUndefined();
    const kinds = new Set(
      response.data?.a.lineage.graph.nodes.map((node: { kind: string }) => node.kind),
    );
    expect(kinds.size).toBe(6);
    expect(response.statements).toBeLessThanOrEqual(50);
  });

  it('reads them with the walk when REST lists them all: no statement more than without', async () => {
    // given the diamond, one edge with properties
    const graph = await givenDiamond();
    await warm(graph.org.tokens.VIEWER);
    const rows = await graph.edgeRows();
    const path = (query: string) => `/api/lineage/${graph.gid('v3')}/graph?direction=both${query}`;

    // when
    const compact = await api(graph.org.tokens.VIEWER, 'GET', path(''));
    const detailed = await api(graph.org.tokens.VIEWER, 'GET', path('&edge_details=true'));
    const model = await api(graph.org.tokens.VIEWER, 'GET', `/api/lineage/${graph.gid('m')}`);

    // then the same statements, and every edge carries its stored row's values
    expect(detailed.status).toBe(200);
    expect(detailed.statements).toBe(compact.statements);
    expect(detailed.body.edges).toHaveLength(compact.body.edges.length);
    for (const edge of detailed.body.edges) {
      const row = rows.get(rowIdOf(edge[4]));
      expect([edge[5], edge[6]]).toEqual([
        new Date(row?.created_at as string).toISOString(),
        row?.properties ? JSON.parse(row.properties) : null,
      ]);
    }
    expect(model.status).toBe(200);
    expect(model.body.edges.length).toBeGreaterThan(0);
    for (const edge of model.body.edges) {
      const row = rows.get(rowIdOf(edge.id));
      expect([edge.created_at, edge.properties]).toEqual([
        new Date(row?.created_at as string).toISOString(),
        row?.properties ? JSON.parse(row.properties) : null,
      ]);
    }
  });

  it('reads any number of ids in one statement, only the organization’s', async () => {
    // given the diamond's edges, and another organization's edge
    const graph = await givenDiamond();
    const other = await givenDiamond();
    const rows = [...(await graph.edgeRows()).values()];
    const foreign = [...(await other.edgeRows()).keys()][0] as string;
    // 100,007 ids (3.9 MB of JSON: 7 parameters under D1's 2 MB per value, nested in groups of
    // at most 5), the real ones first, last and in between
    const ids = Array.from({ length: 100_007 }, () => newId());
    const positions = [0, 15_384, 15_385, 50_001, 99_999, 100_006];
    rows.slice(0, positions.length).forEach((row, index) => {
      ids[positions[index] as number] = row.id;
    });
    ids[50_000] = foreign;
    const counter: StatementCounter = { statements: 0, roundTrips: 0 };

    // when
    const details = await findEdgeDetails(
      createDb(countingD1(env.DB, counter)),
      graph.org.orgId,
      ids,
    );

    // then
    const expected = rows.slice(0, positions.length);
    expect(details.map(([id]) => id).sort()).toEqual(expected.map((row) => row.id).sort());
    for (const [id, properties, createdAt] of details) {
      const row = expected.find((candidate) => candidate.id === id);
      expect([properties, createdAt]).toEqual([row?.properties, row?.created_at]);
    }
    expect(counter.statements).toBe(1);
    expect(await findEdgeDetails(createDb(env.DB), graph.org.orgId, [])).toEqual([]);
  });
});

// `nodes { id }` is answered from the walk itself (kind and id) without reading the nodes' rows;
// any other field, directly or through a fragment, still loads them.
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.ts';
import { givenDiamond } from './given-graphs.ts';

const lineageWith = (selection: string, fragments = '') => /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      ... on LineageNode {
        lineage(direction: DOWNSTREAM) {
          nodes { ${selection} }
        }
      }
    }
  }
  ${fragments}
`;

describe('lineage nodes selected by id only', () => {
  it('answers ids and typenames with fewer statements than when a field needs the rows', async () => {
    // given
    const graph = await givenDiamond();
    const id = graph.gid('d');

    // when
    const identity = await gql(graph.org.tokens.VIEWER, lineageWith('id __typename'), { id });
    const loaded = await gql(
      graph.org.tokens.VIEWER,
      lineageWith(
        'id __typename ... on Dataset { name } ... on ModelVersion { version } ... on Deployment { environment }',
      ),
      {
        id,
      },
    );

    // then
    expect(identity.errors, JSON.stringify(identity.errors)).toBeUndefined();
    expect(loaded.errors, JSON.stringify(loaded.errors)).toBeUndefined();
    const identityNodes = identity.data?.node.lineage.nodes as { id: string; __typename: string }[];
    const loadedNodes = loaded.data?.node.lineage.nodes as { id: string; __typename: string }[];
    expect(identityNodes).toEqual(loadedNodes.map(({ id, __typename }) => ({ id, __typename })));
    expect(
      identityNodes.map((node) => `${graph.nameOf(node.id)}:${node.__typename}`).sort(),
    ).toEqual([
      'd:Dataset',
      'prod:Deployment',
      'stage:Deployment',
      'v1:ModelVersion',
      'v2:ModelVersion',
      'v3:ModelVersion',
    ]);
    // Versions and deployments are read only when a field other than id needs them.
    expect(loaded.statements).toBeGreaterThan(identity.statements);
  });

  it('loads the rows when a fragment, inline or named, selects more than the id', async () => {
    // given
    const graph = await givenDiamond();

    // when
    const inline = await gql(
      graph.org.tokens.VIEWER,
      lineageWith('id ... on ModelVersion { version } ... on Deployment { environment }'),
      { id: graph.gid('d') },
    );
    const named = await gql(
      graph.org.tokens.VIEWER,
      lineageWith(
        '...Identity',
        'fragment Identity on LineageNode { id ...More } fragment More on ModelVersion { version }',
      ),
      { id: graph.gid('d') },
    );

    // then
    expect(inline.errors, JSON.stringify(inline.errors)).toBeUndefined();
    expect(named.errors, JSON.stringify(named.errors)).toBeUndefined();
    const versions = (nodes: Record<string, unknown>[]) =>
      nodes.map((node) => node.version ?? node.environment ?? null);
    expect(versions(inline.data?.node.lineage.nodes)).toEqual([
      null,
      '1.0.0',
      '2.0.0',
      '3.0.0',
      'production',
      'staging',
    ]);
    expect(versions(named.data?.node.lineage.nodes)).toEqual([
      null,
      '1.0.0',
      '2.0.0',
      '3.0.0',
      null,
      null,
    ]);
  });

  it('serves full rows to other fields of the same request after an id-only list', async () => {
    // given
    const graph = await givenDiamond();

    // when: the id-only list comes first, then fields that need the same rows
    const response = await gql(
      graph.org.tokens.VIEWER,
      /* GraphQL */ `
        query ($id: ID!, $v3: ID!) {
          node(id: $id) {
            ... on LineageNode {
              lineage(direction: DOWNSTREAM) {
                nodes { id }
                root { ... on Dataset { name } }
              }
            }
          }
          again: node(id: $v3) { ... on ModelVersion { version } }
        }
      `,
      { id: graph.gid('d'), v3: graph.gid('v3') },
    );

    // then
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data?.node.lineage.root.name).toBe('d');
    expect(response.data?.again.version).toBe('3.0.0');
  });
});

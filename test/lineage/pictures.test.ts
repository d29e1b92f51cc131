// The mermaid and dot renderings of a lineage page: parsed back, they must hold every node label
// of the page and every edge of the page, and nothing else.
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.ts';
import { givenDiamond } from './given-graphs.ts';
import { GraphBuilder, type LineageEdgeJson, rowIdOf } from './graph-builder.ts';

const LineagePicture = /* GraphQL */ `
  query LineagePicture($id: ID!, $direction: LineageDirection!, $first: Int, $after: String) {
    node(id: $id) {
      ... on LineageNode {
        lineage(direction: $direction, first: $first, after: $after) {
          nodeInfo {
            node {
              id
            }
            label
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
          pageInfo {
            endCursor
          }
          mermaid
          dot
        }
      }
    }
  }
`;

interface PictureJson {
  nodeInfo: { node: { id: string }; label: string }[];
  edges: LineageEdgeJson[];
  pageInfo: { endCursor: string | null };
  mermaid: string;
  dot: string;
}

/** Node declarations (id -> label) and edges ("label TYPE label") of a Mermaid flowchart. */
function parseMermaid(text: string) {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('flowchart LR');
  const labels = new Map<string, string>();
  const edges: [string, string, string][] = [];
  for (const line of lines.slice(1)) {
    const node = /^ {2}(\w+)\["(.*)"\]$/.exec(line);
    const edge = /^ {2}(\w+) -->\|(\w+)\| (\w+)$/.exec(line);
    if (node) labels.set(node[1] as string, (node[2] as string).replace(/#quot;/g, '"'));
    else if (edge) edges.push([edge[1] as string, edge[2] as string, edge[3] as string]);
    else throw new Error(`Unexpected mermaid line: ${line}`);
  }
  return {
    labels: [...labels.values()].sort(),
    edges: edges.map(([from, type, to]) => `${labels.get(from)} ${type} ${labels.get(to)}`).sort(),
  };
}

/** Node declarations (id -> label) and edges ("label TYPE label") of a Graphviz digraph. */
function parseDot(text: string) {
  const lines = text.trimEnd().split('\n');
  expect(lines.slice(0, 2)).toEqual(['digraph lineage {', '  rankdir=LR;']);
  expect(lines.at(-1)).toBe('}');
  const quoted = '"((?:[^"\\\\]|\\\\.)*)"';
  const nodePattern = new RegExp(`^ {2}${quoted} \\[label=${quoted}\\];$`);
  const edgePattern = new RegExp(`^ {2}${quoted} -> ${quoted} \\[label=${quoted}\\];$`);
  const unquote = (text: string) => text.replace(/\\(.)/g, '$1');
  const labels = new Map<string, string>();
  const edges: [string, string, string][] = [];
  for (const line of lines.slice(2, -1)) {
    const node = nodePattern.exec(line);
    const edge = edgePattern.exec(line);
    if (node) labels.set(unquote(node[1] as string), unquote(node[2] as string));
    else if (edge) {
      edges.push([
        unquote(edge[1] as string),
        unquote(edge[3] as string),
        unquote(edge[2] as string),
      ]);
    } else throw new Error(`Unexpected dot line: ${line}`);
  }
  return {
    labels: [...labels.values()].sort(),
    edges: edges.map(([from, type, to]) => `${labels.get(from)} ${type} ${labels.get(to)}`).sort(),
  };
}

/** What a picture of the page must show: "Kind: label" of each node, and each edge. */
function expectedPicture(graph: GraphBuilder, page: PictureJson) {
  const labelOf = new Map<string, string>();
  for (const info of page.nodeInfo) {
    labelOf.set(rowIdOf(info.node.id), `${graph.kind(graph.nameOf(info.node.id))}: ${info.label}`);
  }
  // An edge of the page may lead from a node of another page: it is drawn too, with its label.
  const labelByName: Record<string, string> = {
    d: 'Dataset: d',
    v1: 'ModelVersion: m@1.0.0',
    v2: 'ModelVersion: m@2.0.0',
    v3: 'ModelVersion: m@3.0.0',
    prod: 'Deployment: prod',
    stage: 'Deployment: stage',
  };
  const label = (id: string) =>
    labelOf.get(rowIdOf(id)) ?? (labelByName[graph.nameOf(id)] as string);
  const labels = new Set(labelOf.values());
  for (const edge of page.edges) {
    labels.add(label(edge.from.id));
    labels.add(label(edge.to.id));
  }
  return {
    labels: [...labels].sort(),
    edges: page.edges
      .map((edge) => `${label(edge.from.id)} ${edge.type} ${label(edge.to.id)}`)
      .sort(),
  };
}

async function pictureOf(graph: GraphBuilder, root: string, variables: Record<string, unknown>) {
  const response = await gql(graph.org.tokens.VIEWER, LineagePicture, {
    id: graph.gid(root),
    ...variables,
  });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data?.node?.lineage as PictureJson;
}

describe('lineage pictures', () => {
  it('draws every node label and every edge of the whole graph in mermaid and dot', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();

    // when
    const page = await pictureOf(graph, 'd', { direction: 'DOWNSTREAM' });

    // then
    const expected = expectedPicture(graph, page);
    expect(expected.labels).toEqual([
      'Dataset: d',
      'Deployment: prod',
      'Deployment: stage',
      'ModelVersion: m@1.0.0',
      'ModelVersion: m@2.0.0',
      'ModelVersion: m@3.0.0',
    ]);
    expect(expected.edges).toEqual([
      'ModelVersion: m@1.0.0 TRAINED_ON Dataset: d',
      'ModelVersion: m@2.0.0 TRAINED_ON Dataset: d',
      'ModelVersion: m@3.0.0 DEPLOYED_TO Deployment: prod',
      'ModelVersion: m@3.0.0 DEPLOYED_TO Deployment: stage',
      'ModelVersion: m@3.0.0 DERIVED_FROM ModelVersion: m@1.0.0',
      'ModelVersion: m@3.0.0 DERIVED_FROM ModelVersion: m@2.0.0',
    ]);
    expect(parseMermaid(page.mermaid)).toEqual(expected);
    expect(parseDot(page.dot)).toEqual(expected);
  });

  it('draws only the page: its nodes, its edges and the far ends of those edges', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage
    const graph = await givenDiamond();
    const first = await pictureOf(graph, 'd', { direction: 'DOWNSTREAM', first: 2 });

    // when the second page (v2, v3) is drawn
    const second = await pictureOf(graph, 'd', {
      direction: 'DOWNSTREAM',
      first: 2,
      after: first.pageInfo.endCursor,
    });

    // then
    const expected = expectedPicture(graph, second);
    expect(expected.edges).toEqual([
      'ModelVersion: m@2.0.0 TRAINED_ON Dataset: d',
      'ModelVersion: m@3.0.0 DERIVED_FROM ModelVersion: m@1.0.0',
      'ModelVersion: m@3.0.0 DERIVED_FROM ModelVersion: m@2.0.0',
    ]);
    expect(expected.labels).toEqual([
      'Dataset: d',
      'ModelVersion: m@1.0.0',
      'ModelVersion: m@2.0.0',
      'ModelVersion: m@3.0.0',
    ]);
    expect(parseMermaid(second.mermaid)).toEqual(expected);
    expect(parseDot(second.dot)).toEqual(expected);
    expect(second.mermaid).not.toContain('Deployment');
    expect(second.dot).not.toContain('Deployment');
  });

  it('keeps a label with quotes and backslashes inside its quotes', async () => {
    // given a dataset whose name holds a quote and a backslash, used by one version
    const graph = await GraphBuilder.forNewOrg('quotes');
    await graph.dataset('say "hi" \\o/');
    await graph.model('m');
    await graph.version('v1', 'm', '1.0.0', { trainedOn: ['say "hi" \\o/'] });

    // when
    const page = await pictureOf(graph, 'v1', { direction: 'UPSTREAM' });

    // then both pictures still parse, with the name intact
    const expected = {
      labels: ['Dataset: say "hi" \\o/', 'ModelVersion: m@1.0.0'],
      edges: ['ModelVersion: m@1.0.0 TRAINED_ON Dataset: say "hi" \\o/'],
    };
    expect(parseMermaid(page.mermaid)).toEqual(expected);
    expect(parseDot(page.dot)).toEqual(expected);
  });
});

// Heap of the largest lineage pages in workerd (issue 20, section 5): the DAG of lineage-dag
// (20,000 nodes, 100,569 edges; from its root dataset downstream 17,603 nodes and 73,931 edges,
// more than one request's 60,000-row budget), each request measured in the Worker's own isolate
// through the inspector (Chrome DevTools protocol through wrangler's inspector port):
// Runtime.getHeapUsage polled every ~20 ms while the request runs. The figure is the isolate's
// used heap at its peak minus before the request: what the request held, to hold against
// production's 128 MB per isolate (not the process RSS that lineage-dag reports).
//
//   npx node bench/run.ts lineage-heap           # ~3 min
//   npx node bench/run.ts lineage-heap --quick   # the small DAG with a 2,000-row budget, ~1 min

import { encodeGlobalId } from '../lib/graphql.ts';
import { Inspector } from '../lib/inspector.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { sizeFor } from './lineage/config.ts';
import { baseOf, buildDag, graphStartMs, loadSqlFiles } from './lineage/graphs.ts';

const MiB = 1024 * 1024;

interface PageResult {
  request: string;
  page: number;
  ms: number;
  bytes: number;
  nodes: number;
  edges: number;
  heapBeforeMiB: number;
  heapPeakMiB: number;
  heldMiB: number;
  samples: number;
}

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const dag = buildDag(baseOf(context), size, graphStartMs(context));
  await loadSqlFiles(context, 'dag', dag.files);
  context.log(`DAG root reaches ${dag.expected.nodes} nodes, ${dag.expected.edges} edges`);
  // The small DAG fits any page: a small budget makes it page as the full one does.
  const vars: Record<string, string> = context.quick ? { LINEAGE_EDGE_ROW_BUDGET: '2000' } : {};
  // A fresh server (and isolate) for each request: V8 cannot be told to collect garbage through
  // the inspector, and the garbage a previous request left would blur "before" and the peak.
  let inspector: Inspector | null = null;
  let origin = '';
  const fresh = async (label: string) => {
    inspector?.close();
    if (inspector) await context.stopServer();
    const { server } = await context.startServer(`lineage-heap ${label}`, vars);
    inspector = await Inspector.connect(server.inspectorPort);
    origin = new URL(server.url).origin;
  };
  const root = encodeGlobalId('Dataset', dag.rootDatasetId);
  const headers = { authorization: `Bearer ${context.seed.token}` };
  const graphql = (query: string, variables: Record<string, unknown>) => async () => {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    const body = JSON.parse(text) as { data?: unknown; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
    return { text, body: body.data as Record<string, unknown> };
  };
  const rest = (path: string) => async () => {
    const response = await fetch(`${origin}${path}`, {
      headers,
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 500)}`);
    return { text, body: JSON.parse(text) as Record<string, unknown> };
  };

  const results: PageResult[] = [];
  const measure = async (
    request: string,
    page: number,
    send: () => Promise<{ text: string; body: Record<string, unknown> }>,
    read: (body: Record<string, unknown>) => { nodes: number; edges: number; next: string | null },
  ) => {
    const measured = await (inspector as unknown as Inspector).during(send);
    const counts = read(measured.result.body);
    const row: PageResult = {
      request,
      page,
      ms: Math.round(measured.ms),
      bytes: measured.result.text.length,
      ...{ nodes: counts.nodes, edges: counts.edges },
      heapBeforeMiB: measured.before.used / MiB,
      heapPeakMiB: measured.peak.used / MiB,
      heldMiB: (measured.peak.used - measured.before.used) / MiB,
      samples: measured.samples,
    };
    results.push(row);
    context.log(
      `${request} page ${page}: ${row.ms} ms, ${counts.nodes} nodes, ${counts.edges} edges, heap ${row.heapBeforeMiB.toFixed(1)} -> ${row.heapPeakMiB.toFixed(1)} MiB (+${row.heldMiB.toFixed(1)})`,
    );
    return counts.next;
  };

  /** Follows every page of one request; checks the pages add up to the whole walk. */
  const pages = async (
    request: string,
    send: (after: string | null) => () => Promise<{ text: string; body: Record<string, unknown> }>,
    read: (body: Record<string, unknown>) => { nodes: number; edges: number; next: string | null },
    maxPages: number,
  ) => {
    let after: string | null = null;
    let nodes = 0;
    let edges = 0;
    let page = 0;
    do {
      page += 1;
      const before = results.length;
      after = await measure(request, page, send(after), read);
      nodes += results[before]?.nodes ?? 0;
      edges += results[before]?.edges ?? 0;
    } while (after && page < maxPages);
    return { pages: page, nodes, edges, whole: after === null };
  };

  type Lineage = {
    nodes: unknown[];
    edges: unknown[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
  await fresh('typed');
  const typed = await pages(
    'typed nodes { id } edges { depth }',
    (after) =>
      graphql(
        `query ($id: ID!, $after: String) { node(id: $id) { ... on Dataset {
          lineage(direction: DOWNSTREAM, first: 25000, after: $after) {
            nodes { id } edges { depth } pageInfo { hasNextPage endCursor } } } } }`,
        { id: root, after },
      ),
    (body) => {
      const lineage = (body.node as { lineage: Lineage }).lineage;
      return {
        nodes: lineage.nodes.length,
        edges: lineage.edges.length,
        next: lineage.pageInfo.hasNextPage ? lineage.pageInfo.endCursor : null,
      };
    },
    20,
  );
  type GraphDocument = {
    nodes: { on_other_page?: true }[];
    edges: unknown[];
    page_info: { has_next_page: boolean; end_cursor: string | null };
  };
  const document = (doc: GraphDocument) => ({
    nodes: doc.nodes.filter((node) => !node.on_other_page).length,
    edges: doc.edges.length,
    next: doc.page_info.has_next_page ? doc.page_info.end_cursor : null,
  });
  await fresh('compact');
  const compact = await pages(
    'lineage { graph }',
    (after) =>
      graphql(
        `query ($id: ID!, $after: String) { node(id: $id) { ... on Dataset {
          lineage(direction: DOWNSTREAM, first: 25000, after: $after) { graph } } } }`,
        { id: root, after },
      ),
    (body) => document((body.node as { lineage: { graph: GraphDocument } }).lineage.graph),
    20,
  );
  await fresh('detailed');
  const detailed = await pages(
    'REST /graph?edge_details=true',
    (after) =>
      rest(
        `/api/lineage/${encodeURIComponent(root)}/graph?direction=downstream&edge_details=true${
          after ? `&after=${encodeURIComponent(after)}` : ''
        }`,
      ),
    (body) => document(body as unknown as GraphDocument),
    20,
  );
  // The seed's whole-lineage route, every edge with its details, of the model of a last-layer
  // version: its 40 versions reach nearly the whole DAG both ways. Each answer is one segment;
  // the union is counted by id (a BOTH walk from a model lists a node reached both ways, and an
  // edge crossed both ways, once per direction: docs/lineage.md).
  type SeedLineage = {
    nodes: { id: string }[];
    edges: { id: string }[];
    next_cursor: string | null;
  };
  const modelId = dag.graph.versionModel.get(dag.leafVersionId) as string;
  const seedIds = { nodes: new Set<string>(), edges: new Set<string>() };
  await fresh('seed lineage');
  const seedLineage = await pages(
    'REST /api/lineage/:modelId (BOTH, details)',
    (after) =>
      rest(
        `/api/lineage/${encodeURIComponent(encodeGlobalId('Model', modelId))}${
          after ? `?after=${encodeURIComponent(after)}` : ''
        }`,
      ),
    (body) => {
      const answer = body as unknown as SeedLineage;
      for (const node of answer.nodes) seedIds.nodes.add(node.id);
      for (const edge of answer.edges) seedIds.edges.add(edge.id);
      return { nodes: answer.nodes.length, edges: answer.edges.length, next: answer.next_cursor };
    },
    40,
  );
  // impact walks every segment inside its one request (its summary kept, not the edge rows).
  let impactCheck: Record<string, unknown> = {};
  await fresh('impact');
  await measure(
    'impact (every segment in one request)',
    1,
    graphql(
      `query ($id: ID!) { impact(of: $id) { isTruncated depthReached affectedModelVersions { id }
        affectedModels { id } affectedDeployments { deployment { id } path { depth } } owners { id } } }`,
      { id: root },
    ),
    (body) => {
      const impact = body.impact as {
        affectedModelVersions: unknown[];
        affectedModels: unknown[];
        affectedDeployments: unknown[];
        depthReached: number;
        isTruncated: boolean;
      };
      const expected = dag.expectedImpact;
      impactCheck = {
        versions: impact.affectedModelVersions.length,
        models: impact.affectedModels.length,
        deployments: impact.affectedDeployments.length,
        depth: impact.depthReached,
        isTruncated: impact.isTruncated,
        complete:
          impact.affectedModelVersions.length === expected.versions &&
          impact.affectedModels.length === expected.models &&
          impact.affectedDeployments.length === expected.deployments &&
          impact.depthReached === expected.depth &&
          !impact.isTruncated,
      };
      return { nodes: impact.affectedModelVersions.length, edges: 0, next: null };
    },
  );
  (inspector as unknown as Inspector).close();
  await context.stopServer();

  const lines = [
    `Heap of one request in the Worker's isolate (Runtime.getHeapUsage every ~20 ms; a fresh server before each request's first page), DAG root downstream: ${dag.expected.nodes} nodes, ${dag.expected.edges} edges${context.quick ? ' (quick: LINEAGE_EDGE_ROW_BUDGET=2000)' : ''}`,
    '',
    '| request | page | time | answer | nodes | edges | heap before -> peak | held |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (row) =>
        `| ${row.request} | ${row.page} | ${row.ms} ms | ${(row.bytes / 1e6).toFixed(2)} MB | ${row.nodes} | ${row.edges} | ${row.heapBeforeMiB.toFixed(1)} -> ${row.heapPeakMiB.toFixed(1)} MiB | **${row.heldMiB.toFixed(1)} MiB** |`,
    ),
    '',
    ...[
      ['typed', typed],
      ['compact', compact],
      ['detailed', detailed],
    ].map(([name, total]) => {
      const sum = total as Awaited<typeof typed>;
      const ok = sum.whole && sum.edges === dag.expected.edges && sum.nodes === dag.expected.nodes;
      return `${name}: ${sum.pages} pages, ${sum.nodes} nodes and ${sum.edges} edges in all (${ok ? 'the whole walk' : `EXPECTED ${dag.expected.nodes} / ${dag.expected.edges}`})`;
    }),
    `seed lineage of model ${modelId}: ${seedLineage.pages} answers${seedLineage.whole ? ' to next_cursor null' : ' (STOPPED before the end)'}, ${seedLineage.nodes} nodes (${seedIds.nodes.size} distinct) and ${seedLineage.edges} edges (${seedIds.edges.size} distinct)`,
    `impact: ${JSON.stringify(impactCheck)} (expected ${JSON.stringify(dag.expectedImpact)})`,
  ];
  return {
    report: lines.join('\n'),
    results: {
      expected: dag.expected,
      pages: results,
      typed,
      compact,
      detailed,
      seedLineage: {
        ...seedLineage,
        distinctNodes: seedIds.nodes.size,
        distinctEdges: seedIds.edges.size,
      },
      impact: impactCheck,
    },
  };
}

export const scenario: Scenario = {
  name: 'lineage-heap',
  description:
    'Heap of the largest lineage pages in workerd (inspector Runtime.getHeapUsage), paging the DAG past the edge-row budget',
  skipStartup: true,
  run,
};

// The measured requests: each way of reading a walk, checked against the in-memory BFS.
import { ms, type Summary, summarize } from '../../lib/stats.ts';
import type { Call } from './api.ts';
import { MAX_NESTING } from './config.ts';
import type { Expected } from './graphs.ts';
import {
  type CompactDocument,
  type DrawData,
  drawnDocument,
  drawQuery,
  FIXED_COST,
  type GraphDocument,
  graphJsonQuery,
  IMPACT,
  type ImpactData,
  type LineageData,
  type Nested,
  nestedDerivedFrom,
  nestedLevels,
  resolvedDocument,
  restGraphPath,
} from './queries.ts';
import { type Measuring, type Series, series } from './series.ts';

/**
 * One whole-walk request (typed drawing query, the graph JSON field or the REST route), measured
 * like the others and checked against the BFS of the generated graph: every node once with a
 * label, every edge once, depths, nothing truncated. A walk past one request's edge-row budget
 * comes in pages (breadth-first segments): the first page is the measured series, the later
 * ones follow its cursor once each (their times in the check), and the check is over them all.
 */
async function measureWhole<T>(
  m: Measuring,
  label: string,
  call: Call,
  pick: (data: T) => GraphDocument | null,
  expected: Expected,
  after: (cursor: string) => Call,
  numberedPerPage = false,
) {
  const { series: s, data } = await series<T>(m, label, call, m.size.warm);
  const first = data ? pick(data) : null;
  if (!first) return { series: s, check: { complete: false, expected, error: s.stopped } };
  const pages: GraphDocument[] = [first];
  const laterPages: { ms: number; bytes: number; statements: number }[] = [];
  let error: string | null = null;
  while ((pages.at(-1) as GraphDocument).next && pages.length < 25) {
    const response = await m.api.postRetrying<T>(
      after((pages.at(-1) as GraphDocument).next as string),
    );
    const page = response.ok && response.data ? pick(response.data) : null;
    if (!page) {
      error = `page ${pages.length + 1}: ${response.error ?? 'no document'}`;
      if (response.timedOut) await m.restart();
      break;
    }
    laterPages.push({ ms: response.ms, bytes: response.bytes, statements: response.statements });
    pages.push(page);
  }
  const last = pages.at(-1) as GraphDocument;
  const document: GraphDocument = {
    next: last.next,
    // Node ids are unique over the pages (each node on the page that first reached it); the
    // typed drawing query's nodes are numbered per page.
    nodes: numberedPerPage
      ? pages.flatMap((page, index) =>
          page.nodes.map((node) => ({ ...node, id: `${index}:${node.id}` })),
        )
      : pages.flatMap((page) => page.nodes),
    edges: pages.flatMap((page) => page.edges),
    total_nodes: last.total_nodes,
    total_edges: last.total_edges,
    depth_reached: last.depth_reached,
    is_truncated: last.is_truncated || error !== null,
  };
  m.context.log(
    `${label}: ${pages.length} page(s)${laterPages.length ? `, later pages ${laterPages.map((p) => ms(p.ms)).join(', ')}` : ''}`,
  );
  const got = {
    nodes: document.nodes.length,
    distinctNodes: new Set(document.nodes.map((node) => node.id)).size,
    labelled: document.nodes.filter((node) => node.label).length,
    edges: document.edges.length,
    totalNodes: document.total_nodes,
    totalEdges: document.total_edges,
    depthReached: document.depth_reached,
    maxEdgeDepth: document.edges.reduce((deepest, edge) => Math.max(deepest, edge.depth), 0),
    unresolvedEnds: document.edges.filter(
      (edge) => edge.source === '?' || edge.target === '?' || edge.type === '?',
    ).length,
    isTruncated: document.is_truncated,
    pages: pages.length,
    laterPages,
    ...(error ? { error } : {}),
  };
  const complete =
    got.nodes === expected.nodes &&
    got.distinctNodes === expected.nodes &&
    got.labelled === expected.nodes &&
    got.edges === expected.edges &&
    got.totalNodes === expected.nodes &&
    got.totalEdges === expected.edges &&
    got.depthReached === expected.depth &&
    got.maxEdgeDepth === expected.depth &&
    got.unresolvedEnds === 0 &&
    !got.isTruncated;
  m.context.log(
    `${label}: ${JSON.stringify(got)} (${complete ? 'as expected' : `EXPECTED ${JSON.stringify(expected)}`})`,
  );
  return { series: s, check: { ...got, complete, expected } };
}

export const EXPORT_LABELS = (prefix: string) => [
  `${prefix}: typed drawing query (nodeInfo, edges with ends)`,
  `${prefix}: lineage { graph } (compact JSON document)`,
  `${prefix}: REST GET /api/lineage/:id/graph (compact)`,
  `${prefix}: REST GET /api/lineage/:id/graph?edge_details=true`,
];

export const FIXED_COST_LABEL = 'fixed cost: { __typename } (auth + Yoga + proxy)';

export async function measureFixedCost(m: Measuring) {
  return (await series<unknown>(m, FIXED_COST_LABEL, { query: FIXED_COST }, 10)).series;
}

/** Every way to read the whole walk of a root, one series each, in one run. */
export async function measureExports(
  m: Measuring,
  prefix: string,
  typename: string,
  direction: 'UPSTREAM' | 'DOWNSTREAM',
  rootGlobalId: string,
  expected: Expected,
) {
  const variables = { id: rootGlobalId };
  const draw = await measureWhole<DrawData>(
    m,
    EXPORT_LABELS(prefix)[0] as string,
    { query: drawQuery(typename, direction, m.size.pageSize), variables },
    drawnDocument,
    expected,
    (cursor) => ({
      query: drawQuery(typename, direction, m.size.pageSize),
      variables: { ...variables, after: cursor },
    }),
    true,
  );
  const json = await measureWhole<{ node: { lineage: { graph: CompactDocument } } | null }>(
    m,
    EXPORT_LABELS(prefix)[1] as string,
    { query: graphJsonQuery(typename, direction, m.size.pageSize), variables },
    (data) => resolvedDocument(data.node?.lineage.graph),
    expected,
    (cursor) => ({
      query: graphJsonQuery(typename, direction, m.size.pageSize),
      variables: { ...variables, after: cursor },
    }),
  );
  const rest = await measureWhole<CompactDocument>(
    m,
    EXPORT_LABELS(prefix)[2] as string,
    { get: restGraphPath(rootGlobalId, direction) },
    resolvedDocument,
    expected,
    (cursor) => ({
      get: `${restGraphPath(rootGlobalId, direction)}&after=${encodeURIComponent(cursor)}`,
    }),
  );
  const detailed = await measureWhole<CompactDocument>(
    m,
    EXPORT_LABELS(prefix)[3] as string,
    { get: restGraphPath(rootGlobalId, direction, true) },
    resolvedDocument,
    expected,
    (cursor) => ({
      get: `${restGraphPath(rootGlobalId, direction, true)}&after=${encodeURIComponent(cursor)}`,
    }),
  );
  return {
    series: [draw.series, json.series, rest.series, detailed.series],
    checks: {
      draw: draw.check,
      graphJson: json.check,
      rest: rest.check,
      restDetailed: detailed.check,
    },
  };
}

interface PagedCheck {
  pages: number;
  nodes: number;
  edges: number;
  totalNodes: number;
  totalEdges: number;
  depthReached: number;
  isTruncatedFirstPage: boolean;
  isTruncatedLastPage: boolean;
  maxEdgeDepth: number;
  complete: boolean;
  expected: Expected;
  error?: string;
}

/** The full lineage of the root, page after page; checks the union of the pages against `expected`. */
export async function measureLineage(
  m: Measuring,
  label: string,
  query: string,
  rootGlobalId: string,
  expected: Expected,
) {
  const pageSeries: Series[] = [];
  const seen = new Set<string>();
  let edges = 0;
  let maxEdgeDepth = 0;
  let after: string | null = null;
  const check: PagedCheck = {
    pages: 0,
    nodes: 0,
    edges: 0,
    totalNodes: 0,
    totalEdges: 0,
    depthReached: 0,
    isTruncatedFirstPage: false,
    isTruncatedLastPage: true,
    maxEdgeDepth: 0,
    complete: false,
    expected,
  };
  for (let page = 1; page <= 25; page++) {
    const { series: s, data }: { series: Series; data: LineageData | null } =
      await series<LineageData>(
        m,
        `${label}, page ${page}`,
        { query, variables: { id: rootGlobalId, after } },
        page === 1 ? m.size.warm : m.size.otherPages - 1,
      );
    pageSeries.push(s);
    if (!data?.node) {
      check.error = `page ${page}: ${s.stopped ?? 'node(id:) returned null'}`;
      break;
    }
    const lineage: NonNullable<LineageData['node']>['lineage'] = data.node.lineage;
    for (const node of lineage.nodes) seen.add(node.id);
    edges += lineage.edges.length;
    for (const edge of lineage.edges) maxEdgeDepth = Math.max(maxEdgeDepth, edge.depth);
    Object.assign(check, {
      pages: page,
      nodes: seen.size,
      edges,
      totalNodes: lineage.totalNodes,
      totalEdges: lineage.totalEdges,
      depthReached: lineage.depthReached,
      isTruncatedLastPage: lineage.isTruncated,
      maxEdgeDepth,
    });
    if (page === 1) check.isTruncatedFirstPage = lineage.isTruncated;
    m.context.log(
      `${label}, page ${page}: ${lineage.nodes.length} nodes, ${lineage.edges.length} edges; totalNodes ${lineage.totalNodes}, ` +
        `totalEdges ${lineage.totalEdges}, depthReached ${lineage.depthReached}, isTruncated ${lineage.isTruncated}, ` +
        `hasNextPage ${lineage.pageInfo.hasNextPage}`,
    );
    if (!lineage.pageInfo.hasNextPage) break;
    after = lineage.pageInfo.endCursor;
  }
  check.complete =
    !check.error &&
    check.totalNodes === expected.nodes &&
    check.nodes === expected.nodes &&
    check.totalEdges === expected.edges &&
    check.edges === expected.edges &&
    check.depthReached === expected.depth &&
    !check.isTruncatedLastPage;
  m.context.log(
    `${label}: ${check.complete ? `all ${check.nodes} nodes and ${check.edges} edges in ${check.pages} page(s), as expected` : `INCOMPLETE: ${JSON.stringify(check)}`}`,
  );
  return { pageSeries, check };
}

export async function measureImpact(m: Measuring, rootGlobalId: string, expected: Expected) {
  const { series: s, data } = await series<ImpactData>(
    m,
    'impact(of: root dataset)',
    { query: IMPACT, variables: { id: rootGlobalId } },
    m.size.warm,
  );
  if (!data) return { series: s, check: { complete: false, expected, error: s.stopped } };
  const impact = data.impact;
  const got = {
    versions: impact.affectedModelVersions.length,
    models: impact.affectedModels.length,
    deployments: impact.affectedDeployments.length,
    depth: impact.depthReached,
    isTruncated: impact.isTruncated,
    pathEdges: impact.affectedDeployments.reduce((sum, d) => sum + d.path.length, 0),
  };
  const complete =
    got.versions === expected.versions &&
    got.models === expected.models &&
    got.deployments === expected.deployments &&
    got.depth === expected.depth &&
    !got.isTruncated;
  m.context.log(
    `impact: ${JSON.stringify(got)} (${complete ? 'as expected' : `EXPECTED ${JSON.stringify(expected)}`})`,
  );
  return { series: s, check: { ...got, complete, expected } };
}

export interface NestingRow {
  depth: number;
  accepted: boolean;
  ms?: Summary;
  statements?: number[];
  distinctPerLevel?: number[];
  bytes?: number;
  error?: string;
}

/** Nested derivedFrom, depth 1, 2, ... until the API refuses the query (or MAX_NESTING). */
export async function measureNesting(
  m: Measuring,
  label: string,
  versionGlobalId: string,
): Promise<NestingRow[]> {
  const rows: NestingRow[] = [];
  for (let depth = 1; depth <= MAX_NESTING; depth++) {
    const query = nestedDerivedFrom(depth);
    const times: number[] = [];
    const statements = new Set<number>();
    let levels: number[] = [];
    let bytes = 0;
    let error: string | null = null;
    for (let run = 0; run <= m.size.nestRuns; run++) {
      const response = await m.api.postRetrying<{ node: Nested | null }>({
        query,
        variables: { id: versionGlobalId },
      });
      if (!response.ok) {
        error = response.error;
        if (response.timedOut) await m.restart();
        break;
      }
      if (run > 0) times.push(response.ms); // the first one also warms Yoga's parse/validate caches
      statements.add(response.statements);
      bytes = response.bytes;
      levels = nestedLevels(response.data?.node as Nested, depth);
    }
    if (error) {
      rows.push({ depth, accepted: false, error });
      m.context.log(`${label}: nesting ${depth} refused: ${error.slice(0, 200)}`);
      break;
    }
    rows.push({
      depth,
      accepted: true,
      ms: summarize(times),
      statements: [...statements],
      distinctPerLevel: levels,
      bytes,
    });
  }
  const deepest = rows.filter((row) => row.accepted).pop();
  m.context.log(
    `${label}: deepest accepted nesting ${deepest?.depth ?? 0}` +
      (deepest
        ? ` (${deepest.statements?.join(', ')} statements, p50 ${ms(deepest.ms?.p50)})`
        : ''),
  );
  return rows;
}

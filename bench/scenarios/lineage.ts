// Lineage at scale: the one-statement recursive walk of src/registry/lineage against wrangler dev,
// compared with the same statement run raw on the same SQLite file (the floor), with a naive
// one-statement-per-hop BFS (the baseline), and with the known-bad variant that carries a depth
// column through the recursion.
//
//   lineage-chain  A: a 10,000-hop DERIVED_FROM chain (v0 <- v1 <- ... <- v10000); full upstream
//                  lineage of the tip (10,001 nodes: a page of 10,000 plus a page of 1).
//   lineage-dag    B: 500 datasets, 19,000 versions of 475 models in 40 layers (layer 0 TRAINED_ON
//                  1-3 datasets; above it DERIVED_FROM 3-6 versions of the 3 previous layers, 40% of
//                  them also TRAINED_ON 1-3 datasets), 500 deployments each DEPLOYED_TO by 2 versions
//                  of the last 5 layers: 20,000 nodes, ~100,600 edges. Full downstream lineage (2
//                  pages) and impact of the dataset with the most layer-0 versions.
//   lineage        both, in one database and one server run.
//
// Per request: client-side time, D1 statements (x-d1-statements), response size, and the peak memory
// of the wrangler dev process tree (VmHWM after resetting it through /proc/<pid>/clear_refs).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EDGE_TYPES } from '../../src/registry/lineage/lineage.ts';
import { TARGET_IS_DOWNSTREAM as API_TARGET_IS_DOWNSTREAM } from '../../src/registry/lineage/traversal.repository.ts';
import { encodeGlobalId } from '../lib/graphql.ts';
import {
  processTree,
  readMemory,
  type TreeMemoryDuringRequest,
  watchMemory,
} from '../lib/procmem.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { iso, prng, SqlWriter, Uuid7Clock } from '../lib/sql.ts';
import { findD1File, type RawResult, runRawJob, type WalkParams } from '../lib/sqlite-raw.ts';
import { ms, type Summary, summarize, table } from '../lib/stats.ts';

const SIZES = {
  full: {
    chainHops: 10_000,
    // The API's largest page (MAX_LINEAGE_PAGE): each full walk comes back in one request.
    pageSize: 25_000,
    datasets: 500,
    layers: 40,
    perLayer: 475,
    parentLayers: 3,
    deployments: 500,
    /** Warm repetitions after the first request, as far as seriesBudgetS allows. */
    warm: 5,
    otherPages: 3,
    /** Time one series of requests (or of raw runs) may take: runs stop when the next would not fit. */
    seriesBudgetS: 150,
    /** Client-side limit of one request; past it the server is restarted (it keeps working). */
    requestTimeoutS: 90,
    rawRuns: 5,
    /** Back-to-back (raw statement, request) pairs per paired ratio (measurePaired). */
    pairs: 7,
    /** The API's walk statement, raw: one run may take this long before the child is killed. */
    rawWalkTimeoutS: 120,
    naiveRuns: 3,
    nestRuns: 3,
    depthVariantTimeoutS: 60,
  },
  quick: {
    chainHops: 1_000,
    pageSize: 500,
    datasets: 50,
    layers: 10,
    perLayer: 200,
    parentLayers: 3,
    deployments: 50,
    warm: 2,
    otherPages: 1,
    seriesBudgetS: 20,
    requestTimeoutS: 30,
    rawRuns: 2,
    pairs: 2,
    rawWalkTimeoutS: 30,
    naiveRuns: 1,
    nestRuns: 1,
    depthVariantTimeoutS: 20,
  },
};
type Size = (typeof SIZES)['full'];

/**
 * LINEAGE_REQUEST_TIMEOUT_S and LINEAGE_RAW_TIMEOUT_S override requestTimeoutS and rawWalkTimeoutS,
 * to let a slow walk finish once (such a run takes longer than the default ~10 minutes: pass
 * --timeout-min as well).
 */
function sizeFor(quick: boolean): Size {
  const size = { ...(quick ? SIZES.quick : SIZES.full) };
  const env = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : null;
  };
  size.requestTimeoutS = env('LINEAGE_REQUEST_TIMEOUT_S') ?? size.requestTimeoutS;
  size.rawWalkTimeoutS = env('LINEAGE_RAW_TIMEOUT_S') ?? size.rawWalkTimeoutS;
  return size;
}

/** Share of the versions above layer 0 that are also TRAINED_ON 1-3 datasets. */
const EXTRA_TRAINING = 0.4;

/** Rows per SQL file: ~25,000 rows is 6-8 MB of SQL. */
const ROWS_PER_FILE = 25_000;
const MAX_REQUESTS = 400;
/** Deepest `derivedFrom { derivedFrom { ... } }` nesting tried (QUERY_LIMITS.depth is 12). */
const MAX_NESTING = 12;

// The API's own definitions: which edge types exist, and which way each one points downstream.
const ALL_EDGE_TYPES: readonly string[] = EDGE_TYPES;
const TARGET_IS_DOWNSTREAM: ReadonlySet<string> = API_TARGET_IS_DOWNSTREAM;
/** bySource/byTarget as walkEdges derives them for all edge types. */
function directionTypes(direction: 'UPSTREAM' | 'DOWNSTREAM', edgeTypes = ALL_EDGE_TYPES) {
  const forward = edgeTypes.filter((type) => TARGET_IS_DOWNSTREAM.has(type));
  const backward = edgeTypes.filter((type) => !TARGET_IS_DOWNSTREAM.has(type));
  return direction === 'DOWNSTREAM'
    ? { bySource: forward, byTarget: backward }
    : { bySource: backward, byTarget: forward };
}
/** src/registry/lineage/traversal.service.ts: DEFAULT_NODE_BUDGET + 1. */
const NODE_LIMIT = 100_001;
/** The edge types `impact` follows (IMPACT_EDGE_TYPES). */
const IMPACT_EDGE_TYPES = ['TRAINED_ON', 'EVALUATED_ON', 'DERIVED_FROM', 'DEPLOYED_TO'];

// ---------------------------------------------------------------------------------------------
// Data

/** Rows split into SQL files of ROWS_PER_FILE rows, in insertion order (parents before children). */
class SqlFiles {
  readonly writers: SqlWriter[] = [new SqlWriter()];
  private rows = 0;
  insert(tableName: string, row: Record<string, string | number | null>) {
    if (this.rows >= ROWS_PER_FILE) {
      this.writers.push(new SqlWriter());
      this.rows = 0;
    }
    (this.writers[this.writers.length - 1] as SqlWriter).insert(tableName, row);
    this.rows += 1;
  }
}

interface Edge {
  type: string;
  src: string;
  dst: string;
}

interface Graph {
  nodes: Map<string, string>; // id -> kind
  versionModel: Map<string, string>;
  edges: Edge[];
}

interface Expected {
  nodes: number;
  edges: number;
  depth: number;
  versions: number;
  models: number;
  deployments: number;
}

/** What the walk should return: BFS in memory over the same edges (all types, or `types`). */
function expectedWalk(
  graph: Graph,
  root: string,
  direction: 'UPSTREAM' | 'DOWNSTREAM',
  types = ALL_EDGE_TYPES,
): Expected {
  const next = new Map<string, string[]>();
  const add = (from: string, to: string) => {
    const list = next.get(from);
    if (list) list.push(to);
    else next.set(from, [to]);
  };
  const typeSet = new Set(types);
  for (const edge of graph.edges) {
    if (!typeSet.has(edge.type)) continue;
    const sourceToTarget = TARGET_IS_DOWNSTREAM.has(edge.type) === (direction === 'DOWNSTREAM');
    if (sourceToTarget) add(edge.src, edge.dst);
    else add(edge.dst, edge.src);
  }
  const depth = new Map([[root, 0]]);
  let frontier = [root];
  let level = 0;
  while (frontier.length > 0) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const to of next.get(id) ?? []) {
        if (!depth.has(to)) {
          depth.set(to, level + 1);
          following.push(to);
        }
      }
    }
    if (following.length > 0) level += 1;
    frontier = following;
  }
  const edges = graph.edges.filter(
    (edge) => typeSet.has(edge.type) && depth.has(edge.src) && depth.has(edge.dst),
  ).length;
  const reached = [...depth.keys()];
  const versions = reached.filter((id) => id !== root && graph.nodes.get(id) === 'ModelVersion');
  return {
    nodes: depth.size,
    edges,
    depth: level,
    versions: versions.length,
    models: new Set(versions.map((id) => graph.versionModel.get(id))).size,
    deployments: reached.filter((id) => graph.nodes.get(id) === 'Deployment').length,
  };
}

interface Base {
  clock: Uuid7Clock;
  orgId: string;
  userId: string;
}

function modelRow(base: Base, id: string, name: string, atMs: number, updatedMs: number) {
  return {
    id,
    org_id: base.orgId,
    name,
    description: `Lineage benchmark model ${name}`,
    tags: JSON.stringify(['bench', 'lineage']),
    metadata: JSON.stringify({ framework: 'pytorch', provider: 'in-house', model_type: 'llm' }),
    provider: 'in-house',
    framework: 'pytorch',
    model_type: 'llm',
    status: 'ACTIVE',
    created_at: iso(atMs),
    created_by: base.userId,
    updated_at: iso(updatedMs),
  };
}

function versionRow(base: Base, id: string, modelId: string, version: string, atMs: number) {
  return {
    id,
    org_id: base.orgId,
    model_id: modelId,
    version,
    description: null,
    metadata: JSON.stringify({ epochs: 3 }),
    created_at: iso(atMs),
    created_by: base.userId,
  };
}

function edgeRow(
  base: Base,
  atMs: number,
  type: string,
  src: { id: string; kind: string },
  dst: { id: string; kind: string },
  properties: unknown = null,
) {
  if (src.id === dst.id) throw new Error('An edge may not join a node to itself');
  return {
    id: base.clock.next(atMs).id,
    org_id: base.orgId,
    type,
    src_id: src.id,
    src_kind: src.kind,
    dst_id: dst.id,
    dst_kind: dst.kind,
    properties: properties === null ? null : JSON.stringify(properties),
    created_at: iso(atMs),
    created_by: base.userId,
    removed_at: null,
    removed_by: null,
  };
}

interface ChainData {
  files: SqlFiles;
  tipId: string;
  rootId: string;
  expected: Expected;
  graph: Graph;
}

/** A: v0 <- v1 <- ... <- vN, each version DERIVED_FROM its predecessor, all of one model. */
export function buildChain(base: Base, size: Size, startMs: number): ChainData {
  const files = new SqlFiles();
  const graph: Graph = { nodes: new Map(), versionModel: new Map(), edges: [] };
  const model = base.clock.next(startMs);
  const versions = size.chainHops + 1;
  files.insert(
    'model',
    modelRow(base, model.id, 'lineage-chain', model.ms, model.ms + versions * 1000),
  );
  let previous: { id: string; ms: number } | null = null;
  let first = '';
  for (let i = 0; i < versions; i++) {
    const version = base.clock.next(model.ms + (i + 1) * 1000);
    files.insert('model_version', versionRow(base, version.id, model.id, `1.0.${i}`, version.ms));
    graph.nodes.set(version.id, 'ModelVersion');
    graph.versionModel.set(version.id, model.id);
    if (previous) {
      files.insert(
        'edge',
        edgeRow(
          base,
          version.ms,
          'DERIVED_FROM',
          { id: version.id, kind: 'ModelVersion' },
          { id: previous.id, kind: 'ModelVersion' },
        ),
      );
      graph.edges.push({ type: 'DERIVED_FROM', src: version.id, dst: previous.id });
    } else {
      first = version.id;
    }
    previous = version;
  }
  const tipId = (previous as { id: string }).id;
  return { files, tipId, rootId: first, graph, expected: expectedWalk(graph, tipId, 'UPSTREAM') };
}

interface DagData {
  files: SqlFiles;
  rootDatasetId: string;
  leafVersionId: string;
  expected: Expected;
  expectedImpact: Expected;
  graph: Graph;
  counts: Record<string, number>;
  endMs: number;
}

/**
 * B: datasets, then `layers` layers of `perLayer` versions (one version of each model per layer),
 * then deployments. Deterministic shape (seeded PRNG); ids are time-ordered UUIDv7.
 */
export function buildDag(base: Base, size: Size, startMs: number): DagData {
  const random = prng(20261127);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pickDistinct = <T>(from: readonly T[], count: number): T[] => {
    const picked = new Set<number>();
    while (picked.size < Math.min(count, from.length))
      picked.add(Math.floor(random() * from.length));
    return [...picked].map((index) => from[index] as T);
  };
  const files = new SqlFiles();
  const graph: Graph = { nodes: new Map(), versionModel: new Map(), edges: [] };
  const counts: Record<string, number> = { TRAINED_ON: 0, DERIVED_FROM: 0, DEPLOYED_TO: 0 };
  const addEdge = (
    atMs: number,
    type: string,
    src: { id: string; kind: string },
    dst: { id: string; kind: string },
    properties: unknown = null,
  ) => {
    files.insert('edge', edgeRow(base, atMs, type, src, dst, properties));
    graph.edges.push({ type, src: src.id, dst: dst.id });
    counts[type] = (counts[type] ?? 0) + 1;
  };
  let t = startMs;
  const datasets: string[] = [];
  for (let d = 0; d < size.datasets; d++) {
    t += 1000;
    const { id, ms: at } = base.clock.next(t);
    datasets.push(id);
    graph.nodes.set(id, 'Dataset');
    files.insert('dataset', {
      id,
      org_id: base.orgId,
      name: `dag-dataset-${String(d).padStart(4, '0')}`,
      description: null,
      uri: `r2://bench/lineage/${d}.parquet`,
      format: 'parquet',
      metadata: null,
      created_at: iso(at),
      created_by: base.userId,
    });
  }
  const models: string[] = [];
  const lastMs = t + (size.layers + 2) * 3_600_000;
  for (let m = 0; m < size.perLayer; m++) {
    t += 1000;
    const { id, ms: at } = base.clock.next(t);
    models.push(id);
    files.insert(
      'model',
      modelRow(base, id, `dag-model-${String(m).padStart(4, '0')}`, at, lastMs),
    );
  }
  const layers: string[][] = [];
  const layer0Trainees = new Map<string, number>();
  for (let layer = 0; layer < size.layers; layer++) {
    const ids: string[] = [];
    const layerMs = t + (layer + 1) * 3_600_000;
    for (let m = 0; m < size.perLayer; m++) {
      const version = base.clock.next(layerMs + m * 10);
      const modelId = models[m] as string;
      ids.push(version.id);
      graph.nodes.set(version.id, 'ModelVersion');
      graph.versionModel.set(version.id, modelId);
      files.insert(
        'model_version',
        versionRow(base, version.id, modelId, `${layer}.0.0`, version.ms),
      );
      const self = { id: version.id, kind: 'ModelVersion' };
      // Layer 0 is trained on datasets; above it, versions derive from earlier ones and some are
      // also trained on more data (these are shortcuts from the datasets into the middle).
      const trainOn = layer === 0 || random() < EXTRA_TRAINING ? int(1, 3) : 0;
      for (const dataset of pickDistinct(datasets, trainOn)) {
        addEdge(
          version.ms,
          'TRAINED_ON',
          self,
          { id: dataset, kind: 'Dataset' },
          { split: 'train' },
        );
        if (layer === 0) layer0Trainees.set(dataset, (layer0Trainees.get(dataset) ?? 0) + 1);
      }
      if (layer > 0) {
        const earlier = layers.slice(Math.max(0, layer - size.parentLayers)).flat();
        for (const parent of pickDistinct(earlier, int(3, 6))) {
          addEdge(version.ms, 'DERIVED_FROM', self, { id: parent, kind: 'ModelVersion' });
        }
      }
    }
    layers.push(ids);
  }
  t += (size.layers + 1) * 3_600_000;
  const environments = ['production', 'staging', 'canary'];
  const late = layers.slice(-5).flat();
  for (let d = 0; d < size.deployments; d++) {
    t += 1000;
    const { id, ms: at } = base.clock.next(t);
    graph.nodes.set(id, 'Deployment');
    files.insert('deployment', {
      id,
      org_id: base.orgId,
      name: `dag-deployment-${String(d).padStart(4, '0')}`,
      environment: environments[d % environments.length] as string,
      description: null,
      endpoint_url: `https://dag-${d}.bench.example/v1`,
      region: d % 2 === 0 ? 'weur' : 'enam',
      metadata: null,
      created_at: iso(at),
      created_by: base.userId,
    });
    for (const version of pickDistinct(late, 2)) {
      addEdge(
        at,
        'DEPLOYED_TO',
        { id: version, kind: 'ModelVersion' },
        { id, kind: 'Deployment' },
        {
          trafficShare: 0.5,
        },
      );
    }
  }
  // The root: the dataset most layer-0 versions were trained on (the first such, for ties).
  let rootDatasetId = datasets[0] as string;
  for (const dataset of datasets) {
    if ((layer0Trainees.get(dataset) ?? 0) > (layer0Trainees.get(rootDatasetId) ?? 0))
      rootDatasetId = dataset;
  }
  return {
    files,
    rootDatasetId,
    leafVersionId: (layers[layers.length - 1] as string[])[0] as string,
    expected: expectedWalk(graph, rootDatasetId, 'DOWNSTREAM'),
    expectedImpact: expectedWalk(graph, rootDatasetId, 'DOWNSTREAM', IMPACT_EDGE_TYPES),
    graph,
    counts,
    endMs: t,
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Response<T> {
  ok: boolean;
  timedOut: boolean;
  status: number;
  ms: number;
  statements: number;
  bytes: number;
  data: T | null;
  error: string | null;
}

type Measured = Omit<Response<unknown>, 'data'> & { memory: TreeMemoryDuringRequest | null };

/** A GraphQL operation, or a REST GET of a path on the same server. */
type Call = { query: string; variables?: Record<string, unknown> } | { get: string };

/** GraphQL over HTTP with the wrangler dev process tree watched; can move to a restarted server. */
class Api {
  sent = 0;
  private url = '';
  private pid: number | undefined;
  private readonly token: string;
  private readonly signal: AbortSignal;
  private readonly timeoutMs: number;
  constructor(token: string, signal: AbortSignal, timeoutMs: number) {
    this.token = token;
    this.signal = signal;
    this.timeoutMs = timeoutMs;
  }

  use(server: { url: string; pid: number | undefined }) {
    this.url = server.url;
    this.pid = server.pid;
  }

  tree() {
    return this.pid === undefined ? [] : processTree(this.pid);
  }

  async post<T>(call: Call): Promise<Response<T>> {
    if (this.sent >= MAX_REQUESTS) throw new Error(`Request budget of ${MAX_REQUESTS} exhausted`);
    this.sent += 1;
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([this.signal, timeout]);
    let response: globalThis.Response;
    let text: string;
    try {
      response =
        'get' in call
          ? // REST: the same server, the route's path.
            await fetch(new URL(call.get, this.url), {
              headers: { accept: 'application/json', authorization: `Bearer ${this.token}` },
              signal,
            })
          : await fetch(this.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'application/graphql-response+json, application/json',
                authorization: `Bearer ${this.token}`,
              },
              body: JSON.stringify({ query: call.query, variables: call.variables ?? {} }),
              signal,
            });
      text = await response.text();
    } catch (error) {
      if (!timeout.aborted) throw error;
      return {
        ok: false,
        timedOut: true,
        status: 0,
        ms: performance.now() - started,
        statements: Number.NaN,
        bytes: 0,
        data: null,
        error: `no answer within ${this.timeoutMs / 1000} s (client gave up)`,
      };
    }
    const elapsed = performance.now() - started;
    let body: { data?: T; errors?: { message: string }[] } | null = null;
    try {
      body = JSON.parse(text);
      // A REST answer is the data itself.
      if ('get' in call && response.ok) body = { data: body as T };
    } catch {
      body = null;
    }
    const error =
      !response.ok || !body || body.errors?.length || !body.data
        ? `HTTP ${response.status}: ${(body?.errors ? JSON.stringify(body.errors) : text).slice(0, 600)}`
        : null;
    return {
      ok: error === null,
      timedOut: false,
      status: response.status,
      ms: elapsed,
      statements: Number(response.headers.get('x-d1-statements') ?? Number.NaN),
      bytes: Buffer.byteLength(text),
      data: body?.data ?? null,
      error,
    };
  }

  /** Requests that had to be sent again because wrangler dev reloaded (src/ changed) under them. */
  reloadRetries = 0;

  /**
   * One request with the memory of the wrangler dev tree watched. If wrangler dev reloads the Worker
   * under it (someone saved a file in src/), workerd answers 503 "Your worker restarted
   * mid-request": that attempt is dropped and the request sent again (at most twice).
   */
  async measured<T>(call: Call) {
    for (let attempt = 1; ; attempt++) {
      const pids = this.tree();
      const { result, memory } = await watchMemory(pids, () => this.post<T>(call), 25);
      if (attempt <= 2 && reloaded(result)) {
        this.reloadRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      const { data, ...rest } = result;
      return { data, measured: { ...rest, memory: pids.length ? memory : null } as Measured };
    }
  }

  /** post(), sent again (at most twice) when wrangler dev reloaded under it. */
  async postRetrying<T>(call: Call) {
    for (let attempt = 1; ; attempt++) {
      const result = await this.post<T>(call);
      if (attempt > 2 || !reloaded(result)) return result;
      this.reloadRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

const reloaded = (response: { status: number; error: string | null }) =>
  response.status === 503 && (response.error ?? '').includes('restarted mid-request');

interface LineageData {
  node: {
    lineage: {
      totalNodes: number;
      totalEdges: number;
      depthReached: number;
      isTruncated: boolean;
      nodes: { id: string }[];
      edges: { depth: number }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  } | null;
}

const lineageQuery = (typename: string, direction: string, first: number) => /* GraphQL */ `
  query Lineage($id: ID!, $after: String) {
    node(id: $id) {
      ... on ${typename} {
        lineage(direction: ${direction}, first: ${first}, after: $after) {
          totalNodes totalEdges depthReached isTruncated
          nodes { id }
          edges { depth }
          pageInfo { endCursor hasNextPage }
        }
      }
    }
  }
`;

/** What a client drawing the graph asks for through the typed fields: labels and both ends. */
const drawQuery = (typename: string, direction: string, first: number) => /* GraphQL */ `
  query Draw($id: ID!) {
    node(id: $id) {
      ... on ${typename} {
        lineage(direction: ${direction}, first: ${first}) {
          totalNodes totalEdges depthReached isTruncated
          nodeInfo { kind label depth }
          edges { type depth from { id } to { id } }
          pageInfo { endCursor hasNextPage }
        }
      }
    }
  }
`;

/** The same page as one compact JSON document (LineageGraph.graph): no per-object resolution. */
const graphJsonQuery = (typename: string, direction: string, first: number) => /* GraphQL */ `
  query GraphJson($id: ID!) {
    node(id: $id) { ... on ${typename} { lineage(direction: ${direction}, first: ${first}) { graph } } }
  }
`;

/** The REST export of the whole walk (GET /api/lineage/:id/graph), JSON, compact or detailed. */
const restGraphPath = (globalId: string, direction: string, edgeDetails = false) =>
  `/api/lineage/${globalId}/graph?direction=${direction.toLowerCase()}${edgeDetails ? '&edge_details=true' : ''}`;

/** The smallest authenticated request: what any answer costs before lineage starts. */
const FIXED_COST = '{ __typename }';

/** What the checks read: nodes of the page and edges with both ends named. */
interface GraphDocument {
  nodes: { id: string; kind: string; label: string; depth: number }[];
  edges: { type: string; depth: number; source: string; target: string }[];
  total_nodes: number;
  total_edges: number;
  depth_reached: number;
  is_truncated: boolean;
}

/** The API's compact document: node objects, edges as tuples read through edge_columns. */
interface CompactDocument {
  nodes: { id: string; kind: string; label: string; depth: number; on_other_page?: true }[];
  edge_columns: string[];
  edge_types: string[];
  edges: unknown[][];
  total_nodes: number;
  total_edges: number;
  depth_reached: number;
  is_truncated: boolean;
}

/**
 * The compact document in the checks' shape, each edge resolved through its legend; an end or a
 * type that does not resolve becomes '?' so that the check fails instead of throwing.
 */
function resolvedDocument(document: CompactDocument | null | undefined): GraphDocument | null {
  if (!document) return null;
  const column = (name: string) => document.edge_columns.indexOf(name);
  const [source, target, type, depth] = ['source', 'target', 'type', 'depth'].map(column) as [
    number,
    number,
    number,
    number,
  ];
  const idAt = (index: unknown) => document.nodes[index as number]?.id ?? '?';
  return {
    nodes: document.nodes.filter((node) => !node.on_other_page),
    edges: document.edges.map((edge) => ({
      type: document.edge_types[edge[type] as number] ?? '?',
      depth: edge[depth] as number,
      source: idAt(edge[source]),
      target: idAt(edge[target]),
    })),
    total_nodes: document.total_nodes,
    total_edges: document.total_edges,
    depth_reached: document.depth_reached,
    is_truncated: document.is_truncated,
  };
}

interface DrawData {
  node: {
    lineage: {
      totalNodes: number;
      totalEdges: number;
      depthReached: number;
      isTruncated: boolean;
      nodeInfo: { kind: string; label: string; depth: number }[];
      edges: { type: string; depth: number; from: { id: string }; to: { id: string } }[];
    };
  } | null;
}

/**
 * One whole-walk request (typed drawing query, the graph JSON field or the REST route), measured
 * like the others and checked against the BFS of the generated graph: every node once with a
 * label, every edge once, depths, nothing truncated.
 */
async function measureWhole<T>(
  m: Measuring,
  label: string,
  call: Call,
  pick: (data: T) => GraphDocument | null,
  expected: Expected,
) {
  const { series: s, data } = await series<T>(m, label, call, m.size.warm);
  const document = data ? pick(data) : null;
  if (!document) return { series: s, check: { complete: false, expected, error: s.stopped } };
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

/** The typed drawing answer in the document's shape, to check it the same way. */
function drawnDocument(data: DrawData): GraphDocument | null {
  const lineage = data.node?.lineage;
  if (!lineage) return null;
  return {
    nodes: lineage.nodeInfo.map((node, index) => ({ ...node, id: String(index) })),
    edges: lineage.edges.map((edge) => ({
      type: edge.type,
      depth: edge.depth,
      source: edge.from.id,
      target: edge.to.id,
    })),
    total_nodes: lineage.totalNodes,
    total_edges: lineage.totalEdges,
    depth_reached: lineage.depthReached,
    is_truncated: lineage.isTruncated,
  };
}

const EXPORT_LABELS = (prefix: string) => [
  `${prefix}: typed drawing query (nodeInfo, edges with ends)`,
  `${prefix}: lineage { graph } (compact JSON document)`,
  `${prefix}: REST GET /api/lineage/:id/graph (compact)`,
  `${prefix}: REST GET /api/lineage/:id/graph?edge_details=true`,
];

const FIXED_COST_LABEL = 'fixed cost: { __typename } (auth + Yoga + proxy)';

async function measureFixedCost(m: Measuring) {
  return (await series<unknown>(m, FIXED_COST_LABEL, { query: FIXED_COST }, 10)).series;
}

/** Every way to read the whole walk of a root, one series each, in one run. */
async function measureExports(
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
  );
  const json = await measureWhole<{ node: { lineage: { graph: CompactDocument } } | null }>(
    m,
    EXPORT_LABELS(prefix)[1] as string,
    { query: graphJsonQuery(typename, direction, m.size.pageSize), variables },
    (data) => resolvedDocument(data.node?.lineage.graph),
    expected,
  );
  const rest = await measureWhole<CompactDocument>(
    m,
    EXPORT_LABELS(prefix)[2] as string,
    { get: restGraphPath(rootGlobalId, direction) },
    resolvedDocument,
    expected,
  );
  const detailed = await measureWhole<CompactDocument>(
    m,
    EXPORT_LABELS(prefix)[3] as string,
    { get: restGraphPath(rootGlobalId, direction, true) },
    resolvedDocument,
    expected,
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

const IMPACT = /* GraphQL */ `
  query Impact($id: ID!) {
    impact(of: $id) {
      depthReached isTruncated
      affectedModelVersions { id }
      affectedModels { id }
      affectedDeployments { deployment { id } environment depth path { depth } }
      owners { id }
    }
  }
`;

interface ImpactData {
  impact: {
    depthReached: number;
    isTruncated: boolean;
    affectedModelVersions: { id: string }[];
    affectedModels: { id: string }[];
    affectedDeployments: { deployment: { id: string }; depth: number; path: { depth: number }[] }[];
    owners: { id: string }[];
  };
}

/** `node(id:) { ... on ModelVersion { id derivedFrom { id derivedFrom { ... } } } }`, `depth` levels. */
function nestedDerivedFrom(depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth; i++) inner = `id derivedFrom { ${inner} }`;
  return `query Nested($id: ID!) { node(id: $id) { ... on ModelVersion { ${inner} } } }`;
}

interface Nested {
  id: string;
  derivedFrom?: Nested[];
}

/** Distinct versions at each level of a nested derivedFrom answer. */
function nestedLevels(root: Nested, depth: number): number[] {
  const levels: number[] = [];
  let frontier = [root];
  for (let level = 0; level < depth; level++) {
    const next = new Map<string, Nested>();
    for (const node of frontier)
      for (const parent of node.derivedFrom ?? []) next.set(parent.id, parent);
    levels.push(next.size);
    frontier = [...next.values()];
  }
  return levels;
}

/** A request measured several times: the first apart, then warm ones. */
interface Series {
  label: string;
  first: Measured | null;
  warm: Measured[];
  /** Why the series stopped early, if it did. */
  stopped: string | null;
}

const newSeries = (label: string): Series => ({ label, first: null, warm: [], stopped: null });

const isWorkerd = (p: { name: string }) => p.name === 'workerd';
/** Per request: the highest peak of any workerd process, and the RSS that process had before. */
function workerdPeak(memory: TreeMemoryDuringRequest | null) {
  const procs = (memory?.processes ?? []).filter(isWorkerd);
  if (procs.length === 0)
    return { beforeKiB: Number.NaN, peakKiB: Number.NaN, sumPeakKiB: Number.NaN };
  const top = procs.reduce((a, b) => (b.peakKiB > a.peakKiB ? b : a));
  return {
    beforeKiB: top.rssBeforeKiB,
    peakKiB: top.peakKiB,
    sumPeakKiB: procs.reduce((sum, p) => sum + p.peakKiB, 0),
  };
}

const mib = (kib: number) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);

function seriesRow(series: Series): string[] {
  const all = [series.first, ...series.warm].filter((m): m is Measured => m !== null);
  const ok = all.filter((m) => m.ok);
  const warm = summarize(series.warm.filter((m) => m.ok).map((m) => m.ms));
  const mem = all.map((m) => workerdPeak(m.memory));
  const top = mem.reduce((a, b) => (b.peakKiB > a.peakKiB ? b : a), mem[0] ?? workerdPeak(null));
  const first = series.first;
  return [
    series.label,
    String(warm.n),
    warm.n ? `${ms(warm.p50)} (${ms(warm.min)}-${ms(warm.max)})` : 'n/a',
    first
      ? first.ok
        ? ms(first.ms)
        : first.timedOut
          ? `> ${(first.ms / 1000).toFixed(0)} s`
          : 'error'
      : '',
    [...new Set(ok.map((m) => m.statements))].join(', ') || 'n/a',
    ok.length ? `${(Math.max(...ok.map((m) => m.bytes)) / 1e6).toFixed(2)} MB` : 'n/a',
    `${mib(top.beforeKiB)} -> ${mib(top.peakKiB)}`,
    mib(Math.max(...all.map((m) => m.memory?.totalPeakKiB ?? Number.NaN))),
  ];
}

const SERIES_HEADERS = [
  'request',
  'warm n',
  'warm p50 (min-max)',
  'first',
  'D1 stmts',
  'response',
  'workerd RSS before -> peak',
  'tree peak (sum)',
];

function describeSeries(series: Series) {
  const ok = series.warm.filter((m) => m.ok);
  return {
    label: series.label,
    first: series.first,
    warmLatencyMs: summarize(ok.map((m) => m.ms)),
    warm: series.warm,
    stopped: series.stopped,
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** One end-to-end request and the raw walk statement, measured back to back (see measurePaired). */
interface PairedRow {
  label: string;
  pairs: { rawMs: number; apiMs: number; ratio: number }[];
  failures: string[];
}

/**
 * Ratios measured in pairs: the raw walk statement (node:sqlite on a copy of the D1 file taken
 * before the server started, so it can run while workerd holds the original) and one request,
 * back to back, alternating which goes first. Each pair shares the machine's state of the moment:
 * on these shared machines the same statement took 108-240 ms from one minute to the next, which
 * made a ratio of two medians measured minutes apart swing between 1.2x and 3.2x. The raw side is
 * the median of 3 runs in a fresh process.
 */
async function measurePaired(
  m: Measuring,
  label: string,
  call: Call,
  params: WalkParams,
  pairs: number,
): Promise<PairedRow> {
  const row: PairedRow = { label, pairs: [], failures: [] };
  const raw = async () => {
    const result = await runRawJob(
      { kind: 'walk', variant: 'api', runs: 3, budgetMs: 60_000, ...params },
      m.context.workDir,
      m.size.rawWalkTimeoutS * 1000,
    );
    const runs = (result.runsMs as number[] | undefined) ?? [];
    if (!result.ok || runs.length === 0) throw new Error(`raw: ${String(result.error)}`);
    return summarize(runs).p50;
  };
  const request = async () => {
    const result = await m.api.postRetrying(call);
    // The server keeps working on an abandoned request: the next pairs get a fresh one.
    if (result.timedOut) await m.restart();
    if (!result.ok) throw new Error(result.error ?? 'failed');
    return result.ms;
  };
  for (let pair = 0; pair < pairs; pair++) {
    try {
      let rawMs: number;
      let apiMs: number;
      if (pair % 2 === 0) {
        rawMs = await raw();
        apiMs = await request();
      } else {
        apiMs = await request();
        rawMs = await raw();
      }
      row.pairs.push({ rawMs, apiMs, ratio: apiMs / rawMs });
    } catch (error) {
      row.failures.push(String(error).slice(0, 200));
    }
  }
  const ratios = summarize(row.pairs.map((p) => p.ratio));
  m.context.log(
    `paired ${label}: ratio p50 ${ratios.p50.toFixed(2)} (${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)}), pairs ${row.pairs
      .map((p) => `${Math.round(p.apiMs)}/${Math.round(p.rawMs)}`)
      .join(' ')}${row.failures.length ? `, failures: ${row.failures.join('; ')}` : ''}`,
  );
  return row;
}

interface Measuring {
  api: Api;
  context: ScenarioContext;
  size: Size;
  /** Called after a request timed out: the server keeps working on it, so start a fresh one. */
  restart(): Promise<void>;
}

/**
 * Sends `query` once (the first, reported apart), then repeats it `warm` times as long as the
 * series budget allows. Stops on a timeout (after restarting the server) or an error.
 */
async function series<T>(
  m: Measuring,
  label: string,
  call: Call,
  warm: number,
): Promise<{ series: Series; data: T | null }> {
  const out = newSeries(label);
  const started = performance.now();
  let data: T | null = null;
  for (let run = 0; run <= warm; run++) {
    const last = out.warm[out.warm.length - 1] ?? out.first;
    if (run > 0 && last && performance.now() - started + last.ms > m.size.seriesBudgetS * 1000) {
      out.stopped = `series budget of ${m.size.seriesBudgetS} s`;
      break;
    }
    const result = await m.api.measured<T>(call);
    if (run === 0) out.first = result.measured;
    else out.warm.push(result.measured);
    if (!result.measured.ok) {
      out.stopped = result.measured.error;
      m.context.log(`${label}: ${result.measured.error} (after ${ms(result.measured.ms)})`);
      if (result.measured.timedOut) await m.restart();
      break;
    }
    data = result.data;
  }
  const w = summarize(out.warm.map((x) => x.ms));
  if (data) {
    m.context.log(
      `${label}: first ${ms(out.first?.ms)}, warm p50 ${ms(w.p50)} (n=${w.n}), ${out.first?.statements} statements, ` +
        `workerd peak ${mib(workerdPeak(out.first?.memory ?? null).peakKiB)}`,
    );
  }
  return { series: out, data };
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
async function measureLineage(
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

async function measureImpact(m: Measuring, rootGlobalId: string, expected: Expected) {
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

interface NestingRow {
  depth: number;
  accepted: boolean;
  ms?: Summary;
  statements?: number[];
  distinctPerLevel?: number[];
  bytes?: number;
  error?: string;
}

/** Nested derivedFrom, depth 1, 2, ... until the API refuses the query (or MAX_NESTING). */
async function measureNesting(
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

// ---------------------------------------------------------------------------------------------
// The scenario

async function runLineage(
  context: ScenarioContext,
  parts: { chain: boolean; dag: boolean },
): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const base: Base = {
    clock: new Uuid7Clock(),
    orgId: context.seed.orgId,
    userId: context.seed.userId,
  };
  let t = context.seed.createdAtMs + 24 * 3600_000;

  // ---- Data, bulk-loaded as SQL files (the server is not running).
  const loads: { name: string; ms: number; bytes: number; rows: Record<string, number> }[] = [];
  const load = async (name: string, files: SqlFiles) => {
    for (const [index, writer] of files.writers.entries()) {
      const fileName = `${name}-${index + 1}`;
      const result = await context.execSql(fileName, writer.toSql());
      loads.push({ name: fileName, ...result, rows: writer.rowCounts() });
      context.log(
        `Loaded ${fileName}: ${Object.entries(writer.rowCounts())
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')} ` + `(${(result.bytes / 1e6).toFixed(1)} MB, ${ms(result.ms)})`,
      );
    }
  };
  let chain: ChainData | null = null;
  let dag: DagData | null = null;
  if (parts.chain) {
    chain = buildChain(base, size, t);
    t += (size.chainHops + 10) * 1000;
    context.log(
      `Chain: ${chain.graph.nodes.size} versions, ${chain.graph.edges.length} DERIVED_FROM edges`,
    );
    await load('chain', chain.files);
  }
  if (parts.dag) {
    dag = buildDag(base, size, t);
    t = dag.endMs;
    context.log(
      `DAG: ${dag.graph.nodes.size} nodes, ${dag.graph.edges.length} edges (${JSON.stringify(dag.counts)}); ` +
        `root dataset reaches ${dag.expected.nodes} nodes, ${dag.expected.edges} edges, depth ${dag.expected.depth}`,
    );
    await load('dag', dag.files);
  }
  const dbFile = findD1File(context.persistTo);
  // A copy for the paired measurements, whose raw side runs while workerd holds the original.
  const pairedFile = join(context.workDir, 'paired-copy.sqlite');
  for (const suffix of ['', '-wal']) {
    rmSync(`${pairedFile}${suffix}`, { force: true });
    if (existsSync(`${dbFile}${suffix}`))
      copyFileSync(`${dbFile}${suffix}`, `${pairedFile}${suffix}`);
  }
  const info = await runRawJob({ kind: 'info', file: dbFile }, context.workDir, 60_000);
  context.log(
    `D1 file <persist-to>${dbFile.slice(context.persistTo.length)}: ${JSON.stringify(info)}`,
  );

  // ---- Through GraphQL, on wrangler dev.
  const api = new Api(context.seed.token, context.signal, size.requestTimeoutS * 1000);
  let requestsSent = 0;
  const servers: { label: string; pid: number | undefined; tree: unknown }[] = [];
  const start = async (label: string) => {
    const started = await context.startServer(label);
    api.use(started.server);
    requestsSent += 21; // the runner's own requests while starting it
    const tree = api
      .tree()
      .map((pid) => readMemory(pid))
      .filter((p) => p !== null);
    servers.push({ label, pid: started.server.pid, tree });
    context.log(
      `wrangler dev tree: ${tree.map((p) => `${p.pid} ${p.name} ${(p.rssKiB / 1024).toFixed(0)} MiB`).join(', ')}`,
    );
  };
  await start('lineage');
  const measuring: Measuring = {
    api,
    context,
    size,
    restart: async () => {
      context.log('Restarting wrangler dev: it is still working on the abandoned request');
      await context.stopServer();
      await start('after a timeout');
    },
  };
  const series: Series[] = [];
  const checks: Record<string, unknown> = {};
  let chainNesting: NestingRow[] = [];
  let dagNesting: NestingRow[] = [];

  /** The whole lineage of a root, typed (all pages) and in every export form; series pushed. */
  const measureRoot = async (
    prefix: 'chain' | 'dag',
    typename: string,
    direction: 'UPSTREAM' | 'DOWNSTREAM',
    root: string,
    expected: Expected,
  ) => {
    const label =
      prefix === 'chain'
        ? 'chain: upstream lineage of the tip'
        : 'dag: downstream lineage of the root dataset';
    const lineage = await measureLineage(
      measuring,
      label,
      lineageQuery(typename, direction, size.pageSize),
      root,
      expected,
    );
    series.push(...lineage.pageSeries);
    const exports = await measureExports(measuring, prefix, typename, direction, root, expected);
    series.push(...exports.series);
    return { check: lineage.check, exports: exports.checks };
  };

  series.push(await measureFixedCost(measuring));
  if (chain) {
    const tip = encodeGlobalId('ModelVersion', chain.tipId);
    const walk = await measureRoot('chain', 'ModelVersion', 'UPSTREAM', tip, chain.expected);
    checks.chain = walk.check;
    checks.chainExports = walk.exports;
    chainNesting = await measureNesting(measuring, 'chain: nested derivedFrom from the tip', tip);
  }
  if (dag) {
    const root = encodeGlobalId('Dataset', dag.rootDatasetId);
    const walk = await measureRoot('dag', 'Dataset', 'DOWNSTREAM', root, dag.expected);
    checks.dag = walk.check;
    checks.dagExports = walk.exports;
    const impact = await measureImpact(measuring, root, dag.expectedImpact);
    series.push(impact.series);
    checks.impact = impact.check;
    dagNesting = await measureNesting(
      measuring,
      'dag: nested derivedFrom from a last-layer version',
      encodeGlobalId('ModelVersion', dag.leafVersionId),
    );
  }
  // ---- Paired: each request and the raw statement back to back (measurePaired).
  const paired: PairedRow[] = [];
  /** A walk as walkEdges takes it, from `seed`, on the SQLite file `file`. */
  const walkParamsOn =
    (file: string) =>
    (seed: string, direction: 'UPSTREAM' | 'DOWNSTREAM', types = ALL_EDGE_TYPES): WalkParams => ({
      file,
      orgId: base.orgId,
      seeds: [seed],
      direction,
      edgeTypes: [...types],
      ...directionTypes(direction, types),
      nodeLimit: NODE_LIMIT,
    });
  const pairedWalk = walkParamsOn(pairedFile);
  const pairAll = async (
    prefix: string,
    typename: string,
    direction: 'UPSTREAM' | 'DOWNSTREAM',
    seed: string,
  ) => {
    const id = encodeGlobalId(typename, seed);
    const walk = pairedWalk(seed, direction);
    const calls: [string, Call][] = [
      [
        'typed lineage',
        { query: lineageQuery(typename, direction, size.pageSize), variables: { id } },
      ],
      [
        'lineage { graph }',
        { query: graphJsonQuery(typename, direction, size.pageSize), variables: { id } },
      ],
      ['REST /graph', { get: restGraphPath(id, direction) }],
    ];
    for (const [name, call] of calls) {
      paired.push(await measurePaired(measuring, `${prefix}: ${name}`, call, walk, size.pairs));
    }
  };
  if (chain) await pairAll('chain', 'ModelVersion', 'UPSTREAM', chain.tipId);
  if (dag) {
    await pairAll('dag', 'Dataset', 'DOWNSTREAM', dag.rootDatasetId);
    if ((checks.impact as { complete?: boolean })?.complete) {
      paired.push(
        await measurePaired(
          measuring,
          'dag: impact',
          { query: IMPACT, variables: { id: encodeGlobalId('Dataset', dag.rootDatasetId) } },
          pairedWalk(dag.rootDatasetId, 'DOWNSTREAM', IMPACT_EDGE_TYPES),
          size.pairs,
        ),
      );
    }
  }

  const treeAtEnd = api
    .tree()
    .map((pid) => readMemory(pid))
    .filter((p) => p !== null);
  requestsSent += api.sent;
  await context.stopServer();

  // ---- Raw, on the same SQLite file, no server running.
  const d1Files = () =>
    Object.fromEntries(
      readdirSync(dirname(dbFile))
        .filter((name) => name.startsWith(basename(dbFile)))
        .map((name) => [
          name.slice(basename(dbFile).length) || '.sqlite',
          statSync(join(dirname(dbFile), name)).size,
        ]),
    );
  context.log(`D1 files after the server stopped: ${JSON.stringify(d1Files())}`);
  const raw: Record<string, RawResult> = {};
  const serverPids = servers.map((server) => server.pid).filter((pid) => pid !== undefined);
  const rawJob = async (name: string, job: Parameters<typeof runRawJob>[0], timeoutS: number) => {
    // Anything of wrangler dev still alive would compete for the CPU: say so.
    const leftovers = serverPids.flatMap((pid) => processTree(pid)).map((pid) => readMemory(pid));
    if (leftovers.some((p) => p !== null)) {
      context.log(`WARNING: wrangler dev processes still alive: ${JSON.stringify(leftovers)}`);
    }
    // What else is using the CPU meanwhile (other people's work on this shared machine shows here).
    const psTimer = setTimeout(() => {
      try {
        const ps = execFileSync('ps', ['-eo', 'pid,ppid,pgid,pcpu,etime,comm', '--sort=-pcpu'], {
          encoding: 'utf8',
        });
        context.log(
          `raw ${name}, 15 s in, busiest processes:\n${ps.split('\n').slice(0, 8).join('\n')}`,
        );
      } catch {
        // no ps
      }
    }, 15_000);
    const result = await runRawJob(job, context.workDir, timeoutS * 1000);
    clearTimeout(psTimer);
    result.loadavg = loadavg();
    result.d1Files = d1Files();
    raw[name] = result;
    const summary = Object.entries(result)
      .filter(([key]) => key !== 'plan' && key !== 'd1Files')
      .map(
        ([key, value]) =>
          `${key}=${Array.isArray(value) ? value.map((v) => (typeof v === 'number' ? v.toFixed(1) : v)).join('/') : typeof value === 'number' ? Math.round(value * 10) / 10 : value}`,
      )
      .join(' ');
    context.log(`raw ${name}: ${summary}`);
  };
  const walkParams = walkParamsOn(dbFile);
  const budgetMs = size.seriesBudgetS * 1000;
  const walks = async (prefix: string, params: WalkParams, naive: boolean) => {
    await rawJob(
      `${prefix}Reach`,
      { kind: 'walk', variant: 'reach', runs: size.rawRuns, budgetMs, ...params },
      60,
    );
    if (naive)
      await rawJob(
        `${prefix}NaiveBfs`,
        { kind: 'naive-bfs', runs: size.naiveRuns, budgetMs, ...params },
        120,
      );
    await rawJob(
      `${prefix}Walk`,
      { kind: 'walk', variant: 'api', runs: size.rawRuns, budgetMs, ...params },
      size.rawWalkTimeoutS,
    );
  };
  if (chain) await walks('chain', walkParams(chain.tipId, 'UPSTREAM'), true);
  if (dag) {
    const params = walkParams(dag.rootDatasetId, 'DOWNSTREAM');
    await walks('dag', params, true);
    await rawJob(
      'dagDepthVariant',
      { kind: 'depth-variant', ...params },
      size.depthVariantTimeoutS,
    );
    // impact walks the same nodes with 4 edge types; run it raw only if the API could answer.
    if ((checks.impact as { complete?: boolean })?.complete) {
      await rawJob(
        'impactWalk',
        {
          kind: 'walk',
          variant: 'api',
          runs: size.rawRuns,
          budgetMs,
          ...walkParams(dag.rootDatasetId, 'DOWNSTREAM', IMPACT_EDGE_TYPES),
        },
        size.rawWalkTimeoutS,
      );
    }
  }

  // ---- Report.
  const rawMs = (name: string) => {
    const result = raw[name];
    if (!result) return { text: 'not run', ms: Number.NaN };
    if (result.timedOut)
      return { text: `> ${Math.round(result.wallMs / 1000)} s (killed)`, ms: Number.NaN };
    const runs = (result.runsMs as number[] | undefined) ?? [];
    if (!result.ok || runs.length === 0)
      return { text: `failed: ${String(result.error).slice(0, 80)}`, ms: Number.NaN };
    const s = summarize(runs);
    const cpu = (result.cpuMs as number[] | undefined)?.length
      ? `, CPU ${ms(summarize(result.cpuMs as number[]).p50)}`
      : '';
    return { text: `${ms(s.p50)} (n=${s.n}${cpu})`, ms: s.p50 };
  };
  const warmP50 = (label: string) => {
    const s = series.find((x) => x.label === label);
    if (!s) return Number.NaN;
    const ok = s.warm.filter((m) => m.ok).map((m) => m.ms);
    if (ok.length) return summarize(ok).p50;
    return s.first?.ok ? s.first.ms : Number.NaN;
  };
  const fullLineage = (prefix: string) => {
    const pages = series.filter((s) => s.label.startsWith(prefix));
    if (pages.some((s) => !s.first?.ok)) return Number.NaN;
    return pages.reduce((sum, s) => sum + warmP50(s.label), 0);
  };
  const ratio = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(1)}x` : 'n/a';

  const lines: string[] = [];
  if (chain) {
    lines.push(
      `Chain: ${chain.graph.nodes.size} versions of one model, ${chain.graph.edges.length} DERIVED_FROM edges.`,
    );
    lines.push(`  upstream lineage of the tip: ${JSON.stringify(checks.chain)}`);
  }
  if (dag) {
    lines.push(
      `DAG: ${dag.graph.nodes.size} nodes (${size.datasets} datasets, ${size.layers * size.perLayer} versions of ${size.perLayer} models ` +
        `in ${size.layers} layers, ${size.deployments} deployments), ${dag.graph.edges.length} edges ${JSON.stringify(dag.counts)}.`,
    );
    lines.push(`  downstream lineage of the root dataset: ${JSON.stringify(checks.dag)}`);
    lines.push(`  impact: ${JSON.stringify(checks.impact)}`);
  }
  lines.push(
    `Bulk load: ${loads.map((l) => `${l.name} ${(l.bytes / 1e6).toFixed(1)} MB ${ms(l.ms)}`).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    'Through GraphQL on wrangler dev (client-side time; memory: VmHWM of each process after resetting it before the request)',
  );
  lines.push(table(SERIES_HEADERS, series.map(seriesRow)));
  lines.push('');

  const rawRows: string[][] = [];
  const ratioRows: string[][] = [];
  const result = (name: string) => {
    const r = raw[name];
    if (!r?.ok) return '';
    if (r.nodes !== undefined) return `${r.nodes} nodes, ${r.edges} edges, ${r.depth} levels`;
    return r.edges ? `${r.reached} nodes, ${r.edges} edges` : `${r.reached} nodes`;
  };
  const rawBlock = (prefix: string, label: string) => {
    rawRows.push([
      `${label}: the API's walk statement (reach + edges)`,
      rawMs(`${prefix}Walk`).text,
      '1',
      result(`${prefix}Walk`),
    ]);
    rawRows.push([
      `${label}: its recursion alone (count of reach)`,
      rawMs(`${prefix}Reach`).text,
      '1',
      result(`${prefix}Reach`),
    ]);
    const naive = raw[`${prefix}NaiveBfs`];
    rawRows.push([
      `${label}: naive BFS, one SELECT per level`,
      rawMs(`${prefix}NaiveBfs`).text,
      String(naive?.statements ?? ''),
      result(`${prefix}NaiveBfs`),
    ]);
  };
  if (chain) {
    rawBlock('chain', 'chain');
    const full = fullLineage('chain: upstream lineage of the tip');
    const walk = rawMs('chainWalk').ms;
    ratioRows.push([
      'chain: full lineage (all pages) / API statement raw',
      `${ms(full)} / ${ms(walk)}`,
      ratio(full, walk),
    ]);
    ratioRows.push([
      'chain: page 1 / API statement raw',
      `${ms(warmP50('chain: upstream lineage of the tip, page 1'))} / ${ms(walk)}`,
      ratio(warmP50('chain: upstream lineage of the tip, page 1'), walk),
    ]);
    for (const label of EXPORT_LABELS('chain')) {
      ratioRows.push([
        `${label} / API statement raw`,
        `${ms(warmP50(label))} / ${ms(walk)}`,
        ratio(warmP50(label), walk),
      ]);
    }
    ratioRows.push([
      'chain: naive BFS raw / API statement raw',
      `${ms(rawMs('chainNaiveBfs').ms)} / ${ms(walk)}`,
      ratio(rawMs('chainNaiveBfs').ms, walk),
    ]);
  }
  if (dag) {
    rawBlock('dag', 'dag');
    const depth = raw.dagDepthVariant;
    rawRows.push([
      'dag: recursion carrying a depth column (UNION on (id, depth))',
      !depth
        ? 'not run'
        : depth.timedOut
          ? `> ${size.depthVariantTimeoutS} s (killed)`
          : depth.ok
            ? ms(depth.ms as number)
            : `failed: ${String(depth.error).slice(0, 80)}`,
      '1',
      depth?.ok ? `${depth.nodes} nodes, depth ${depth.depth}, ${depth.rows} (id, depth) rows` : '',
    ]);
    if (raw.impactWalk)
      rawRows.push([
        'dag: impact walk statement (4 edge types)',
        rawMs('impactWalk').text,
        '1',
        result('impactWalk'),
      ]);
    const full = fullLineage('dag: downstream lineage of the root dataset');
    const walk = rawMs('dagWalk').ms;
    const page1 = warmP50('dag: downstream lineage of the root dataset, page 1');
    ratioRows.push([
      'dag: full lineage (all pages) / API statement raw',
      `${ms(full)} / ${rawMs('dagWalk').text}`,
      ratio(full, walk),
    ]);
    ratioRows.push([
      'dag: page 1 / API statement raw',
      `${ms(page1)} / ${rawMs('dagWalk').text}`,
      ratio(page1, walk),
    ]);
    if (depth?.ok) {
      ratioRows.push([
        'dag: full lineage / depth-carrying recursion raw (computes depths in SQL)',
        `${ms(full)} / ${ms(depth.ms as number)}`,
        ratio(full, depth.ms as number),
      ]);
    }
    for (const label of EXPORT_LABELS('dag')) {
      ratioRows.push([
        `${label} / API statement raw`,
        `${ms(warmP50(label))} / ${rawMs('dagWalk').text}`,
        ratio(warmP50(label), walk),
      ]);
    }
    const impact = warmP50('impact(of: root dataset)');
    ratioRows.push([
      'dag: impact / impact statement raw',
      `${ms(impact)} / ${rawMs('impactWalk').text}`,
      ratio(impact, rawMs('impactWalk').ms),
    ]);
    ratioRows.push([
      'dag: naive BFS raw / API statement raw',
      `${ms(rawMs('dagNaiveBfs').ms)} / ${rawMs('dagWalk').text}`,
      ratio(rawMs('dagNaiveBfs').ms, walk),
    ]);
  }
  ratioRows.push([
    'fixed cost of any request (not subtracted above)',
    ms(warmP50(FIXED_COST_LABEL)),
    '',
  ]);
  lines.push(
    `Raw on the same SQLite file (node:sqlite, SQLite ${String((info as { sqliteVersion?: string }).sqliteVersion)}, read-only, ` +
      `server stopped; median of up to ${size.rawRuns} runs within ${size.seriesBudgetS} s)`,
  );
  lines.push(table(['query', 'time', 'statements', 'result'], rawRows));
  lines.push('');
  lines.push('End-to-end / raw (target: within 2x)');
  lines.push(table(['comparison', 'times', 'ratio'], ratioRows));
  if (paired.length) {
    lines.push('');
    lines.push(
      'Paired: each request and the raw walk statement (node:sqlite, median of 3 runs, on a copy of the D1 file) back to back, alternating order; ratio of each pair',
    );
    lines.push(
      table(
        ['request', 'pairs', 'request p50', 'raw p50', 'ratio p50 (min-max)'],
        paired.map((row) => {
          const ratios = summarize(row.pairs.map((p) => p.ratio));
          return [
            row.label,
            `${row.pairs.length}${row.failures.length ? ` (${row.failures.length} failed)` : ''}`,
            ms(summarize(row.pairs.map((p) => p.apiMs)).p50),
            ms(summarize(row.pairs.map((p) => p.rawMs)).p50),
            row.pairs.length
              ? `${ratios.p50.toFixed(2)}x (${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)})`
              : 'n/a',
          ];
        }),
      ),
    );
  }
  const nestingRows = (label: string, rows: NestingRow[]) =>
    rows.map((row) => [
      label,
      String(row.depth),
      row.accepted ? ms(row.ms?.p50) : 'refused',
      row.accepted ? (row.statements ?? []).join(', ') : '',
      row.accepted ? (row.distinctPerLevel ?? []).join(' ') : (row.error ?? '').slice(0, 120),
    ]);
  if (chainNesting.length || dagNesting.length) {
    lines.push('');
    lines.push(
      'Naive through GraphQL: node(id:) { ... on ModelVersion { id derivedFrom { id derivedFrom { ... } } } }',
    );
    lines.push(
      table(
        ['from', 'levels', 'p50', 'D1 stmts', 'distinct versions per level / error'],
        [...nestingRows('chain tip', chainNesting), ...nestingRows('dag last layer', dagNesting)],
      ),
    );
  }

  return {
    report: lines.join('\n'),
    results: {
      sizes: size,
      extraTraining: EXTRA_TRAINING,
      loads,
      dbInfo: info,
      servers,
      checks,
      graphql: series.map(describeSeries),
      raw,
      paired,
      nesting: { chain: chainNesting, dag: dagNesting },
      treeAtEnd,
      requestsSent,
      reloadRetries: api.reloadRetries,
      queries: {
        chain: lineageQuery('ModelVersion', 'UPSTREAM', size.pageSize),
        dag: lineageQuery('Dataset', 'DOWNSTREAM', size.pageSize),
        impact: IMPACT,
        chainDraw: drawQuery('ModelVersion', 'UPSTREAM', size.pageSize),
        chainGraphJson: graphJsonQuery('ModelVersion', 'UPSTREAM', size.pageSize),
        rest: restGraphPath('<root global id>', 'UPSTREAM'),
        fixedCost: FIXED_COST,
        nested: nestedDerivedFrom(2),
      },
    },
  };
}

export const chainScenario: Scenario = {
  name: 'lineage-chain',
  description: 'A: full upstream lineage of the tip of a 10,000-hop DERIVED_FROM chain, vs raw SQL',
  skipStartup: true,
  run: (context) => runLineage(context, { chain: true, dag: false }),
};

export const dagScenario: Scenario = {
  name: 'lineage-dag',
  description:
    'B: downstream lineage and impact of a dataset in a 20,000-node / ~100,000-edge DAG, vs raw SQL',
  skipStartup: true,
  run: (context) => runLineage(context, { chain: false, dag: true }),
};

export const lineageScenario: Scenario = {
  name: 'lineage',
  description: 'lineage-chain and lineage-dag in one database and one server run',
  skipStartup: true,
  run: (context) => runLineage(context, { chain: true, dag: true }),
};

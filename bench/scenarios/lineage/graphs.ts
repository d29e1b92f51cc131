// Building the graphs: rows as SQL files for bulk loading, and the same edges in memory to compute
// what each walk must return.
import type { ScenarioContext } from '../../lib/scenario.ts';
import { iso, prng, SqlWriter, Uuid7Clock } from '../../lib/sql.ts';
import {
  ALL_EDGE_TYPES,
  EXTRA_TRAINING,
  IMPACT_EDGE_TYPES,
  ROWS_PER_FILE,
  type Size,
  TARGET_IS_DOWNSTREAM,
} from './config.ts';

/** Rows split into SQL files of ROWS_PER_FILE rows, in insertion order (parents before children). */
export class SqlFiles {
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

export interface Edge {
  type: string;
  src: string;
  dst: string;
}

export interface Graph {
  nodes: Map<string, string>; // id -> kind
  versionModel: Map<string, string>;
  edges: Edge[];
}

export interface Expected {
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

export interface Base {
  clock: Uuid7Clock;
  orgId: string;
  userId: string;
}

/** The seeded organization and admin the graphs belong to, with a fresh id clock. */
export function baseOf(context: ScenarioContext): Base {
  return { clock: new Uuid7Clock(), orgId: context.seed.orgId, userId: context.seed.userId };
}

/** When a scenario's graph starts: a day after the seed, so every row is newer than it. */
export function graphStartMs(context: ScenarioContext): number {
  return context.seed.createdAtMs + 24 * 3600_000;
}

/** Bulk-loads files as `<name>-1`, `<name>-2` ... (the server is not running), logging each. */
export async function loadSqlFiles(
  context: ScenarioContext,
  name: string,
  files: SqlFiles,
): Promise<{ name: string; ms: number; bytes: number; rows: Record<string, number> }[]> {
  const loads = [];
  for (const [index, writer] of files.writers.entries()) {
    const fileName = `${name}-${index + 1}`;
    const result = await context.execSql(fileName, writer.toSql());
    const rows = writer.rowCounts();
    loads.push({ name: fileName, ...result, rows });
    context.log(
      `Loaded ${fileName}: ${Object.entries(rows)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')} (${(result.bytes / 1e6).toFixed(1)} MB, ${Math.round(result.ms)} ms)`,
    );
  }
  return loads;
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

export interface ChainData {
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

export interface DagData {
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

/**
 * Another organization's edges: a DERIVED_FROM chain of `count` edges among ids of its own, so the
 * walk's indexes hold rows it must never return (issue 20's data: the chain plus 20,000 of these).
 */
export function buildForeignEdges(base: Base, count: number, startMs: number): SqlFiles {
  const files = new SqlFiles();
  files.insert('organization', {
    id: base.orgId,
    name: `bench-foreign-${base.orgId}`,
    created_at: iso(startMs),
  });
  let previous = base.clock.next(startMs).id;
  for (let i = 0; i < count; i++) {
    const next = base.clock.next(startMs + (i + 1) * 1000);
    files.insert(
      'edge',
      edgeRow(
        base,
        next.ms,
        'DERIVED_FROM',
        { id: next.id, kind: 'ModelVersion' },
        { id: previous, kind: 'ModelVersion' },
      ),
    );
    previous = next.id;
  }
  return files;
}

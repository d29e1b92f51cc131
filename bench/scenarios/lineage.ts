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
import { join } from 'node:path';
import { encodeGlobalId } from '../lib/graphql.ts';
import { readMemory } from '../lib/procmem.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { copyD1File, findD1File, runRawJob } from '../lib/sqlite-raw.ts';
import { Api, type Call } from './lineage/api.ts';
import { EXTRA_TRAINING, IMPACT_EDGE_TYPES, sizeFor } from './lineage/config.ts';
import {
  baseOf,
  buildChain,
  buildDag,
  type ChainData,
  type DagData,
  type Expected,
  graphStartMs,
  loadSqlFiles,
  type SqlFiles,
} from './lineage/graphs.ts';
import { measurePaired, type PairedRow } from './lineage/paired.ts';
import {
  drawQuery,
  FIXED_COST,
  graphJsonQuery,
  IMPACT,
  lineageQuery,
  nestedDerivedFrom,
  restGraphPath,
} from './lineage/queries.ts';
import { measureRawFloors, walkParamsOn } from './lineage/raw-floors.ts';
import { type BulkLoad, describeSeries, lineageReport } from './lineage/report.ts';
import {
  measureExports,
  measureFixedCost,
  measureImpact,
  measureLineage,
  measureNesting,
  type NestingRow,
} from './lineage/requests.ts';
import type { Measuring, Series } from './lineage/series.ts';

async function runLineage(
  context: ScenarioContext,
  parts: { chain: boolean; dag: boolean },
): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const base = baseOf(context);
  let t = graphStartMs(context);

  // ---- Data, bulk-loaded as SQL files (the server is not running).
  const loads: BulkLoad[] = [];
  const load = async (name: string, files: SqlFiles) => {
    loads.push(...(await loadSqlFiles(context, name, files)));
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
  copyD1File(dbFile, pairedFile);
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
  const pairedWalk = walkParamsOn(pairedFile, base.orgId);
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

  const raw = await measureRawFloors(
    context,
    size,
    dbFile,
    base.orgId,
    servers.map((server) => server.pid).filter((pid) => pid !== undefined),
    {
      chainTipId: chain?.tipId ?? null,
      dagRootId: dag?.rootDatasetId ?? null,
      impactAnswered: Boolean((checks.impact as { complete?: boolean })?.complete),
    },
  );

  return {
    report: lineageReport({
      size,
      chain,
      dag,
      checks,
      loads,
      info,
      series,
      raw,
      paired,
      chainNesting,
      dagNesting,
    }),
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

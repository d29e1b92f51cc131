// The walk statement against its floors (issue 20): every formulation of bench/lib/sqlite-raw.ts
// (WALK_FORMULATIONS, and the API's current statement) side by side on one SQLite file, on the
// migrations' schema and on the same schema without migration 0015's covering indexes.
//
//   lineage-walk   a 10,000-hop DERIVED_FROM chain (upstream walk of its tip, 10,001 nodes) plus
//                  20,000 edges of another organization; median of 5 interleaved runs each.

import { DEFAULT_EDGE_ROW_BUDGET } from '../../src/registry/lineage/traversal.service.ts';
import { measureThroughD1 } from '../lib/d1-walk.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { Uuid7Clock } from '../lib/sql.ts';
import {
  apiWalk,
  apiWalkWithoutSeq,
  type FormulationResult,
  findD1File,
  positionalFormulation,
  runRawJob,
  WALK_FORMULATIONS,
} from '../lib/sqlite-raw.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { sizeFor } from './lineage/config.ts';
import { buildChain, buildForeignEdges, type SqlFiles } from './lineage/graphs.ts';
import { walkParamsOn } from './lineage/raw-floors.ts';

const FOREIGN_EDGES = { full: 20_000, quick: 2_000 };

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const clock = new Uuid7Clock();
  const base = { clock, orgId: context.seed.orgId, userId: context.seed.userId };
  const startMs = context.seed.createdAtMs + 24 * 3600_000;
  const load = async (name: string, files: SqlFiles) => {
    for (const [index, writer] of files.writers.entries()) {
      const result = await context.execSql(`${name}-${index + 1}`, writer.toSql());
      context.log(
        `Loaded ${name}-${index + 1}: ${JSON.stringify(writer.rowCounts())} (${ms(result.ms)})`,
      );
    }
  };
  const chain = buildChain(base, size, startMs);
  await load('chain', chain.files);
  const foreignCount = context.quick ? FOREIGN_EDGES.quick : FOREIGN_EDGES.full;
  const foreign = buildForeignEdges(
    { clock, orgId: clock.next(startMs).id, userId: context.seed.userId },
    foreignCount,
    startMs + (size.chainHops + 10) * 1000,
  );
  await load('foreign', foreign);

  const file = findD1File(context.persistTo);
  // With the edge-row budget the Worker passes (rows left + 1, each branch then under a LIMIT), so
  // that `api` is the Worker's statement, not the same without its budget.
  const walk = {
    ...walkParamsOn(file, context.seed.orgId)(chain.tipId, 'UPSTREAM'),
    rowLimit: DEFAULT_EDGE_ROW_BUDGET + 1,
  };
  // LINEAGE_WALK_RUNS: more interleaved rounds, for a ratio of two close statements (default 5).
  const runs = Number(process.env.LINEAGE_WALK_RUNS ?? 5);
  context.log(`Formulations on ${file.slice(context.persistTo.length)}, ${runs} runs each`);
  const raw = await runRawJob({ kind: 'formulations', runs, ...walk }, context.workDir, 600_000);
  if (!raw.ok) throw new Error(`formulations failed: ${raw.error}`);
  const results = raw.results as FormulationResult[];
  const expectedEdges = chain.expected.edges;
  const rows = results.map((result) => {
    const wall = summarize(result.runsMs);
    const cpu = summarize(result.cpuMs);
    const counted = result.rows === 0;
    const right = counted ? result.reached === chain.expected.nodes : result.rows === expectedEdges;
    return [
      result.formulation,
      result.schema,
      ms(wall.p50),
      ms(cpu.p50),
      counted ? `${result.reached} nodes` : `${result.rows} edges`,
      right ? 'yes' : 'NO',
    ];
  });
  // The best floor: the fastest edge-returning formulation other than the API's statement itself.
  const floors = results
    .filter((r) => r.rows > 0 && r.formulation !== 'api')
    .map((r) => ({ name: `${r.formulation} (${r.schema})`, p50: summarize(r.runsMs).p50 }))
    .sort((a, b) => a.p50 - b.p50);
  const best = floors[0]?.p50 ?? Number.NaN;
  const api = results.find((r) => r.formulation === 'api' && r.schema === 'migrations');
  const apiP50 = api ? summarize(api.runsMs).p50 : Number.NaN;
  // What the seq column costs: api / api-noseq, run by run (the runs of one round are adjacent).
  const seqRatios = (schema: string, wall: 'runsMs' | 'cpuMs') => {
    const withSeq = results.find((r) => r.formulation === 'api' && r.schema === schema);
    const without = results.find((r) => r.formulation === 'api-noseq' && r.schema === schema);
    if (!withSeq || !without) return null;
    return summarize(withSeq[wall].map((value, i) => value / (without[wall][i] as number)));
  };
  const seqLine = (schema: string) => {
    const wall = seqRatios(schema, 'runsMs');
    const cpu = seqRatios(schema, 'cpuMs');
    if (!wall || !cpu) return `${schema}: no api-noseq`;
    return `${schema}: wall ${wall.p50.toFixed(3)}x (${wall.min.toFixed(3)}-${wall.max.toFixed(3)}), CPU ${cpu.p50.toFixed(3)}x (${cpu.min.toFixed(3)}-${cpu.max.toFixed(3)})`;
  };
  // The same statements through local D1, on the migrations' schema.
  const d1 = await measureThroughD1(
    context.persistTo,
    {
      api: apiWalk(walk),
      'api-noseq': apiWalkWithoutSeq(walk),
      today: positionalFormulation(WALK_FORMULATIONS.today, walk),
      'single-pass, seek by node': positionalFormulation(
        WALK_FORMULATIONS['single-pass, seek by node'],
        walk,
      ),
      'closure (count), seek by node': positionalFormulation(
        WALK_FORMULATIONS['closure (count), seek by node'],
        walk,
      ),
    },
    runs,
  );
  const d1Rows = Object.entries(d1).map(([name, result]) => [
    name,
    ms(summarize(result.durationsMs).p50),
    String(result.rows),
    result.plan.filter((line) => /SEARCH e|SCAN e/.test(line)).join('; '),
  ]);
  const d1Api = summarize(d1.api?.durationsMs ?? []).p50;
  const d1SeqRatios = summarize(
    (d1.api?.durationsMs ?? []).map(
      (value, i) => value / (d1['api-noseq']?.durationsMs[i] ?? Number.NaN),
    ),
  );
  const d1Best = summarize(d1['single-pass, seek by node']?.durationsMs ?? []).p50;
  const report = [
    `Walk formulations, upstream from the tip of a ${size.chainHops}-hop chain, ${foreignCount} foreign edges (median of ${runs}):`,
    table(['formulation', 'schema', 'wall p50', 'CPU p50', 'answer', 'right'], rows),
    `API statement on the migrations' schema / best edge-returning floor, ${floors[0]?.name}: ${(apiP50 / best).toFixed(2)}x`,
    `API statement / the same without its seq column (api-noseq), median of the ${runs} per-round ratios (range):`,
    `  ${seqLine('migrations')}`,
    `  ${seqLine('no-covering')}`,
    `Through local D1 (wrangler d1 execute --local --json on the same state, D1's meta.duration, median of ${runs}):`,
    table(['statement', 'p50', 'rows', 'edge searches'], d1Rows),
    `Through D1, API statement / single pass seeking by node: ${(d1Api / d1Best).toFixed(2)}x`,
    `Through D1, API statement / api-noseq, median of the ${runs} per-round ratios: ${d1SeqRatios.p50.toFixed(3)}x (${d1SeqRatios.min.toFixed(3)}-${d1SeqRatios.max.toFixed(3)})`,
  ].join('\n\n');
  return {
    report,
    results: {
      expected: chain.expected,
      foreignEdges: foreignCount,
      raw,
      apiOverBest: apiP50 / best,
      apiOverNoSeq: {
        migrations: seqRatios('migrations', 'runsMs'),
        noCovering: seqRatios('no-covering', 'runsMs'),
        d1: d1SeqRatios,
      },
    },
  };
}

export const scenario: Scenario = {
  name: 'lineage-walk',
  description: 'The lineage walk statement against its raw formulations, on one SQLite file',
  skipStartup: true,
  run,
};

// The walk statement against its floors (issue 20): every formulation of bench/lib/sqlite-raw.ts
// (WALK_FORMULATIONS, and the API's current statement) side by side on one SQLite file, on the
// migrations' schema and on the same schema without migration 0015's covering indexes.
//
//   lineage-walk   a 10,000-hop DERIVED_FROM chain (upstream walk of its tip, 10,001 nodes) plus
//                  20,000 edges of another organization; median of 5 interleaved runs each.

import { measureThroughD1 } from '../lib/d1-walk.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { Uuid7Clock } from '../lib/sql.ts';
import {
  apiWalk,
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
  const walk = walkParamsOn(file, context.seed.orgId)(chain.tipId, 'UPSTREAM');
  const runs = 5;
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
  const best = Math.min(...results.filter((r) => r.rows > 0).map((r) => summarize(r.runsMs).p50));
  const api = results.find((r) => r.formulation === 'api' && r.schema === 'migrations');
  const apiP50 = api ? summarize(api.runsMs).p50 : Number.NaN;
  // The same statements through local D1, on the migrations' schema.
  const d1 = await measureThroughD1(
    context.persistTo,
    {
      api: apiWalk(walk),
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
  const d1Best = summarize(d1['single-pass, seek by node']?.durationsMs ?? []).p50;
  const report = [
    `Walk formulations, upstream from the tip of a ${size.chainHops}-hop chain, ${foreignCount} foreign edges (median of ${runs}):`,
    table(['formulation', 'schema', 'wall p50', 'CPU p50', 'answer', 'right'], rows),
    `API statement on the migrations' schema / best edge-returning formulation: ${(apiP50 / best).toFixed(2)}x`,
    `Through local D1 (wrangler d1 execute --local --json on the same state, D1's meta.duration, median of ${runs}):`,
    table(['statement', 'p50', 'rows', 'edge searches'], d1Rows),
    `Through D1, API statement / single pass seeking by node: ${(d1Api / d1Best).toFixed(2)}x`,
  ].join('\n\n');
  return {
    report,
    results: {
      expected: chain.expected,
      foreignEdges: foreignCount,
      raw,
      apiOverBest: apiP50 / best,
    },
  };
}

export const scenario: Scenario = {
  name: 'lineage-walk',
  description: 'The lineage walk statement against its raw formulations, on one SQLite file',
  skipStartup: true,
  run,
};

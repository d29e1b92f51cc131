// Where a chain lineage request's time goes, without a profiler (issue 20, section 1): the same
// walk asked for with growing selections (the walk alone, its nodes, its edges, everything), the
// compact documents, and the raw walk statement, sent in rounds in a shuffled order so that each
// round shares the machine's state of the moment. The differences between the selections are
// what each part costs; each request's ratio to the raw statement of its own round is the paired
// ratio of the lineage-chain scenario.
//
//   npx node bench/run.ts lineage-parts           # the 10,000-hop chain, ~1.5 min
//   npx node bench/run.ts lineage-parts --quick   # the 1,000-hop chain
import { copyFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { encodeGlobalId } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { Uuid7Clock } from '../lib/sql.ts';
import { findD1File, runRawJob } from '../lib/sqlite-raw.ts';
import { summarize, table } from '../lib/stats.ts';
import { Api, type Call } from './lineage/api.ts';
import { sizeFor } from './lineage/config.ts';
import { type Base, buildChain } from './lineage/graphs.ts';
import { FIXED_COST, graphJsonQuery, lineageQuery, restGraphPath } from './lineage/queries.ts';
import { walkParamsOn } from './lineage/raw-floors.ts';

const ROUNDS = Number(process.env.PARTS_ROUNDS ?? 9);
const WARM = 2;

const selection = (fields: string) => /* GraphQL */ `
  query Part($id: ID!) {
    node(id: $id) {
      ... on ModelVersion { lineage(direction: UPSTREAM, first: 25000) { ${fields} } }
    }
  }
`;

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const base: Base = {
    clock: new Uuid7Clock(),
    orgId: context.seed.orgId,
    userId: context.seed.userId,
  };
  const chain = buildChain(base, size, context.seed.createdAtMs + 24 * 3600_000);
  for (const [index, writer] of chain.files.writers.entries()) {
    await context.execSql(`chain-${index + 1}`, writer.toSql());
  }
  const dbFile = findD1File(context.persistTo);
  const copy = join(context.workDir, 'parts-copy.sqlite');
  for (const suffix of ['', '-wal']) {
    if (existsSync(`${dbFile}${suffix}`)) copyFileSync(`${dbFile}${suffix}`, `${copy}${suffix}`);
  }
  const { server } = await context.startServer('lineage-parts');
  const api = new Api(context.seed.token, context.signal, 90_000);
  api.use(server);
  // PARTS_EXPERIMENT=name: each request is also sent with the header x-experiment: name, for a
  // Worker that switches an experiment on it (A/B in the same rounds; not in src/ by default).
  const experiment = process.env.PARTS_EXPERIMENT;
  const variantApi = new Api(context.seed.token, context.signal, 90_000);
  variantApi.use(server);
  if (experiment) variantApi.headers = { 'x-experiment': experiment };
  const tip = encodeGlobalId('ModelVersion', chain.tipId);
  const variables = { id: tip };
  const baseCalls: [string, Call][] = [
    ['fixed: { __typename }', { query: FIXED_COST }],
    ['walk only: { totalNodes }', { query: selection('totalNodes'), variables }],
    [
      'nodes: { totalNodes nodes { id } }',
      { query: selection('totalNodes nodes { id }'), variables },
    ],
    [
      'edges: { totalNodes edges { depth } }',
      { query: selection('totalNodes edges { depth }'), variables },
    ],
    [
      'typed: the lineage-chain query',
      { query: lineageQuery('ModelVersion', 'UPSTREAM', 25_000), variables },
    ],
    ['lineage { graph }', { query: graphJsonQuery('ModelVersion', 'UPSTREAM', 25_000), variables }],
    ['REST /graph', { get: restGraphPath(tip, 'UPSTREAM') }],
  ];
  // PARTS_ONLY=word: only the requests whose label contains it (with the raw statement).
  const only = process.env.PARTS_ONLY;
  const calls: [string, Call, Api][] = baseCalls
    .filter(([label]) => !only || label.includes(only))
    .flatMap(([label, call]) => [
      [label, call, api] as [string, Call, Api],
      ...(experiment && !label.startsWith('fixed')
        ? [[`${label} [${experiment}]`, call, variantApi] as [string, Call, Api]]
        : []),
    ]);
  const rawLabel = 'raw walk statement (node:sqlite, median of 3)';
  const params = walkParamsOn(copy, base.orgId)(chain.tipId, 'UPSTREAM');
  const raw = async () => {
    const result = await runRawJob(
      { kind: 'walk', variant: 'api', runs: 3, budgetMs: 60_000, ...params },
      context.workDir,
      120_000,
    );
    const runs = (result.runsMs as number[] | undefined) ?? [];
    if (!result.ok || runs.length === 0) throw new Error(`raw: ${String(result.error)}`);
    return summarize(runs).p50;
  };
  for (const [label, call, client] of calls) {
    for (let warm = 0; warm < WARM; warm++) {
      const result = await client.postRetrying(call);
      if (!result.ok) throw new Error(`${label}: ${result.error}`);
    }
  }
  const times = new Map<string, number[]>([
    [rawLabel, []],
    ...calls.map(([l]) => [l, []] as [string, number[]]),
  ]);
  const ratios = new Map<string, number[]>(calls.map(([l]) => [l, []]));
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(loadavg()[0] as number);
    const order = [...calls.keys(), -1].sort(() => Math.random() - 0.5);
    const got = new Map<string, number>();
    for (const index of order) {
      if (index === -1) {
        got.set(rawLabel, await raw());
        continue;
      }
      const [label, call, client] = calls[index] as [string, Call, Api];
      const result = await client.postRetrying(call);
      if (!result.ok) throw new Error(`${label}: ${result.error}`);
      got.set(label, result.ms);
    }
    for (const [label, ms] of got) times.get(label)?.push(ms);
    const rawMs = got.get(rawLabel) as number;
    for (const [label] of calls) ratios.get(label)?.push((got.get(label) as number) / rawMs);
    context.log(
      `round ${round + 1}: ${[...got].map(([l, ms]) => `${l.split(':')[0]} ${ms.toFixed(0)}`).join(', ')}`,
    );
  }
  await context.stopServer();
  const rows = [...times].map(([label, list]) => {
    const s = summarize(list);
    const r = ratios.get(label);
    const rs = r ? summarize(r) : null;
    return [
      label,
      `${s.p50.toFixed(1)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})`,
      rs ? `${rs.p50.toFixed(2)}x (${rs.min.toFixed(2)}-${rs.max.toFixed(2)})` : '',
    ];
  });
  const versus = experiment
    ? baseCalls
        .filter(([label]) => !label.startsWith('fixed') && (!only || label.includes(only)))
        .map(([label]) => {
          const base = times.get(label) as number[];
          const variant = times.get(`${label} [${experiment}]`) as number[];
          const r = summarize(variant.map((ms, i) => ms / (base[i] as number)));
          return [label, `${r.p50.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`];
        })
    : [];
  const load = summarize(loads);
  const report = [
    `Chain of ${size.chainHops} hops, upstream from the tip; ${ROUNDS} rounds, shuffled order, client-side time; load average ${load.min.toFixed(1)}-${load.max.toFixed(1)}`,
    table(['request', 'p50 (min-max)', 'ratio to the raw statement of its round'], rows),
    ...(experiment
      ? ['', table(['request', `[${experiment}] / without, same round (min-max)`], versus)]
      : []),
  ].join('\n');
  return {
    report,
    results: {
      times: Object.fromEntries(times),
      ratios: Object.fromEntries(ratios),
      loadavg: loads,
    },
  };
}

export const scenario: Scenario = {
  name: 'lineage-parts',
  description: 'The chain lineage request by parts, in shuffled rounds with its raw statement',
  skipStartup: true,
  run,
};

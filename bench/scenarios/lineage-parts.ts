// Where a chain lineage request's time goes, without a profiler (issue 20, section 1): the same
// walk asked for with growing selections (the walk alone, its nodes, its edges, everything), the
// compact documents, and the raw walk statement, sent in rounds in a shuffled order so that each
// round shares the machine's state of the moment. The differences between the selections are
// what each part costs; each request's ratio to the raw statement of its own round is the paired
// ratio of the lineage-chain scenario.
//
// Floors in every round: the walk statement run by node:sqlite on a copy of the D1 file (what
// SQLite can do), and the same statement run through a D1 binding by a control Worker
// (bench/controls/walk-d1.ts, on its own copy of the D1 state), answering the row count or the
// rows as JSON (what a Worker on local D1 can reach). And each request's own statements: the D1
// statements it sends, recorded by running the Worker's handlers in Node over a copy of the D1
// file (bench/lib/statement-recorder.ts), replayed through the control Worker as the request sent
// them (section 1's "every lineage request within 1.5x of its statement"). Each request gets its
// ratio to every floor of its round.
//
//   npx node bench/run.ts lineage-parts           # the 10,000-hop chain, ~1.5 min
//   npx node bench/run.ts lineage-parts --quick   # the 1,000-hop chain
//   PARTS_GRAPH=dag npx node bench/run.ts lineage-parts   # the DAG downstream of its root dataset
//                                                         # (the first page past the edge-row budget)
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { DEFAULT_EDGE_ROW_BUDGET } from '../../src/registry/lineage/traversal.service.ts';
import { encodeGlobalId } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { apiWalk, copyD1File, findD1File, runRawJob } from '../lib/sqlite-raw.ts';
import { recordStatements, type StatementGroups } from '../lib/statement-recorder.ts';
import { summarize, table } from '../lib/stats.ts';
import { Api, type Call } from './lineage/api.ts';
import { sizeFor } from './lineage/config.ts';
import { copyD1State, type D1Floor, startD1Floor } from './lineage/d1-floor.ts';
import { baseOf, buildChain, buildDag, graphStartMs, loadSqlFiles } from './lineage/graphs.ts';
import {
  drawQuery,
  FIXED_COST,
  graphJsonQuery,
  IMPACT,
  lineageQuery,
  restGraphPath,
} from './lineage/queries.ts';
import { walkParamsOn } from './lineage/raw-floors.ts';

/** A variant's label (`<label> [<experiment>]`) without its experiment. */
const plainLabel = (label: string) => label.replace(/ \[[^\]]+\]$/, '');

const statementCount = (groups: StatementGroups) =>
  groups.reduce((sum, group) => sum + group.statements.length, 0);

const ROUNDS = Number(process.env.PARTS_ROUNDS ?? 9);
const WARM = 2;

const selection = (typename: string, direction: string, fields: string) => /* GraphQL */ `
  query Part($id: ID!) {
    node(id: $id) {
      ... on ${typename} { lineage(direction: ${direction}, first: 25000) { ${fields} } }
    }
  }
`;

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  // PARTS_GRAPH=dag: the DAG of lineage-dag downstream of its root dataset instead of the chain.
  const onDag = process.env.PARTS_GRAPH === 'dag';
  const graph = onDag
    ? (() => {
        const dag = buildDag(baseOf(context), size, graphStartMs(context));
        return {
          name: 'dag',
          files: dag.files,
          rootId: dag.rootDatasetId,
          typename: 'Dataset',
          direction: 'DOWNSTREAM' as const,
          // impact of the root; lineagePath from the root to a version of the last layer.
          impactOf: encodeGlobalId('Dataset', dag.rootDatasetId),
          pathTo: encodeGlobalId('ModelVersion', dag.leafVersionId),
          // Past the edge-row budget: counted on the copy (each direction of the statement's
          // join stops one row past it).
          rows: null,
          describe: `DAG downstream of its root dataset (${dag.expected.nodes} nodes, ${dag.expected.edges} edges; first page)`,
        };
      })()
    : (() => {
        const chain = buildChain(baseOf(context), size, graphStartMs(context));
        return {
          name: 'chain',
          files: chain.files,
          rootId: chain.tipId,
          typename: 'ModelVersion',
          direction: 'UPSTREAM' as const,
          // impact of the chain's first version (every other one derives from it); lineagePath
          // from the tip to it (downstream finds nothing, then upstream in growing stages).
          impactOf: encodeGlobalId('ModelVersion', chain.rootId),
          pathTo: encodeGlobalId('ModelVersion', chain.rootId),
          rows: size.chainHops as number | null,
          describe: `Chain of ${size.chainHops} hops, upstream from the tip`,
        };
      })();
  await loadSqlFiles(context, graph.name, graph.files);
  const { typename, direction } = graph;
  const part = (fields: string) => selection(typename, direction, fields);
  const dbFile = findD1File(context.persistTo);
  const copy = join(context.workDir, 'parts-copy.sqlite');
  copyD1File(dbFile, copy);
  const controlState = copyD1State(context.persistTo, context.workDir, 'walk-d1-state');
  const { server } = await context.startServer('lineage-parts');
  const api = new Api(context.seed.token, context.signal, 90_000);
  api.use(server);
  // PARTS_EXPERIMENT=name: each request is also sent with the header x-experiment: name, for a
  // Worker that switches an experiment on it (A/B in the same rounds; not in src/ by default).
  const experiment = process.env.PARTS_EXPERIMENT;
  const variantApi = new Api(context.seed.token, context.signal, 90_000);
  variantApi.use(server);
  if (experiment) variantApi.headers = { 'x-experiment': experiment };
  // PARTS_VARIANT_HEADERS='{"accept-encoding":"identity"}' (with PARTS_EXPERIMENT naming it): the
  // variant sends these headers too, e.g. to see what wrangler dev's emulation of Cloudflare's
  // compression costs (it gzips application/json answers, not application/graphql-response+json).
  if (experiment && process.env.PARTS_VARIANT_HEADERS) {
    variantApi.headers = {
      ...variantApi.headers,
      ...(JSON.parse(process.env.PARTS_VARIANT_HEADERS) as Record<string, string>),
    };
  }
  // The REST export asked without compression: wrangler dev gzips application/json answers for a
  // client that accepts gzip (Cloudflare's compression, outside the Worker in production).
  const identityApi = new Api(context.seed.token, context.signal, 90_000);
  identityApi.use(server);
  identityApi.headers = { 'accept-encoding': 'identity' };
  const tip = encodeGlobalId(typename, graph.rootId);
  const variables = { id: tip };
  const baseCalls: [string, Call, Api?][] = [
    ['fixed: { __typename }', { query: FIXED_COST }],
    ['walk only: { totalNodes }', { query: part('totalNodes'), variables }],
    ['nodes: { totalNodes nodes { id } }', { query: part('totalNodes nodes { id }'), variables }],
    [
      'edges: { totalNodes edges { depth } }',
      { query: part('totalNodes edges { depth }'), variables },
    ],
    [
      'typed: the lineage-chain query',
      { query: lineageQuery(typename, direction, 25_000), variables },
    ],
    ['lineage { graph }', { query: graphJsonQuery(typename, direction, 25_000), variables }],
    [
      'draw: the typed drawing query (labels, both ends)',
      { query: drawQuery(typename, direction, 25_000), variables },
    ],
    ['REST /graph', { get: restGraphPath(tip, direction) }],
    ['REST details: /graph?edge_details=true', { get: restGraphPath(tip, direction, true) }],
    [
      'REST /graph, identity: accept-encoding identity',
      { get: restGraphPath(tip, direction) },
      identityApi,
    ],
    ['impact: the impact query', { query: IMPACT, variables: { id: graph.impactOf } }],
    [
      'path: lineagePath(from: root, to: far end)',
      {
        query: /* GraphQL */ `
          query Path($from: ID!, $to: ID!) {
            lineagePath(from: $from, to: $to) { length nodes { id } edges { depth } }
          }
        `,
        variables: { from: tip, to: graph.pathTo },
      },
    ],
    // What the lineage page (public/lineage/) asks by default: a few hops, a small page, labels.
    [
      'page: the lineage page query (BOTH, maxDepth 3, first 300)',
      {
        query: /* GraphQL */ `
          query LineagePage($id: ID!) {
            node(id: $id) {
              ... on LineageNode {
                lineage(direction: BOTH, maxDepth: 3, first: 300) {
                  root { id } depthReached isTruncated totalNodes totalEdges
                  nodeInfo { kind label depth reachedBy node { id } }
                  edges { id type depth from { id } to { id } }
                }
              }
            }
          }
        `,
        variables,
      },
    ],
  ];
  // PARTS_ONLY=word: only the requests whose label contains it (with the raw statement).
  const only = process.env.PARTS_ONLY;
  const calls: [string, Call, Api][] = baseCalls
    .filter(([label]) => !only || label.includes(only))
    .flatMap(([label, call, client]) => [
      [label, call, client ?? api] as [string, Call, Api],
      ...(experiment && !label.startsWith('fixed') && !client
        ? [[`${label} [${experiment}]`, call, variantApi] as [string, Call, Api]]
        : []),
    ]);
  const rawLabel = 'raw walk statement (node:sqlite, median of 3)';
  const d1CountLabel = 'D1 walk statement, row count (control Worker)';
  const d1RowsLabel = 'D1 walk statement, rows as JSON (control Worker)';
  // The statement as the Worker sends it: with the edge-row budget of a walk without details.
  const params = {
    ...walkParamsOn(copy, context.seed.orgId)(graph.rootId, direction),
    rowLimit: DEFAULT_EDGE_ROW_BUDGET + 1,
  };
  const rows =
    graph.rows ??
    (() => {
      const { sql, parameters } = apiWalk(params);
      const db = new DatabaseSync(copy, { readOnly: true });
      try {
        return db.prepare(sql).all(...(parameters as SQLInputValue[])).length;
      } finally {
        db.close();
      }
    })();
  const control: D1Floor = await startD1Floor(context, controlState, params, rows);
  const short = (label: string): string =>
    label.startsWith('own: ')
      ? `own ${short(label.slice(5))}`
      : label === rawLabel
        ? 'sqlite'
        : label === d1CountLabel
          ? 'd1-count'
          : label === d1RowsLabel
            ? 'd1-rows'
            : (label.split(':')[0] as string);
  const floors = new Map<string, () => Promise<number>>([
    [rawLabel, () => raw()],
    [d1CountLabel, async () => (await control.walk('count')).ms],
    [d1RowsLabel, async () => (await control.walk('rows')).ms],
  ]);
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
  try {
    // An experiment must answer what the plain Worker answers (PARTS_SAME=0: one meant to differ,
    // such as a part left out to see what it costs).
    const answers = new Map<string, string>();
    const mismatches: string[] = [];
    for (let warm = 0; warm < WARM; warm++) {
      for (const [label, call, client] of calls) {
        const result = await client.postRetrying(call);
        if (!result.ok) throw new Error(`${label}: ${result.error}`);
        const plain = plainLabel(label);
        // A first page past the edge-row budget stores its walk: the cursor names a new one.
        const text = onDag
          ? JSON.stringify(result.data).replace(
              /"(end_cursor|endCursor)":"[^"]*"/g,
              '"$1":"<walk>"',
            )
          : JSON.stringify(result.data);
        const other = answers.get(plain);
        if (other === undefined) answers.set(plain, text);
        else if (other !== text && !mismatches.includes(plain)) mismatches.push(plain);
      }
      await control.walk('count');
      await control.walk('rows');
    }
    if (mismatches.length > 0) {
      const message = `[${experiment}] answers differ from the plain Worker's: ${mismatches.join(', ')}`;
      if (process.env.PARTS_SAME !== '0') throw new Error(message);
      context.log(`WARNING: ${message}`);
    }
    // Each plain request's own statements, recorded on a copy of the D1 file, and replayed in the
    // rounds as its floor (`own: <label>`); a variant is held to its plain request's statements.
    const plainCalls = calls.filter(([, , client]) => client !== variantApi);
    const recorded = await recordStatements(
      copy,
      context.workDir,
      { ENVIRONMENT: 'development', RATE_LIMIT: 'off' },
      context.seed.token,
      plainCalls.map(([, call]) => call),
    );
    const statementsOf = new Map<string, StatementGroups>(
      plainCalls.map(([label], index) => [label, recorded[index] as StatementGroups]),
    );
    const ownLabel = (label: string) => `own: ${plainLabel(label)}`;
    const ownFloors = new Map<string, () => Promise<number>>(
      [...statementsOf].map(([label, groups]) => [
        ownLabel(label),
        async () => (await control.replay(groups)).ms,
      ]),
    );
    // The recording must be the Worker's statements: as many as its x-d1-statements header counts.
    const countMismatches: string[] = [];
    for (const [label, groups] of statementsOf) {
      await control.replay(groups);
      const [, call, client] = calls.find(([l]) => l === label) as [string, Call, Api];
      const sent = (await client.postRetrying(call)).statements;
      if (sent !== statementCount(groups)) {
        countMismatches.push(
          `${label}: the Worker ran ${sent}, ${statementCount(groups)} recorded`,
        );
      }
      context.log(
        `${label}: ${statementCount(groups)} statements in ${groups.length} groups (${groups
          .map((group) =>
            group.batch
              ? `batch of ${group.statements.length}`
              : group.statements.map((statement) => statement.method).join('+'),
          )
          .join(', ')})`,
      );
    }
    if (countMismatches.length > 0) {
      throw new Error(`recorded statements differ: ${countMismatches.join('; ')}`);
    }
    // Every floor and request once per round, in a shuffled order; each request's ratio to each
    // floor of its round.
    const floorLabels = [...floors.keys()];
    const labels = [...floorLabels, ...calls.map(([label]) => label)];
    const times = new Map<string, number[]>(
      [...labels, ...ownFloors.keys()].map((label) => [label, []]),
    );
    const ownRatios = new Map<string, number[]>(labels.map((label) => [label, []]));
    const ratios = new Map<string, Map<string, number[]>>(
      floorLabels.map((floor) => [floor, new Map(labels.map((label) => [label, []]))]),
    );
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(loadavg()[0] as number);
      const order = [...labels, ...ownFloors.keys()].sort(() => Math.random() - 0.5);
      const got = new Map<string, number>();
      for (const label of order) {
        const floor = floors.get(label) ?? ownFloors.get(label);
        if (floor) {
          got.set(label, await floor());
          continue;
        }
        const [, call, client] = calls.find(([l]) => l === label) as [string, Call, Api];
        const result = await client.postRetrying(call);
        if (!result.ok) throw new Error(`${label}: ${result.error}`);
        got.set(label, result.ms);
      }
      for (const [label, ms] of got) times.get(label)?.push(ms);
      for (const label of labels) {
        const own = got.get(ownLabel(label));
        if (own !== undefined && !floors.has(label)) {
          ownRatios.get(label)?.push((got.get(label) as number) / own);
        }
      }
      for (const floor of floorLabels) {
        const floorMs = got.get(floor) as number;
        for (const label of labels) {
          ratios
            .get(floor)
            ?.get(label)
            ?.push((got.get(label) as number) / floorMs);
        }
      }
      context.log(
        `round ${round + 1}: ${[...got].map(([l, ms]) => `${short(l)} ${ms.toFixed(0)}`).join(', ')}`,
      );
    }
    const ratioCell = (floor: string, label: string) => {
      if (floor === label) return '';
      const r = summarize(ratios.get(floor)?.get(label) ?? []);
      return `${r.p50.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
    };
    const ownCell = (label: string) => {
      const list = ownRatios.get(label) ?? [];
      if (list.length === 0) return '';
      const r = summarize(list);
      const floor = summarize(times.get(ownLabel(label)) ?? []);
      const count = statementCount(statementsOf.get(plainLabel(label)) ?? []);
      return `${r.p50.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)}) of ${floor.p50.toFixed(1)} ms, ${count} st.`;
    };
    const rows = [...times]
      .filter(([label]) => !ownFloors.has(label))
      .map(([label, list]) => {
        const s = summarize(list);
        return [
          label,
          `${s.p50.toFixed(1)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})`,
          ...floorLabels.map((floor) => ratioCell(floor, label)),
          ownCell(label),
        ];
      });
    const versus = experiment
      ? baseCalls
          .filter(
            ([label, , client]) =>
              !label.startsWith('fixed') && !client && (!only || label.includes(only)),
          )
          .map(([label]) => {
            const base = times.get(label) as number[];
            const variant = times.get(`${label} [${experiment}]`) as number[];
            const r = summarize(variant.map((ms, i) => ms / (base[i] as number)));
            return [label, `${r.p50.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`];
          })
      : [];
    const load = summarize(loads);
    const report = [
      `${graph.describe}; ${ROUNDS} rounds, shuffled order, client-side time; load average ${load.min.toFixed(1)}-${load.max.toFixed(1)}`,
      'Ratios: p50 of the per-round ratios (min-max) to each floor of the same round.',
      table(
        [
          'request',
          'p50 (min-max)',
          '/ node:sqlite statement',
          '/ D1 statement, count',
          '/ D1 statement, rows',
          '/ its own statements (D1, replayed)',
        ],
        rows,
      ),
      ...(experiment
        ? ['', table(['request', `[${experiment}] / without, same round (min-max)`], versus)]
        : []),
    ].join('\n');
    return {
      report,
      results: {
        times: Object.fromEntries(times),
        ratios: Object.fromEntries(
          [...ratios].map(([floor, byLabel]) => [floor, Object.fromEntries(byLabel)]),
        ),
        d1Floor: { sql: apiWalk(params).sql, rowLimit: params.rowLimit },
        ownRatios: Object.fromEntries(ownRatios),
        ownStatements: Object.fromEntries(
          [...statementsOf].map(([label, groups]) => [
            label,
            groups.map((group) => ({
              batch: group.batch,
              statements: group.statements.map(({ sql, method }) => ({ method, sql })),
            })),
          ]),
        ),
        loadavg: loads,
      },
    };
  } finally {
    await control.stop();
    await context.stopServer();
  }
}

export const scenario: Scenario = {
  name: 'lineage-parts',
  description:
    'The chain lineage request by parts, in shuffled rounds with the walk statement on node:sqlite and through D1',
  skipStartup: true,
  run,
};

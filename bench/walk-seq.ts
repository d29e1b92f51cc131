// What the walk statement's `seq` column costs, and the other ways of carrying it that were tried
// (issue 20; bench/README.md, lineage-walk): the API's statement (walkEdgesStatement, compiled as
// in bench/lib/sqlite-raw.ts) and variants of its `reached` CTE, on the chain of `lineage-walk`
// (plus 20,000 foreign edges) and the DAG of `lineage-dag` in one in-memory node:sqlite database
// made from migrations/, run interleaved, timed in CPU time of this process (the machine is shared:
// CPU time moves less with other people's load than wall time). Each variant's ratio to `api` is
// the median of its per-round ratios.
//
//   npx node bench/walk-seq.ts            # ~1 min; WALK_SEQ_RUNS=40 (chain) by default, DAG a third
import { memoryRegistry } from './lib/memory-registry.ts';
import { apiWalk, apiWalkWithoutSeq, SEQ_WINDOW, type WalkParams } from './lib/sqlite-raw.ts';
import { ALL_EDGE_TYPES, directionTypes, NODE_LIMIT, sizeFor } from './scenarios/lineage/config.ts';
import { buildChain, buildDag, buildForeignEdges } from './scenarios/lineage/graphs.ts';

const REACHED = `reached AS MATERIALIZED (SELECT id, ${SEQ_WINDOW} FROM reach)`;
/** The reached set numbered by json_each's keys over chunks of at most `size` ids. */
const jsonChunks = (chunks: number, size: number) =>
  `reached AS MATERIALIZED (${Array.from(
    { length: chunks },
    (_, i) =>
      `SELECT j.value AS id, ${i * size} + j.key AS seq FROM json_each((SELECT json_group_array(id) FROM (SELECT id FROM reach LIMIT ${size} OFFSET ${i * size}))) AS j`,
  ).join(' UNION ALL ')})`;

/** Each variant rewrites the API's statement (it must contain what it replaces). */
const VARIANTS: Record<string, (p: WalkParams) => string> = {
  api: (p) => apiWalk(p).sql,
  'api-noseq': (p) => apiWalkWithoutSeq(p).sql,
  // One JSON array of the reached ids, numbered by json_each: over D1's 2,000,000-byte value
  // limit past ~51,000 reached ids (the default node budget is 100,000).
  'json (one array)': (p) =>
    replace(
      apiWalk(p).sql,
      REACHED,
      'reached AS MATERIALIZED (SELECT j.value AS id, j.key AS seq FROM json_each((SELECT json_group_array(id) FROM reach)) AS j)',
    ),
  // The same in chunks under that limit, as many as nodeLimit needs (3 here).
  'json (3 chunks of 40,000)': (p) => replace(apiWalk(p).sql, REACHED, jsonChunks(3, 40_000)),
  // The one array while the reached set fits it (counted first), the window past that.
  'json up to 40,000 ids, else window': (p) =>
    replace(
      replace(
        apiWalk(p).sql,
        REACHED,
        `reached AS MATERIALIZED (
          SELECT j.value AS id, j.key + 1 AS seq
          FROM json_each((SELECT json_group_array(id) FROM reach)) AS j
          WHERE (SELECT n FROM total) <= 40000
          UNION ALL
          SELECT id, ${SEQ_WINDOW} FROM reach WHERE (SELECT n FROM total) > 40000
        )`,
      ),
      'total AS MATERIALIZED (SELECT count(*) AS n FROM reached)',
      'total AS MATERIALIZED (SELECT count(*) AS n FROM reach)',
    ),
  'count(*) OVER (ROWS UNBOUNDED PRECEDING)': (p) =>
    replace(apiWalk(p).sql, SEQ_WINDOW, 'count(*) OVER (ROWS UNBOUNDED PRECEDING) AS seq'),
  // The recursion as a co-routine of the window instead of a table of its own.
  'reach NOT MATERIALIZED': (p) =>
    replace(
      apiWalk(p).sql,
      'WITH RECURSIVE reach(id) AS (',
      'WITH RECURSIVE reach(id) AS NOT MATERIALIZED (',
    ),
};

function replace(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`walkEdgesStatement has no \`${from}\` any more`);
  return text.replace(from, to);
}

const { sqlite, clock, startMs, org, user } = memoryRegistry('walk-seq');
const size = sizeFor(false);
const base = { clock, orgId: org, userId: user };
const chain = buildChain(base, size, startMs + 1000);
const foreign = buildForeignEdges(
  { clock, orgId: clock.next(startMs).id, userId: user },
  20_000,
  startMs + 2_000_000_000,
);
const dag = buildDag(base, size, startMs + 3_000_000_000);
for (const files of [chain.files, foreign, dag.files]) {
  for (const writer of files.writers) sqlite.exec(writer.toSql());
}

const walk = (seedId: string, direction: 'UPSTREAM' | 'DOWNSTREAM', rowLimit?: number) => ({
  file: ':memory:',
  orgId: org,
  seeds: [seedId],
  direction,
  edgeTypes: [...ALL_EDGE_TYPES],
  ...directionTypes(direction, ALL_EDGE_TYPES),
  nodeLimit: NODE_LIMIT,
  ...(rowLimit === undefined ? {} : { rowLimit }),
});
const runs = Number(process.env.WALK_SEQ_RUNS ?? 40);
const cases: [string, WalkParams, number][] = [
  ['chain (10,001 nodes, 10,000 edges)', walk(chain.tipId, 'UPSTREAM'), runs],
  // The Worker's budget (60,000 rows, one more asked): this walk is cut by it.
  [
    'DAG downstream, row budget 60,001 (cut)',
    walk(dag.rootDatasetId, 'DOWNSTREAM', 60_001),
    Math.ceil(runs / 3),
  ],
];
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
for (const [name, params, rounds] of cases) {
  const parameters = apiWalk(params).parameters as (string | number)[];
  const statements = Object.entries(VARIANTS).map(([variant, text]) => {
    const statement = sqlite.prepare(text(params));
    statement.setReturnArrays(true);
    return { variant, statement, cpuMs: [] as number[], rows: 0 };
  });
  for (const { statement } of statements) statement.all(...parameters);
  for (let round = 0; round < rounds; round++) {
    for (const entry of statements) {
      const cpu0 = process.cpuUsage();
      entry.rows = entry.statement.all(...parameters).length;
      const cpu = process.cpuUsage(cpu0);
      entry.cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  const api = statements[0] as (typeof statements)[number];
  console.log(`\n${name}, ${rounds} interleaved rounds (CPU time):\n`);
  console.log('| variant | CPU p50 | CPU min | / api (median of rounds) | rows |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const entry of statements) {
    const ratios = entry.cpuMs.map((ms, i) => ms / (api.cpuMs[i] as number));
    console.log(
      `| ${entry.variant} | ${median(entry.cpuMs).toFixed(1)} ms | ${Math.min(...entry.cpuMs).toFixed(1)} ms | ${median(ratios).toFixed(3)} | ${entry.rows} |`,
    );
  }
}

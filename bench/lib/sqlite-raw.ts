// Raw SQLite floors for the lineage benchmarks: the same queries as the Worker, with no GraphQL, no
// Worker and no D1 around them, against the very file `wrangler dev --local --persist-to <dir>`
// keeps (<dir>/v3/d1/miniflare-D1DatabaseObject/*.sqlite), opened read-only with Node's built-in
// node:sqlite. Each job runs in a child process of its own, so a runaway query (node:sqlite is
// synchronous and cannot be interrupted from JavaScript) is stopped by killing the process at the
// time limit, and the runner's event loop and deadline keep working meanwhile.
//
// As a child: `node bench/lib/sqlite-raw.ts <job.json>` prints one JSON result line.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EdgeType } from '../../src/registry/lineage/lineage.ts';
import { walkEdgesStatement } from '../../src/registry/lineage/traversal.repository.ts';
import { compilingKysely } from './sqlite-compiler.ts';

export interface WalkParams {
  file: string;
  orgId: string;
  seeds: string[];
  /** The walk as walkEdges takes it. */
  direction: 'UPSTREAM' | 'DOWNSTREAM';
  edgeTypes: string[];
  /** Edge types followed from source to target, and from target to source (as in walkEdges). */
  bySource: string[];
  byTarget: string[];
  nodeLimit: number;
  /** The edge-row budget the Worker passes (`WalkQuery.rowLimit`); absent: the statement without it. */
  rowLimit?: number;
}

/**
 * `api`: the Worker's statement as it is (compiled from src/). `reach`: the recursion alone, counted.
 */
export type WalkVariant = 'api' | 'reach';

export type RawJob =
  | ({ kind: 'walk'; variant: WalkVariant; runs: number; budgetMs: number } & WalkParams)
  | ({ kind: 'formulations'; runs: number } & WalkParams)
  | ({ kind: 'naive-bfs'; runs: number; budgetMs: number } & WalkParams)
  | ({ kind: 'depth-variant' } & WalkParams)
  | { kind: 'info'; file: string };

/**
 * The statement of src/registry/lineage/traversal.repository.ts `walkEdges` (asOf = null), compiled
 * from the source itself (`walkEdgesStatement`) by Kysely's SQLite compiler, so the floor is always
 * the Worker's current statement with its parameters.
 */
export function apiWalk(p: WalkParams): { sql: string; parameters: unknown[] } {
  const compiler = compilingKysely<Record<string, never>>();
  const compiled = walkEdgesStatement({
    orgId: p.orgId,
    seeds: p.seeds,
    direction: p.direction,
    edgeTypes: p.edgeTypes as EdgeType[],
    nodeLimit: p.nodeLimit,
    asOf: null,
    ...(p.rowLimit === undefined ? {} : { rowLimit: p.rowLimit }),
  }).compile(compiler);
  return { sql: compiled.sql, parameters: [...compiled.parameters] };
}

/** The API statement's queue ordinal, as walkEdgesStatement writes it. */
export const SEQ_WINDOW = 'row_number() OVER () AS seq';

/**
 * `api` without its `seq` column's cost: the same compiled statement, its rows' seq NULL (no window
 * over the reached set). The floor of what the ordinal costs (firstSegmentOfRows needs it).
 */
export function apiWalkWithoutSeq(p: WalkParams): { sql: string; parameters: unknown[] } {
  const api = apiWalk(p);
  if (!api.sql.includes(SEQ_WINDOW)) {
    throw new Error(`walkEdgesStatement no longer has \`${SEQ_WINDOW}\`: update api-noseq`);
  }
  return { sql: api.sql.replace(SEQ_WINDOW, 'NULL AS seq'), parameters: api.parameters };
}

const walkArgs = (p: WalkParams) => [
  JSON.stringify(p.seeds),
  JSON.stringify(p.bySource),
  JSON.stringify(p.byTarget),
  p.nodeLimit,
];

/** The recursion alone: how many nodes it reaches. */
export const REACH_ONLY_SQL = `
    WITH RECURSIVE reach(id) AS (
      SELECT value FROM json_each(?)
      UNION
      SELECT e.dst_id FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE e.type IN (SELECT value FROM json_each(?)) AND e.removed_at IS NULL
      UNION
      SELECT e.src_id FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE e.type IN (SELECT value FROM json_each(?)) AND e.removed_at IS NULL
      LIMIT ?
    )
    SELECT count(*) AS n FROM reach
  `;

/** The known-bad variant: the same recursion carrying a depth column, min depth per node after. */
export const DEPTH_VARIANT_SQL = `
    WITH RECURSIVE reach(id, depth) AS (
      SELECT value, 0 FROM json_each(?)
      UNION
      SELECT e.dst_id, reach.depth + 1 FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE e.type IN (SELECT value FROM json_each(?)) AND e.removed_at IS NULL
      UNION
      SELECT e.src_id, reach.depth + 1 FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE e.type IN (SELECT value FROM json_each(?)) AND e.removed_at IS NULL
    )
    SELECT count(*) AS nodes, max(depth) AS depth, sum(paths) AS rows
    FROM (SELECT id, min(depth) AS depth, count(*) AS paths FROM reach GROUP BY id)
  `;

/** One BFS level: the live edges leaving the frontier, in the walk's direction (one statement). */
const LEVEL_SQL = `
    SELECT e.id, e.type, e.src_id, e.dst_id, e.src_id AS from_id, e.dst_id AS to_id FROM edge AS e
    WHERE e.src_id IN (SELECT value FROM json_each(?)) AND e.type IN (SELECT value FROM json_each(?))
      AND e.removed_at IS NULL AND e.org_id = ?
    UNION ALL
    SELECT e.id, e.type, e.src_id, e.dst_id, e.dst_id AS from_id, e.src_id AS to_id FROM edge AS e
    WHERE e.dst_id IN (SELECT value FROM json_each(?)) AND e.type IN (SELECT value FROM json_each(?))
      AND e.removed_at IS NULL AND e.org_id = ?
  `;

// ---- The walk's formulations, side by side (issue 20): each a floor the API's statement is held to.

/** The covering partial indexes of migrations/0015, by name (a schema without them drops these). */
export const COVERING_INDEXES = ['edge_src_walk', 'edge_dst_walk'] as const;

/** The two schemas each formulation runs on: the migrations' as they are, and without 0015's indexes. */
const SCHEMAS = {
  migrations: '',
  'no-covering': COVERING_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name};`).join('\n'),
} as const;
export type WalkSchema = keyof typeof SCHEMAS;

/**
 * The recursion every formulation shares, with named parameters (:seeds, :bySource, :byTarget, :org,
 * :limit). `seekByNode`: the type test is kept out of the index search (`+e.type`), so each reached
 * node costs one index seek per direction instead of one per edge type.
 */
const reachCte = (seekByNode: boolean) => {
  const type = seekByNode ? '+e.type' : 'e.type';
  return `WITH RECURSIVE reach(id) AS (
      SELECT value FROM json_each(:seeds)
      UNION
      SELECT e.dst_id FROM edge AS e JOIN reach ON e.src_id = reach.id
      WHERE ${type} IN (SELECT value FROM json_each(:bySource)) AND e.removed_at IS NULL AND e.org_id = :org
      UNION
      SELECT e.src_id FROM edge AS e JOIN reach ON e.dst_id = reach.id
      WHERE ${type} IN (SELECT value FROM json_each(:byTarget)) AND e.removed_at IS NULL AND e.org_id = :org
      LIMIT :limit
    )`;
};
const WALK_COLUMNS =
  'e.id, e.type, e.src_id, e.src_kind, e.dst_id, e.dst_kind, (SELECT n FROM total) AS reached';

/**
 * The edges of a walk from its reached set. `among`: only edges whose other end was reached too
 * (the second pass, needed only when the LIMIT cut the walk). `cross`: CROSS JOIN keeps the reached
 * set as the outer loop (without it SQLite may scan all of `edge` in id order to skip the sort).
 */
const edgesOfReached = (options: { among: boolean; cross: boolean; seekByNode: boolean }) => {
  const join = options.cross ? 'CROSS JOIN' : 'JOIN';
  const type = options.seekByNode ? '+e.type' : 'e.type';
  const side = (near: string, far: string, types: string) =>
    `SELECT ${WALK_COLUMNS}
    FROM reached AS r ${join} edge AS e ON e.${near} = r.id
    WHERE ${type} IN (SELECT value FROM json_each(${types})) AND e.org_id = :org AND e.removed_at IS NULL${
      options.among ? ` AND e.${far} IN (SELECT id FROM reached)` : ''
    }`;
  return `${reachCte(options.seekByNode)},
    reached AS MATERIALIZED (SELECT id FROM reach),
    total AS MATERIALIZED (SELECT count(*) AS n FROM reached)
    ${side('src_id', 'dst_id', ':bySource')}
    UNION ALL
    ${side('dst_id', 'src_id', ':byTarget')}
    ORDER BY 1`;
};

/**
 * The formulations of one walk over the same schema. `today` is the statement the API ran before
 * issue 20 (two passes); `api` is whatever src/ runs now (compiled from walkEdgesStatement).
 */
export const WALK_FORMULATIONS = {
  today: edgesOfReached({ among: true, cross: false, seekByNode: false }),
  'single-pass': edgesOfReached({ among: false, cross: true, seekByNode: false }),
  'single-pass, seek by node': edgesOfReached({ among: false, cross: true, seekByNode: true }),
  'closure (count)': `${reachCte(false)} SELECT count(*) AS n FROM reach`,
  'closure (count), seek by node': `${reachCte(true)} SELECT count(*) AS n FROM reach`,
} as const;
export type WalkFormulation = keyof typeof WALK_FORMULATIONS | 'api' | 'api-noseq';

const NAMED = ['seeds', 'bySource', 'byTarget', 'org', 'limit'] as const;

/** A formulation with numbered parameters (?1 ... ?5) and their values, for D1 (which has no :names). */
export function positionalFormulation(
  text: string,
  p: WalkParams,
): { sql: string; parameters: unknown[] } {
  const values = [
    JSON.stringify(p.seeds),
    JSON.stringify(p.bySource),
    JSON.stringify(p.byTarget),
    p.orgId,
    p.nodeLimit,
  ];
  return {
    sql: text.replace(
      /:(seeds|bySource|byTarget|org|limit)\b/g,
      (_, name: (typeof NAMED)[number]) => `?${NAMED.indexOf(name) + 1}`,
    ),
    parameters: values,
  };
}

export interface FormulationResult {
  schema: WalkSchema;
  formulation: WalkFormulation;
  runsMs: number[];
  cpuMs: number[];
  rows: number;
  reached: number;
  plan: string[];
}

/**
 * Every formulation on both schemas, interleaved (run i of each before run i + 1 of any), each on
 * its own copy of the file so that the schemas differ only by the covering indexes.
 */
function measureFormulations(
  DatabaseSync: typeof import('node:sqlite').DatabaseSync,
  job: Extract<RawJob, { kind: 'formulations' }>,
  workFile: string,
): FormulationResult[] {
  const named = {
    seeds: JSON.stringify(job.seeds),
    bySource: JSON.stringify(job.bySource),
    byTarget: JSON.stringify(job.byTarget),
    org: job.orgId,
    limit: job.nodeLimit,
  };
  const api = apiWalk(job);
  const noSeq = apiWalkWithoutSeq(job);
  const cases: {
    result: FormulationResult;
    run: () => { reached?: number; n?: number }[];
  }[] = [];
  for (const [schema, setup] of Object.entries(SCHEMAS) as [WalkSchema, string][]) {
    const copy = `${workFile}.${schema}.sqlite`;
    rmSync(copy, { force: true });
    copyFileSync(job.file, copy);
    const writable = new DatabaseSync(copy);
    writable.exec(`PRAGMA journal_mode = DELETE; ${setup}`);
    writable.close();
    const db = new DatabaseSync(copy, { readOnly: true });
    const texts: [WalkFormulation, string, (string | number)[] | typeof named][] = [
      ['api', api.sql, api.parameters as (string | number)[]],
      ['api-noseq', noSeq.sql, noSeq.parameters as (string | number)[]],
      ...Object.entries(WALK_FORMULATIONS).map(
        ([name, text]) =>
          [name as WalkFormulation, text, named] as [WalkFormulation, string, typeof named],
      ),
    ];
    for (const [formulation, text, args] of texts) {
      const statement = db.prepare(text);
      const bound = () =>
        (Array.isArray(args) ? statement.all(...args) : statement.all(args)) as {
          reached?: number;
          n?: number;
        }[];
      const explain = db.prepare(`EXPLAIN QUERY PLAN ${text}`);
      const plan = (
        (Array.isArray(args) ? explain.all(...args) : explain.all(args)) as { detail: string }[]
      ).map((row) => row.detail);
      cases.push({
        result: { schema, formulation, runsMs: [], cpuMs: [], rows: 0, reached: 0, plan },
        run: bound,
      });
    }
  }
  // One warm-up of each, then the measured runs.
  for (const { run } of cases) run();
  for (let i = 0; i < job.runs; i++) {
    for (const { result, run } of cases) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const rows = run();
      result.runsMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      result.cpuMs.push((cpu.user + cpu.system) / 1000);
      result.rows = rows[0]?.n !== undefined ? 0 : rows.length;
      result.reached = rows[0]?.reached ?? rows[0]?.n ?? 0;
    }
  }
  return cases.map(({ result }) => result);
}

/** The D1 database file under a --persist-to directory: the .sqlite file that has an `edge` table. */
export function findD1File(persistTo: string): string {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sqlite'))
    .map((name) => join(dir, name));
  if (files.length === 0) throw new Error(`No .sqlite file in ${dir}`);
  // The largest one: D1 keeps one file per database (there is only one here).
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
}

/**
 * Copies a D1 file with its write-ahead log (a stopped or running workerd may not have checkpointed
 * it: the main file alone can be an unreadable database) to `to`, replacing any earlier copy.
 */
export function copyD1File(dbFile: string, to: string): string {
  for (const suffix of ['', '-wal']) {
    rmSync(`${to}${suffix}`, { force: true });
    if (existsSync(`${dbFile}${suffix}`)) copyFileSync(`${dbFile}${suffix}`, `${to}${suffix}`);
  }
  return to;
}

export interface RawResult {
  ok: boolean;
  timedOut?: boolean;
  error?: string;
  wallMs: number;
  [key: string]: unknown;
}

/** Runs a job in a child process, killed (whole process group) at `timeoutMs`. */
export function runRawJob(job: RawJob, workDir: string, timeoutMs: number): Promise<RawResult> {
  const jobFile = join(workDir, `raw-job-${job.kind}-${Date.now()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), jobFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let timedOut = false;
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  process.once('exit', kill);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      const wallMs = performance.now() - started;
      if (timedOut) {
        resolve({ ok: false, timedOut: true, wallMs, error: `killed after ${timeoutMs} ms` });
        return;
      }
      try {
        resolve({
          ...(JSON.parse(stdout.trim().split('\n').pop() ?? '') as object),
          ok: true,
          wallMs,
        });
      } catch {
        resolve({ ok: false, wallMs, error: `${stdout}\n${stderr}`.trim().slice(-2000) });
      }
    });
  });
}

// ---- The child side.

async function childMain(jobFile: string) {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as RawJob;
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(job.file, { readOnly: true });
  const out: Record<string, unknown> = {};
  const cpuMs: number[] = [];
  const time = <T>(fn: () => T): { ms: number; value: T } => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const value = fn();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    return { ms, value };
  };
  if (job.kind === 'info') {
    out.sqliteVersion = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    out.fileBytes = statSync(job.file).size;
    out.journalMode = (
      db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }
    ).journal_mode;
    out.counts = Object.fromEntries(
      ['model', 'model_version', 'dataset', 'deployment', 'edge'].map((table) => [
        table,
        (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n,
      ]),
    );
  } else if (job.kind === 'walk') {
    const api = job.variant === 'api' ? apiWalk(job) : null;
    const text = api ? api.sql : REACH_ONLY_SQL;
    const statement = db.prepare(text);
    const args = (api ? api.parameters : walkArgs(job)) as (string | number)[];
    out.sql = text;
    out.plan = (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...args) as { detail: string }[]).map(
      (row) => row.detail,
    );
    const runsMs: number[] = [];
    let rows = 0;
    let reached = 0;
    const t0 = performance.now();
    // Repeats until `runs` or the budget: a run is only started if the last one would still fit.
    while (runsMs.length < job.runs) {
      const last = runsMs[runsMs.length - 1] ?? 0;
      if (runsMs.length > 0 && performance.now() - t0 + last > job.budgetMs) break;
      const result = time(() => statement.all(...args) as { reached?: number; n?: number }[]);
      runsMs.push(result.ms);
      rows = job.variant === 'reach' ? 0 : result.value.length;
      reached = result.value[0]?.reached ?? result.value[0]?.n ?? 0;
    }
    Object.assign(out, { runsMs, edges: rows, reached });
  } else if (job.kind === 'formulations') {
    out.results = measureFormulations(DatabaseSync, job, jobFile);
  } else if (job.kind === 'naive-bfs') {
    const level = db.prepare(LEVEL_SQL);
    const runsMs: number[] = [];
    let statements = 0;
    let nodes = 0;
    let edges = 0;
    let depth = 0;
    const started = performance.now();
    for (let run = 0; run < job.runs; run++) {
      const last = runsMs[runsMs.length - 1] ?? 0;
      if (run > 0 && performance.now() - started + last > job.budgetMs) break;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const seen = new Set(job.seeds);
      const edgeIds = new Set<string>();
      let frontier = [...job.seeds];
      let levels = 0;
      statements = 0;
      while (frontier.length > 0 && seen.size < job.nodeLimit) {
        const found = level.all(
          JSON.stringify(frontier),
          JSON.stringify(job.bySource),
          job.orgId,
          JSON.stringify(frontier),
          JSON.stringify(job.byTarget),
          job.orgId,
        ) as { id: string; to_id: string }[];
        statements += 1;
        const next: string[] = [];
        for (const row of found) {
          edgeIds.add(row.id);
          if (!seen.has(row.to_id)) {
            seen.add(row.to_id);
            next.push(row.to_id);
          }
        }
        if (next.length > 0) levels += 1;
        frontier = next;
      }
      runsMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      nodes = seen.size;
      edges = edgeIds.size;
      depth = levels;
    }
    Object.assign(out, { runsMs, statements, nodes, edges, depth });
  } else if (job.kind === 'depth-variant') {
    const result = time(
      () =>
        db
          .prepare(DEPTH_VARIANT_SQL)
          .get(
            JSON.stringify(job.seeds),
            JSON.stringify(job.bySource),
            JSON.stringify(job.byTarget),
          ) as {
          nodes: number;
          depth: number;
          rows: number;
        },
    );
    Object.assign(out, { ms: result.ms, ...result.value });
  }
  if (cpuMs.length) out.cpuMs = cpuMs;
  db.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await childMain(process.argv[2] as string);
}

// Issue 17's sweep: a parent run with 200 child runs, each logging 20 metrics x 500 steps through
// MLflow's runs/log-batch (1,000 metrics per call, 20 calls in flight), then runs/search with a
// metric filter and a metric order over the sweep. Each side is measured against its floor: the
// same statements (compiled from src/, the very SQL and parameters the Worker sends) run raw with
// node:sqlite on a copy of the D1 file, in the same run.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { Db } from '../../src/db/db.ts';
import {
  findLatestMetrics,
  findRunInputs,
  findRunParams,
  findRunTags,
  insertRunMetrics,
  RUN_SEARCH_ATTRIBUTES,
  searchRunRows,
  upsertLatestMetrics,
} from '../../src/registry/run/run.repository.ts';
import { storedMetricValue } from '../../src/registry/run/run.ts';
import { parseFilter, parseOrderBy } from '../../src/registry/tracking/search-filter.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { copyD1File, findD1File } from '../lib/sqlite-raw.ts';
import { ms, type Summary, summarize, table } from '../lib/stats.ts';

const FULL = { runs: 200, metrics: 20, steps: 500, concurrency: 20, searches: 40 };
const QUICK = { runs: 20, metrics: 20, steps: 50, concurrency: 20, searches: 10 };
const PER_CALL = 1000;
const FILTER = "metrics.m0 < 0.5 and params.lr LIKE '0.0%' and attributes.status = 'RUNNING'";
const ORDER = ['metrics.m1 ASC'];

/** Compiles repository statements without a database: the SQL and parameters the Worker sends. */
function capturingDb(): { db: Db; last: () => CompiledQuery } {
  let captured: CompiledQuery | null = null;
  const connection: DatabaseConnection = {
    async executeQuery(query) {
      captured = query;
      return { rows: [] };
    },
    // biome-ignore lint/correctness/useYield: no rows to stream
    async *streamQuery() {},
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<never>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }) as unknown as Db;
  return {
    db,
    last: () => {
      if (!captured) throw new Error('nothing compiled');
      return captured;
    },
  };
}

interface Point {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** The points of one run, in log-batch calls of 1,000 (steps in order, all metrics per step). */
function batchesOf(runIndex: number, size: typeof FULL): Point[][] {
  const points: Point[] = [];
  for (let step = 0; step < size.steps; step++) {
    for (let metric = 0; metric < size.metrics; metric++) {
      // Each run converges to its own level: m0 ends between 0 and 1, so the filter keeps some.
      const level = ((runIndex * 37 + metric * 11) % 100) / 100;
      points.push({
        key: `m${metric}`,
        value: level + 1 / (step + 1),
        timestamp: 1_700_000_000_000 + step * 1000,
        step,
      });
    }
  }
  const batches: Point[][] = [];
  for (let start = 0; start < points.length; start += PER_CALL) {
    batches.push(points.slice(start, start + PER_CALL));
  }
  return batches;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = context.quick ? QUICK : FULL;
  const { server, coldStart } = await context.startServer('mlflow');
  // What any authenticated request costs here ({ viewer { id } }), to read the rest against.
  const fixedMs = coldStart.followingRequests.p50;
  const token = context.seed.token;
  const call = async (method: 'GET' | 'POST', endpoint: string, body: unknown) => {
    const url = new URL(`/api/2.0/mlflow/${endpoint}`, server.url);
    const started = performance.now();
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: context.signal,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${endpoint} ${response.status}: ${text.slice(0, 300)}`);
    return { ms: performance.now() - started, body: JSON.parse(text) };
  };

  const experiment = await call('POST', 'experiments/create', { name: 'bench-sweep' });
  const experimentId = experiment.body.experiment_id as string;
  const parent = await call('POST', 'runs/create', {
    experiment_id: experimentId,
    run_name: 'sweep',
  });
  const parentId = parent.body.run.info.run_id as string;
  const runIds: string[] = [];
  await pool(
    Array.from({ length: size.runs }, (_, index) => index),
    size.concurrency,
    async (index) => {
      const created = await call('POST', 'runs/create', {
        experiment_id: experimentId,
        run_name: `trial-${index}`,
        tags: [{ key: 'mlflow.parentRunId', value: parentId }],
      });
      const runId = created.body.run.info.run_id as string;
      runIds[index] = runId;
      await call('POST', 'runs/log-batch', {
        run_id: runId,
        params: [{ key: 'lr', value: String(0.001 * (index + 1)) }],
      });
    },
  );
  context.log(`created ${size.runs} child runs`);

  const jobs = runIds.flatMap((runId, index) =>
    batchesOf(index, size).map((metrics) => ({ runId, metrics })),
  );
  const latencies: number[] = [];
  const logStarted = performance.now();
  await pool(jobs, size.concurrency, async (job) => {
    latencies.push(
      (await call('POST', 'runs/log-batch', { run_id: job.runId, metrics: job.metrics })).ms,
    );
  });
  const logMs = performance.now() - logStarted;
  const points = jobs.length * PER_CALL;
  context.log(`logged ${points} points in ${jobs.length} calls: ${ms(logMs)}`);

  const searchBody = {
    experiment_ids: [experimentId],
    filter: FILTER,
    order_by: ORDER,
    max_results: 50,
  };
  const first = await call('POST', 'runs/search', searchBody);
  const matched = (first.body.runs ?? []).length as number;
  const searches: number[] = [];
  for (let index = 0; index < size.searches; index++) {
    searches.push((await call('POST', 'runs/search', searchBody)).ms);
  }
  const history = await call(
    'GET',
    `metrics/get-history?run_id=${runIds[0]}&metric_key=m0&max_results=100`,
    undefined,
  );

  // One key with a 100,000-point history (10,000 in --quick), read back in pages of 1,000 by
  // page token: the last page should cost what the first does (keyset, nothing loaded before it).
  const longRun = (await call('POST', 'runs/create', { experiment_id: experimentId })).body.run.info
    .run_id as string;
  const longPoints = context.quick ? 10_000 : 100_000;
  const longJobs = Array.from({ length: longPoints / PER_CALL }, (_, call) =>
    Array.from({ length: PER_CALL }, (_, index) => ({
      key: 'long',
      value: Math.sin(call * PER_CALL + index),
      timestamp: 1_700_000_000_000,
      step: call * PER_CALL + index,
    })),
  );
  await pool(longJobs, size.concurrency, async (metrics) => {
    await call('POST', 'runs/log-batch', { run_id: longRun, metrics });
  });
  const pageTimes: number[] = [];
  let pageToken: string | undefined;
  let read = 0;
  do {
    const query = `metrics/get-history?run_id=${longRun}&metric_key=long&max_results=1000${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`;
    const page = await call('GET', query, undefined);
    read += (page.body.metrics ?? []).length;
    pageTimes.push(page.ms);
    pageToken = page.body.next_page_token;
  } while (pageToken);
  if (read !== longPoints) throw new Error(`history paged ${read} of ${longPoints} points`);
  context.log(`paged a ${longPoints}-point history in ${pageTimes.length} pages`);
  await context.stopServer();

  // ---- The floor: the same statements on a copy of the D1 file, raw.
  const dbFile = findD1File(context.persistTo);
  const copy = join(context.workDir, 'mlflow-raw.sqlite');
  copyD1File(dbFile, copy);
  const raw = new DatabaseSync(copy);
  const capture = capturingDb();
  // Fresh runs for the raw inserts, so they write the same new rows the Worker wrote.
  const rawRunIds = runIds.map((_, index) => `raw${String(index).padStart(29, '0')}`);
  const template = raw.prepare('SELECT * FROM run WHERE id = ?').get(runIds[0] as string) as Record<
    string,
    unknown
  >;
  const insertRun = raw.prepare(
    'INSERT INTO run (id, org_id, experiment_id, name, status, start_time, end_time, parent_run_id, mlflow_user, artifact_uri, lifecycle_stage, created_at, created_by, updated_at) SELECT ?, org_id, experiment_id, name, status, start_time, end_time, parent_run_id, mlflow_user, artifact_uri, lifecycle_stage, created_at, created_by, updated_at FROM run WHERE id = ?',
  );
  for (const id of rawRunIds) insertRun.run(id, template.id as string);
  const rawJobs = jobs.map((job) => ({
    runId: rawRunIds[runIds.indexOf(job.runId)] as string,
    metrics: job.metrics,
  }));
  const rawLatencies: number[] = [];
  const rawStarted = performance.now();
  for (const job of rawJobs) {
    const stored = job.metrics.map((point) => ({
      key: point.key,
      timestamp: point.timestamp,
      step: point.step,
      ...storedMetricValue(point.value),
    }));
    const started = performance.now();
    raw.exec('BEGIN');
    for (const compiled of [
      insertRunMetrics(capture.db, job.runId, stored),
      upsertLatestMetrics(capture.db, job.runId, stored),
    ]) {
      raw.prepare(compiled.sql).run(...(compiled.parameters as (string | number)[]));
    }
    raw.exec('COMMIT');
    rawLatencies.push(performance.now() - started);
  }
  const rawLogMs = performance.now() - rawStarted;

  // The search statement exactly as the Worker sends it.
  const grammar = {
    types: ['metric', 'param', 'tag', 'attribute'],
    ...RUN_SEARCH_ATTRIBUTES,
  } as const;
  await searchRunRows(capture.db, context.seed.orgId, {
    experimentIds: [experimentId],
    clauses: parseFilter(FILTER, grammar, 'filter'),
    orderBy: parseOrderBy(ORDER, grammar, 'orderBy'),
    stages: ['active'],
    offset: 0,
    limit: 51,
  });
  const searchSql = capture.last();
  const searchStatement = raw.prepare(searchSql.sql);
  // The page's data, as withRunData reads it: params, tags, latest metrics, inputs.
  const pageIds = (
    searchStatement.all(...(searchSql.parameters as (string | number)[])) as { id: string }[]
  )
    .slice(0, 50)
    .map((row) => row.id);
  const dataSql: CompiledQuery[] = [];
  for (const read of [findRunParams, findRunTags, findLatestMetrics, findRunInputs]) {
    await read(capture.db, pageIds);
    dataSql.push(capture.last());
  }
  const dataStatements = dataSql.map((compiled) => ({
    statement: raw.prepare(compiled.sql),
    parameters: compiled.parameters as (string | number)[],
  }));
  const rawSearches: number[] = [];
  for (let index = 0; index < size.searches; index++) {
    const started = performance.now();
    searchStatement.all(...(searchSql.parameters as (string | number)[]));
    for (const { statement, parameters } of dataStatements) statement.all(...parameters);
    rawSearches.push(performance.now() - started);
  }
  const plan = raw
    .prepare(`EXPLAIN QUERY PLAN ${searchSql.sql}`)
    .all(...(searchSql.parameters as (string | number)[]))
    .map((row) => String((row as { detail: string }).detail));
  raw.close();

  const api = summarize(latencies);
  const rawSummary = summarize(rawLatencies);
  const search = summarize(searches);
  const rawSearch = summarize(rawSearches);
  const pointsPerS = (points / logMs) * 1000;
  const rawPointsPerS = (points / rawLogMs) * 1000;
  const row = (label: string, s: Summary) => [label, String(s.n), ms(s.p50), ms(s.p99), ms(s.max)];
  const report = [
    `Sweep: ${size.runs} child runs x ${size.metrics} metrics x ${size.steps} steps = ${points} points, log-batch of ${PER_CALL} at ${size.concurrency} concurrent`,
    table(
      ['', 'n', 'p50', 'p99', 'max'],
      [
        row('log-batch via wrangler dev', api),
        row('same statements raw (node:sqlite)', rawSummary),
        row(`runs/search (${matched} runs in page)`, search),
        row('search + page data statements raw', rawSearch),
      ],
    ),
    `throughput: API ${pointsPerS.toFixed(0)} points/s (${ms(logMs)}), raw ${rawPointsPerS.toFixed(0)} points/s (${ms(rawLogMs)}), ratio ${(pointsPerS / rawPointsPerS).toFixed(2)}`,
    `search p50: API ${ms(search.p50)}, of which ${ms(fixedMs)} is any request's fixed cost ({ viewer { id } } p50); the rest ${ms(search.p50 - fixedMs)} against raw ${ms(rawSearch.p50)}`,
    `get-history page of 100: ${ms(history.ms)}`,
    `a ${longPoints}-point history in ${pageTimes.length} pages of 1,000: first ${ms(pageTimes[0])}, last ${ms(pageTimes.at(-1))}, p50 ${ms(summarize(pageTimes).p50)}, p99 ${ms(summarize(pageTimes).p99)}`,
    `search plan: ${plan.join(' | ')}`,
  ].join('\n');
  return {
    report,
    results: {
      size,
      points,
      logMs,
      rawLogMs,
      pointsPerS,
      rawPointsPerS,
      logBatch: api,
      logBatchRaw: rawSummary,
      search,
      rawSearch,
      matched,
      historyMs: history.ms,
      longHistory: {
        points: longPoints,
        pages: summarize(pageTimes),
        first: pageTimes[0],
        last: pageTimes.at(-1),
      },
      fixedMs,
      plan,
    },
  };
}

export const scenario: Scenario = {
  name: 'mlflow',
  description: 'An MLflow sweep logged with runs/log-batch, then runs/search, against raw SQLite',
  skipStartup: true,
  run,
};

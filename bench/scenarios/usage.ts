// usage: 1,000,000 LLM requests across 20 models over 30 days, then the usage reads of issue 5
// against `wrangler dev`:
//   (a) Model.usage over 30 days for one model (totals, exact latency percentiles, breakdowns);
//   (b) usage of all 20 models in one list query;
//   (c) abTestCompare with 3 arms, by modelIds and by experiment;
//   (d) usageTrends (DAY) and costForecast of one model;
//   (e) inferenceTrack batches of 1,000 through the API (writes).
// Before and after in one run, on the same data: the reads run first against a server started
// with `--var USAGE_ROLLUP:off` (the raw-row reads, as before the hourly rollup of migration 0006
// and the latency histogram of 0008), then against a normal server (rollup and histogram); the
// report gives both and their ratio. The latency answers of both phases (20 models, experiment
// arms) must be equal to the last bit. Last, the insert cost of the triggers is measured outside
// workerd (node:sqlite on a scratch file: no trigger, the 0006 rollup, 0006 + 0008).
// The rows are generated inside SQLite (a recursive CTE per model, deterministic arithmetic on the
// row number), so the SQL file is small; the same formulas run here in JS to check that the API's
// answers are exact (count, cost sum, latency p50/p95/p99 of one model).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, encodeGlobalId } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { iso, SqlWriter, Uuid7Clock } from '../lib/sql.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { REPO_ROOT } from '../lib/wrangler.ts';

const SIZES = {
  full: { models: 20, rowsPerModel: 50_000, repeats: 10, writeBatches: 10 },
  quick: { models: 20, rowsPerModel: 2_000, repeats: 5, writeBatches: 2 },
};
const DAYS = 30;
const DAY_MS = 86_400_000;
const PROVIDERS = ['openai', 'anthropic', 'meta', 'mistral'];
/** Models 18 and 19 have no price: their requests are unpriced. */
const UNPRICED_FROM = 18;
/** Models 0, 1, 2 take part in the experiment (the 3 arms). */
const ARMS = 3;

/** The generated columns of row j of model m, as SQL over the CTE's `j` and as JS (same values). */
const H_SQL = '((j * 2654435761 + m * 97531) % 4294967296)';
function h(j: number, m: number): number {
  return (j * 2654435761 + m * 97531) % 4294967296;
}
function latency(j: number, m: number): number {
  return 200 + (h(j, m) % 1800) + m * 10;
}
function inputTokens(j: number, m: number): number {
  return 100 + (Math.floor(h(j, m) / 2048) % 2000);
}
function outputTokens(j: number, m: number): number {
  return 50 + (Math.floor(h(j, m) / 4096) % 800);
}
/** Integer nano-dollars, so SQL and JS agree to the last digit. */
function costNano(j: number, m: number): number {
  return (inputTokens(j, m) * 25 + outputTokens(j, m) * 100) * (10 + m);
}

export function modelRowsSql(params: {
  m: number;
  rows: number;
  startMs: number;
  orgId: string;
  userId: string;
  modelId: string;
  versionId: string;
  deploymentId: string;
  experimentId: string | null;
  provider: string;
}): string {
  const { m, rows, startMs } = params;
  const step = Math.floor((DAYS * DAY_MS) / rows);
  const lit = (value: string | null) => (value === null ? 'NULL' : `'${value}'`);
  const input = `(100 + ((${H_SQL} / 2048) % 2000))`;
  const output = `(50 + ((${H_SQL} / 4096) % 800))`;
  const cost =
    m >= UNPRICED_FROM ? 'NULL' : `((${input} * 25 + ${output} * 100) * ${10 + m}) / 1e9`;
  // ids: UUIDv7 layout, time-ordered: 48-bit ms, version 7, then the model and row number.
  return `
WITH RECURSIVE seq(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM seq WHERE j < ${rows - 1}),
r AS (SELECT j, ${m} AS m, ${startMs} + j * ${step} + ${m} * 1000 AS ms FROM seq)
INSERT INTO inference_request (id, org_id, model_id, version_id, deployment_id, experiment_id, provider,
  provider_model, latency_ms, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost_usd,
  cost_source, price_id, quality, status, idempotency_key, requested_at, created_at, created_by)
SELECT
  printf('%08x-%04x-7%03x-8%03x-%012x', ms / 65536, ms % 65536, m, j / 1000000, j),
  ${lit(params.orgId)}, ${lit(params.modelId)}, ${lit(params.versionId)},
  CASE WHEN j % 2 = 0 THEN ${lit(params.deploymentId)} END,
  ${lit(params.experimentId)},
  ${lit(params.provider)}, 'bench-llm-${m}',
  200 + (${H_SQL} % 1800) + m * 10,
  ${input}, ${output}, (${input} * ((${H_SQL} / 32) % 50)) / 100, 0,
  ${cost}, ${m >= UNPRICED_FROM ? 'NULL' : "'PROVIDED'"}, NULL,
  0.5 + m * 0.01 + ((${H_SQL} / 128) % 100) / 500.0,
  CASE WHEN ${H_SQL} % 50 = 0 THEN 'ERROR' ELSE 'SUCCESS' END,
  'bench-' || m || '-' || j,
  strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0, 'unixepoch'),
  ${lit(params.userId)}
FROM r;
`;
}

/** Exact expectations for model m, computed from the same formulas. */
function expected(m: number, rows: number) {
  const latencies: number[] = [];
  let cost = 0;
  for (let j = 0; j < rows; j++) {
    latencies.push(latency(j, m));
    if (m < UNPRICED_FROM) cost += costNano(j, m);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => {
    const hh = (rows - 1) * p;
    const lo = Math.floor(hh);
    const a = latencies[lo] as number;
    const b = latencies[Math.min(lo + 1, rows - 1)] as number;
    return a + (hh - lo) * (b - a);
  };
  return {
    requests: rows,
    totalCostUsd: m < UNPRICED_FROM ? cost / 1e9 : null,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
  };
}

const USAGE = /* GraphQL */ `
  query Usage($id: ID!, $from: DateTime!, $to: DateTime!) {
    node(id: $id) { ... on Model { usage(from: $from, to: $to) {
      requests errorRequests totalTokens totalCostUsd meanCostUsd costPer1kTokens unpricedRequests meanQuality
      latency { count mean p50 p95 p99 }
      byProvider { provider requests totalCostUsd }
      byDeployment { deployment { name } requests }
    } } }
  }
`;

const USAGE_ALL = /* GraphQL */ `
  query UsageAll($from: DateTime!, $to: DateTime!) {
    models(first: 20) { edges { node { name usage(from: $from, to: $to) {
      requests totalCostUsd unpricedRequests latency { p50 p95 p99 }
    } } } }
  }
`;

const USAGE_NO_LATENCY = /* GraphQL */ `
  query UsageNoLatency($id: ID!, $from: DateTime!, $to: DateTime!) {
    node(id: $id) { ... on Model { usage(from: $from, to: $to) {
      requests errorRequests totalTokens totalCostUsd meanCostUsd costPer1kTokens unpricedRequests meanQuality
      byProvider { provider requests totalCostUsd }
      byDeployment { deployment { name } requests }
    } } }
  }
`;

const USAGE_ALL_TOTALS = /* GraphQL */ `
  query UsageAllTotals($from: DateTime!, $to: DateTime!) {
    models(first: 20) { edges { node { name usage(from: $from, to: $to) {
      requests totalCostUsd unpricedRequests meanLatencyMs
    } } } }
  }
`;

const AB = /* GraphQL */ `
  query Ab($modelIds: [ID!], $experimentId: ID, $from: DateTime!, $to: DateTime!) {
    abTestCompare(modelIds: $modelIds, experimentId: $experimentId, from: $from, to: $to) {
      arms { model { name } requests errorRate meanQuality qualityCi95 { low high } latency { p50 p95 } meanCostUsd }
      pairs { quality { pValue } latency { pValue } errorRate { pValue } }
      verdict { outcome winner requiredSamplesPerArm additionalSamplesPerArm }
    }
  }
`;

const TRENDS = /* GraphQL */ `
  query Trends($id: ID!, $from: DateTime!, $to: DateTime!) {
    node(id: $id) { ... on Model { usageTrends(granularity: DAY, from: $from, to: $to) { start requests totalCostUsd } } }
  }
`;

const FORECAST = /* GraphQL */ `
  query Forecast($id: ID!, $at: DateTime!) {
    node(id: $id) { ... on Model { costForecast(days: 30, historyDays: 28, monthlyBudgetUsd: 500, at: $at) {
      forecastUsd forecastLowUsd forecastHighUsd budgetCrossedOn
    } } }
  }
`;

const TRACK = /* GraphQL */ `
  mutation Track($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) { __typename ... on InferenceTrackPayload { recorded } ... on Error { message path } }
  }
`;

function d1Size(persistTo: string): { file: string; bytes: number } {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sqlite'))
    .map((name) => ({ file: join(dir, name), bytes: statSync(join(dir, name)).size }))
    .sort((a, b) => b.bytes - a.bytes);
  if (!files[0]) throw new Error(`No .sqlite file in ${dir}`);
  return files[0];
}

async function run(context: ScenarioContext) {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const { orgId, userId } = context.seed;
  const clock = new Uuid7Clock();
  const now = Date.now();
  // The 30-day window ends an hour ago, so every row is in the past.
  const endMs = Math.floor((now - 3600_000) / 1000) * 1000;
  const startMs = endMs - DAYS * DAY_MS;
  const setupAt = startMs - DAY_MS;
  const sql = new SqlWriter();
  const deployment = clock.next(setupAt);
  sql.insert('deployment', {
    id: deployment.id,
    org_id: orgId,
    name: 'bench-prod',
    environment: 'production',
    description: null,
    endpoint_url: null,
    region: null,
    metadata: null,
    created_at: iso(deployment.ms),
    created_by: userId,
  });
  const experiment = clock.next(setupAt);
  sql.insert('experiment', {
    id: experiment.id,
    org_id: orgId,
    name: 'bench-ab',
    description: null,
    metadata: null,
    created_at: iso(experiment.ms),
    created_by: userId,
  });
  const models: { id: string; versionId: string; name: string; provider: string }[] = [];
  for (let m = 0; m < size.models; m++) {
    const model = clock.next(setupAt);
    const version = clock.next(setupAt);
    const provider = PROVIDERS[m % PROVIDERS.length] as string;
    const name = `bench-llm-${String(m).padStart(2, '0')}`;
    sql.insert('model', {
      id: model.id,
      org_id: orgId,
      name,
      description: null,
      tags: '["bench"]',
      metadata: null,
      provider,
      framework: null,
      model_type: 'llm',
      status: 'ACTIVE',
      created_at: iso(model.ms),
      created_by: userId,
      updated_at: iso(model.ms),
    });
    models.push({ id: model.id, versionId: version.id, name, provider });
  }
  for (const [m, model] of models.entries()) {
    sql.insert('model_version', {
      id: model.versionId,
      org_id: orgId,
      model_id: model.id,
      version: '1.0.0',
      description: null,
      metadata: null,
      created_at: iso(setupAt),
      created_by: userId,
    });
    void m;
  }
  const setup = await context.execSql('usage-setup', sql.toSql());
  context.log(`Loaded ${size.models} models, a deployment and an experiment (${ms(setup.ms)})`);

  const loads: { ms: number; rows: number }[] = [];
  // Four models per file: each file is one wrangler d1 execute.
  for (let first = 0; first < size.models; first += 4) {
    const statements = models.slice(first, first + 4).map((model, offset) =>
      modelRowsSql({
        m: first + offset,
        rows: size.rowsPerModel,
        startMs,
        orgId,
        userId,
        modelId: model.id,
        versionId: model.versionId,
        deploymentId: deployment.id,
        experimentId: first + offset < ARMS ? experiment.id : null,
        provider: model.provider,
      }),
    );
    const load = await context.execSql(`usage-rows-${first}`, statements.join('\n'));
    loads.push({ ms: load.ms, rows: statements.length * size.rowsPerModel });
    context.log(
      `Generated ${statements.length * size.rowsPerModel} requests in SQLite (${ms(load.ms)})`,
    );
  }
  const totalRows = size.models * size.rowsPerModel;
  const loadMs = loads.reduce((sum, l) => sum + l.ms, 0);
  const storage = d1Size(context.persistTo);
  const { rollupRows, histogramRows } = await countHourlyRows(context);
  context.log(
    `${totalRows} rows loaded in ${ms(loadMs)}; D1 file ${(storage.bytes / 1048576).toFixed(1)} MiB`,
  );

  const range = { from: iso(startMs), to: iso(endMs + 1000) };
  // Short ranges at the end of the 30 days: the histogram's rank reads walk a bucket's requests of
  // the model's whole history (filtered by time), the raw path only the range's.
  const lastHour = { from: iso(endMs - 3_600_000), to: iso(endMs + 1000) };
  const lastDay = { from: iso(endMs - 86_400_000), to: iso(endMs + 1000) };
  const modelId = (m: number) => encodeGlobalId('Model', models[m]?.id as string);

  // The latency answers of one phase (all 20 models, the experiment's arms) as one string: the
  // rollup phase's must be the raw phase's to the last bit (JSON numbers round-trip exactly).
  const latencyAnswers = async (client: Client) => {
    const all = await client.request<{
      models: { edges: { node: { name: string; usage: { latency: unknown } } }[] };
    }>(USAGE_ALL, range);
    const ab = await client.request<{ abTestCompare: { arms: { latency: unknown }[] } }>(AB, {
      experimentId: encodeGlobalId('Experiment', experiment.id),
      ...range,
    });
    // The short ranges' exact figures (mean and variance come from sums: compared elsewhere).
    const short = [];
    for (const window of [lastHour, lastDay]) {
      const answer = await client.request<{
        node: { usage: { latency: { count: number; p50: number; p95: number; p99: number } } };
      }>(USAGE, { id: modelId(0), ...window });
      const { count, p50, p95, p99 } = answer.data.node.usage.latency;
      short.push({ count, p50, p95, p99 });
    }
    return JSON.stringify({
      short,
      models: all.data.models.edges.map((e) => [e.node.name, e.node.usage.latency]),
      arms: ab.data.abTestCompare.arms.map((arm) => arm.latency),
    });
  };

  // Correctness first: the API's answers for model 0 and an unpriced model equal the formulas.
  const checkExact = async (client: Client, phase: string) => {
    const checks: string[] = [];
    for (const m of [0, UNPRICED_FROM]) {
      const want = expected(m, size.rowsPerModel);
      interface UsageAnswer {
        requests: number;
        totalCostUsd: number | null;
        unpricedRequests: number;
        latency: { p50: number | null; p95: number | null; p99: number | null };
      }
      const got = (
        await client.request<{ node: { usage: UsageAnswer } }>(USAGE, {
          id: modelId(m),
          ...range,
        })
      ).data.node.usage;
      const close = (a: number | null, b: number | null) =>
        a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
      const ok =
        got.requests === want.requests &&
        close(got.totalCostUsd, want.totalCostUsd) &&
        close(got.latency.p50, want.p50) &&
        close(got.latency.p95, want.p95) &&
        close(got.latency.p99, want.p99) &&
        got.unpricedRequests === (m >= UNPRICED_FROM ? want.requests : 0);
      checks.push(
        `${phase} model ${m}: ${ok ? 'exact' : 'MISMATCH'} (requests ${got.requests}, cost ${got.totalCostUsd}, p50/p95/p99 ${got.latency.p50}/${got.latency.p95}/${got.latency.p99}; expected ${want.requests}, ${want.totalCostUsd}, ${want.p50}/${want.p95}/${want.p99})`,
      );
      if (!ok) throw new Error(`usage of model ${m} is not exact: ${checks.at(-1)}`);
    }
    context.log(`Exactness: ${checks.join('; ')}`);
    return checks;
  };

  const measure = async (
    client: Client,
    label: string,
    query: string,
    variables: (i: number) => Record<string, unknown>,
    repeats = size.repeats,
  ) => {
    const times: number[] = [];
    const statements = new Set<number>();
    const failures: string[] = [];
    // A request over the client's 30 s limit (the raw reads on a loaded machine) is recorded as
    // a failure instead of ending the run; three in a row end this measurement.
    const attempt = async (i: number) => {
      try {
        const result = await client.request(query, variables(i));
        return result;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
        return null;
      }
    };
    await attempt(0); // warm-up
    for (let i = 0; i < repeats && failures.length < 3; i++) {
      const result = await attempt(i);
      if (!result) continue;
      times.push(result.ms);
      statements.add(result.statements);
    }
    const summary = times.length ? summarize(times) : null;
    context.log(
      `${label}: ${summary ? `p50 ${ms(summary.p50)}, max ${ms(summary.max)}` : 'no answer'}${failures.length ? ` (${failures.length} failed: ${failures[0]})` : ''}`,
    );
    return { label, summary, failures, statements: [...statements] };
  };

  const readAll = async (client: Client) => {
    const reads = [];
    reads.push(
      await measure(
        client,
        `abTestCompare, 3 arms by experimentId (${(3 * size.rowsPerModel).toLocaleString('en')} requests)`,
        AB,
        () => ({ experimentId: encodeGlobalId('Experiment', experiment.id), ...range }),
      ),
    );
    reads.push(
      await measure(client, 'usageTrends DAY, 30 days, one model', TRENDS, (i) => ({
        id: modelId(i % 20),
        ...range,
      })),
    );
    reads.push(
      await measure(client, 'costForecast, 28 days of history, one model', FORECAST, (i) => ({
        id: modelId(i % UNPRICED_FROM),
        at: iso(endMs),
      })),
    );
    reads.push(
      await measure(
        client,
        `Model.usage, 30 days, one model (${size.rowsPerModel.toLocaleString('en')} requests)`,
        USAGE,
        (i) => ({ id: modelId(i % UNPRICED_FROM), ...range }),
      ),
    );
    reads.push(
      await measure(client, 'Model.usage, last hour of the 30 days, one model', USAGE, (i) => ({
        id: modelId(i % UNPRICED_FROM),
        ...lastHour,
      })),
    );
    reads.push(
      await measure(client, 'Model.usage, last day of the 30 days, one model', USAGE, (i) => ({
        id: modelId(i % UNPRICED_FROM),
        ...lastDay,
      })),
    );
    reads.push(
      await measure(
        client,
        `Model.usage without latency, 30 days, one model`,
        USAGE_NO_LATENCY,
        (i) => ({ id: modelId(i % UNPRICED_FROM), ...range }),
      ),
    );
    reads.push(
      await measure(
        client,
        `abTestCompare, 3 arms by modelIds (${(3 * size.rowsPerModel).toLocaleString('en')} requests)`,
        AB,
        () => ({ modelIds: [0, 1, 2].map(modelId), ...range }),
      ),
    );
    reads.push(
      await measure(
        client,
        `usage of all 20 models in one query (${totalRows.toLocaleString('en')} requests)`,
        USAGE_ALL,
        () => range,
      ),
    );
    reads.push(
      await measure(
        client,
        'usage of all 20 models, totals only (no latency percentiles)',
        USAGE_ALL_TOTALS,
        () => range,
      ),
    );
    return reads;
  };

  // Before: the raw-row reads (USAGE_ROLLUP=off), on the same data and the same code.
  const rawServer = await context.startServer('usage-raw', { USAGE_ROLLUP: 'off' });
  let before: Awaited<ReturnType<typeof readAll>>;
  let checksBefore: string[];
  let latencyRaw: string;
  try {
    checksBefore = await checkExact(rawServer.client, 'raw');
    latencyRaw = await latencyAnswers(rawServer.client);
    before = await readAll(rawServer.client);
  } finally {
    await context.stopServer();
  }

  // After: the hourly rollup and the latency histogram.
  const { client, coldStart } = await context.startServer('usage');
  const checksAfter = await checkExact(client, 'rollup');
  const latencyRollup = await latencyAnswers(client);
  if (latencyRollup !== latencyRaw) {
    throw new Error(`Histogram latency answers differ from raw: ${latencyRollup} vs ${latencyRaw}`);
  }
  checksAfter.push(
    'latency p50/p95/p99 of all 20 models and of the 3 experiment arms: rollup == raw, bit for bit',
  );
  context.log(checksAfter.at(-1) as string);
  const after = await readAll(client);

  // Writes: batches of 1,000 requests through the API (the rollup trigger runs on each insert).
  const writeTimes: number[] = [];
  const writeStatements = new Set<number>();
  for (let b = 0; b < size.writeBatches; b++) {
    const requests = Array.from({ length: 1000 }, (_, k) => ({
      modelId: modelId(k % 20),
      provider: 'openai',
      providerModel: 'bench-write',
      latencyMs: 100 + k,
      inputTokens: 100,
      outputTokens: 50,
      costUsd: 0.001,
      quality: 0.7,
      status: 'SUCCESS',
      idempotencyKey: `write-${b}-${k}`,
    }));
    const result = await client.request<{
      inferenceTrack: { __typename: string; recorded?: number };
    }>(TRACK, { input: { requests } });
    if (result.data.inferenceTrack.recorded !== 1000) {
      throw new Error(`inferenceTrack: ${JSON.stringify(result.data.inferenceTrack)}`);
    }
    writeTimes.push(result.ms);
    writeStatements.add(result.statements);
  }
  const writes = summarize(writeTimes);
  await context.stopServer();
  const sizeAfterWrites = d1Size(context.persistTo);
  const triggers = await triggerCost(context, size.rowsPerModel);

  const rowsTable = table(
    [
      'request (client-side, sequential, warm)',
      'raw p50',
      'rollup p50',
      'rollup p90',
      'rollup max',
      'raw/rollup',
      'n',
      'D1 statements raw / rollup',
    ],
    [
      ...after.map((r, i) => {
        const b = before[i] as (typeof before)[number];
        const p50 = (m: typeof r) =>
          m.summary ? ms(m.summary.p50) : `> 30 s (${m.failures.length} timed out)`;
        return [
          r.label,
          p50(b),
          p50(r),
          r.summary ? ms(r.summary.p90) : '',
          r.summary ? ms(r.summary.max) : '',
          b.summary && r.summary ? `${(b.summary.p50 / r.summary.p50).toFixed(1)}x` : '',
          `${r.summary?.n ?? 0}${b.failures.length || r.failures.length ? ` (failed raw ${b.failures.length}, rollup ${r.failures.length})` : ''}`,
          `${b.statements.join(', ')} / ${r.statements.join(', ')}`,
        ];
      }),
      [
        'inferenceTrack, batch of 1,000 requests (rollup trigger on)',
        '',
        ms(writes.p50),
        ms(writes.p90),
        ms(writes.max),
        '',
        String(writes.n),
        [...writeStatements].join(', '),
      ],
    ],
  );
  const checks = [...checksBefore, ...checksAfter];
  const report = [
    `Data: ${totalRows.toLocaleString('en')} inference_request rows, ${size.models} models, ${DAYS} days; generated in SQLite in ${ms(loadMs)} (rollup kept by the insert trigger).`,
    `D1 storage: ${(storage.bytes / 1048576).toFixed(1)} MiB (${storage.bytes} bytes, the local SQLite file before the API writes); ${rollupRows} usage_rollup_hourly rows, ${histogramRows} usage_latency_hourly rows.`,
    `Insert cost of ${size.rowsPerModel.toLocaleString('en')} rows (one model, node:sqlite on a scratch file, outside workerd): ${triggers.map((t) => `${t.variant} ${ms(t.ms)} (${(t.bytes / 1048576).toFixed(1)} MiB)`).join('; ')}.`,
    `Exactness: ${checks.join('; ')}.`,
    rowsTable,
    `wrangler dev start: first answer ${ms(coldStart.spawnToFirstResponseMs)} after spawn.`,
  ].join('\n');
  return {
    report,
    results: {
      rows: totalRows,
      models: size.models,
      loadMs,
      loads,
      storageBytes: storage.bytes,
      storageBytesAfterWrites: sizeAfterWrites.bytes,
      rollupRows,
      histogramRows,
      triggerCost: triggers,
      exactness: checks,
      readsRaw: before,
      reads: after,
      writes: { summary: writes, statements: [...writeStatements] },
      coldStart,
    },
  };
}

export const scenario: Scenario = {
  name: 'usage',
  description:
    '1,000,000 LLM requests across 20 models: usage, abTestCompare, trends, forecast, writes',
  skipStartup: true,
  run,
};

/** Rows of the rollup and the latency histogram, read from the local D1 file (server stopped). */
async function countHourlyRows(
  context: ScenarioContext,
): Promise<{ rollupRows: number; histogramRows: number }> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(d1Size(context.persistTo).file, { readOnly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      rollupRows: count('usage_rollup_hourly'),
      histogramRows: count('usage_latency_hourly'),
    };
  } finally {
    db.close();
  }
}

/**
 * What the usage triggers cost an insert: one model's rows (the scenario's generator) into a
 * scratch SQLite file with every migration applied, three times: without the usage triggers and
 * the histogram's index, with the rollup of 0006 only, and with 0006 + 0008 (as deployed). Foreign
 * keys are off, so no parent rows are needed.
 */
async function triggerCost(context: ScenarioContext, rows: number) {
  const { DatabaseSync } = await import('node:sqlite');
  const dir = join(REPO_ROOT, 'migrations');
  const migrations = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
  const variants = [
    {
      variant: 'no usage triggers',
      drop: [
        'DROP TRIGGER usage_rollup_hourly_insert',
        'DROP TRIGGER usage_latency_hourly_insert',
        'DROP INDEX inference_request_model_latency',
      ],
    },
    {
      variant: 'rollup (0006)',
      drop: [
        'DROP TRIGGER usage_latency_hourly_insert',
        'DROP INDEX inference_request_model_latency',
      ],
    },
    { variant: 'rollup + histogram (0006 + 0008)', drop: [] },
  ];
  const out: { variant: string; ms: number; bytes: number }[] = [];
  for (const { variant, drop } of variants) {
    const scratch = mkdtempSync(join(tmpdir(), 'usage-triggers-'));
    try {
      const file = join(scratch, 'db.sqlite');
      const db = new DatabaseSync(file, { enableForeignKeyConstraints: false });
      for (const migration of migrations) db.exec(migration);
      for (const statement of drop) db.exec(statement);
      const insert = modelRowsSql({
        m: 0,
        rows,
        startMs: Date.UTC(2026, 0, 1),
        orgId: 'org',
        userId: 'user',
        modelId: 'model',
        versionId: 'version',
        deploymentId: 'deployment',
        experimentId: 'experiment',
        provider: 'openai',
      });
      const started = performance.now();
      db.exec(insert);
      const took = performance.now() - started;
      db.close();
      out.push({ variant, ms: took, bytes: statSync(file).size });
      context.log(`Insert ${rows} rows, ${variant}: ${ms(took)}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return out;
}

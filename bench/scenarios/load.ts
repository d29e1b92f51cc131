// load: 10,000 writes (inferenceTrack and metricsRecord, half each) at 50 concurrent against
// `wrangler dev`, with deliberate retries, and a check that nothing was lost or doubled.
//
// Each logical write carries an idempotency key (inferenceTrack: the request's own key;
// metricsRecord: input.idempotencyKey). 10% of them are deliberately sent twice with the same key
// and input: half of those concurrently with the original, half after it answered. 2% of sends are
// cut off by the client a few milliseconds after sending (a network error: the server may or may
// not have committed), then retried with the same key. A 429 is retried after its Retry-After (the
// per-token rate limit; the default local config has it off, `RATE_LIMIT` var). Afterwards the
// stored counts and sums are read through the API and compared with exactly what was sent, and the
// D1 file is read directly to check that no key was stored twice.
//
// Bounded: 10,000 logical writes (quick: 1,000), at most 4 sends per write, a 30 s timeout per
// request, and the runner's overall time limit; loopback only (the runner's wrangler dev listens on
// 127.0.0.1).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, table } from '../lib/stats.ts';

const SIZES = { full: { writes: 10_000 }, quick: { writes: 1_000 } };
const CONCURRENCY = 50;
const MODELS = 4;
/** Share of writes deliberately sent twice; half of those concurrently with the original. */
const DUPLICATE_SHARE = 0.1;
/** Share of sends the client cuts off a few ms after sending, then retries with the same key. */
const CUT_OFF_SHARE = 0.02;
const MAX_SENDS_PER_WRITE = 4;
const REQUEST_TIMEOUT_MS = 30_000;
/** Longest wait honoured from a Retry-After header. */
const MAX_RETRY_AFTER_S = 10;

const INFERENCE_TRACK = /* GraphQL */ `
  mutation LoadInferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded tracked { deduplicated request { id } } }
      ... on Error { message path }
    }
  }
`;

const METRICS_RECORD = /* GraphQL */ `
  mutation LoadMetricsRecord($input: MetricsRecordInput!) {
    metricsRecord(input: $input) {
      __typename
      ... on MetricsRecordPayload { recorded }
      ... on Error { message path }
    }
  }
`;

const READ_BACK = /* GraphQL */ `
  query LoadReadBack($from: DateTime!, $to: DateTime!) {
    models(first: 10) { edges { node { id name
      usage(from: $from, to: $to) { requests inputTokens outputTokens totalCostUsd latency { count mean } }
      metricStats(type: LATENCY, from: $from, to: $to) { count mean min max }
    } } }
  }
`;

/** Seeded PRNG (mulberry32): the same run sends the same writes. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Write {
  index: number;
  kind: 'inference' | 'metric';
  model: number;
  query: string;
  input: Record<string, unknown>;
  /** Values summed on read-back: all integers (or multiples of 1/1024), so sums are exact. */
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  metricValue: number;
  duplicate: 'none' | 'concurrent' | 'after';
}

interface SendOutcome {
  ms: number;
  status: number | 'network-error' | 'cut-off';
  typename?: string;
  ids?: string;
}

interface Tally {
  sends: number;
  networkErrors: number;
  cutOffs: number;
  rateLimited: number;
  retries: number;
  duplicatesSent: number;
  failures: string[];
  latencies: number[];
  /** For each write key, the ids of every successful answer (all must be equal). */
  answers: Map<string, Set<string>>;
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ??
    Number.NaN
  );
}

async function run(context: ScenarioContext) {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const { server, client, coldStart } = await context.startServer('load');
  const url = server.url;
  const runId = Date.now().toString(36);

  // Models and versions through the API, like any client.
  const models: { id: string; versionId: string }[] = [];
  for (let m = 0; m < MODELS; m++) {
    const registered = await client.request<{ modelRegister: { model: { id: string } } }>(
      'mutation($input: ModelRegisterInput!) { modelRegister(input: $input) { ... on ModelRegisterPayload { model { id } } ... on Error { message } } }',
      { input: { name: `load-model-${m}` } },
    );
    const modelId = registered.data.modelRegister.model.id;
    const version = await client.request<{
      modelVersionCreate: { modelVersion: { id: string } };
    }>(
      'mutation($input: ModelVersionCreateInput!) { modelVersionCreate(input: $input) { ... on ModelVersionCreatePayload { modelVersion { id } } ... on Error { message } } }',
      { input: { modelId, version: '1.0.0' } },
    );
    models.push({ id: modelId, versionId: version.data.modelVersionCreate.modelVersion.id });
  }

  // Every write, decided up front (seeded). Timestamps in the past hour, so all are readable.
  const random = prng(20261126);
  const windowEnd = Date.now() - 1000;
  const windowStart = windowEnd - 3600_000;
  const writes: Write[] = [];
  for (let index = 0; index < size.writes; index++) {
    const kind = index % 2 === 0 ? 'inference' : 'metric';
    const model = Math.floor(random() * MODELS);
    const timestamp = new Date(windowStart + Math.floor(random() * 3_500_000)).toISOString();
    const latencyMs = 50 + Math.floor(random() * 2000);
    const inputTokens = 10 + Math.floor(random() * 5000);
    const outputTokens = 1 + Math.floor(random() * 1000);
    const costUsd = Math.floor(random() * 1024) / 1024;
    const metricValue = 1 + Math.floor(random() * 1000);
    const roll = random();
    const duplicate =
      roll < DUPLICATE_SHARE / 2 ? 'concurrent' : roll < DUPLICATE_SHARE ? 'after' : 'none';
    const key = `load-${runId}-${index}`;
    const target = models[model] as { id: string; versionId: string };
    const input =
      kind === 'inference'
        ? {
            request: {
              modelId: target.id,
              versionId: target.versionId,
              provider: 'bench',
              providerModel: `bench-llm-${model}`,
              latencyMs,
              inputTokens,
              outputTokens,
              costUsd,
              status: 'SUCCESS',
              idempotencyKey: key,
              timestamp,
            },
          }
        : {
            points: [
              { versionId: target.versionId, type: 'LATENCY', value: metricValue, timestamp },
            ],
            idempotencyKey: key,
          };
    writes.push({
      index,
      kind,
      model,
      query: kind === 'inference' ? INFERENCE_TRACK : METRICS_RECORD,
      input,
      latencyMs,
      inputTokens,
      outputTokens,
      costUsd,
      metricValue,
      duplicate,
    });
  }

  const tally: Tally = {
    sends: 0,
    networkErrors: 0,
    cutOffs: 0,
    rateLimited: 0,
    retries: 0,
    duplicatesSent: 0,
    failures: [],
    latencies: [],
    answers: new Map(),
  };
  const cutOffRandom = prng(7);

  /** One HTTP send; a cut-off is a deliberate client-side abort shortly after sending. */
  async function sendOnce(write: Write): Promise<SendOutcome & { retryAfterS?: number }> {
    tally.sends += 1;
    const cutOff = cutOffRandom() < CUT_OFF_SHARE;
    const signal = AbortSignal.any([
      context.signal,
      AbortSignal.timeout(cutOff ? 1 + Math.floor(cutOffRandom() * 5) : REQUEST_TIMEOUT_MS),
    ]);
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${context.seed.token}`,
        },
        body: JSON.stringify({ query: write.query, variables: { input: write.input } }),
        signal,
      });
      const text = await response.text();
      const elapsed = performance.now() - started;
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after') ?? '1');
        return {
          ms: elapsed,
          status: 429,
          retryAfterS: Number.isFinite(retryAfter) ? retryAfter : 1,
        };
      }
      const body = JSON.parse(text) as {
        data?: Record<string, { __typename: string; tracked?: { request: { id: string } }[] }>;
      };
      const field = body.data?.[write.kind === 'inference' ? 'inferenceTrack' : 'metricsRecord'];
      return {
        ms: elapsed,
        status: response.status,
        typename: field?.__typename ?? `errors: ${text.slice(0, 200)}`,
        ids: field?.tracked ? field.tracked.map((t) => t.request.id).join(',') : 'metrics',
      };
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      return {
        ms: performance.now() - started,
        status: cutOff ? 'cut-off' : 'network-error',
        typename: String(error),
      };
    }
  }

  /** Sends a write until it has an answer: 429 waits Retry-After, errors retry, same key. */
  async function deliver(write: Write): Promise<void> {
    const key = `${write.index}`;
    for (let attempt = 1; attempt <= MAX_SENDS_PER_WRITE + 3; attempt++) {
      if (attempt > 1) tally.retries += 1;
      const outcome = await sendOnce(write);
      if (outcome.status === 429) {
        tally.rateLimited += 1;
        const waitS = Math.min(MAX_RETRY_AFTER_S, Math.max(0, outcome.retryAfterS ?? 1));
        await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
        continue;
      }
      if (outcome.status === 'cut-off' || outcome.status === 'network-error') {
        if (outcome.status === 'cut-off') tally.cutOffs += 1;
        else tally.networkErrors += 1;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        continue;
      }
      tally.latencies.push(outcome.ms);
      const ok =
        outcome.status === 200 &&
        (outcome.typename === 'InferenceTrackPayload' ||
          outcome.typename === 'MetricsRecordPayload');
      if (!ok) {
        tally.failures.push(`#${write.index}: HTTP ${outcome.status} ${outcome.typename}`);
        return;
      }
      const seen = tally.answers.get(key) ?? new Set<string>();
      seen.add(outcome.ids ?? '');
      tally.answers.set(key, seen);
      return;
    }
    tally.failures.push(`#${write.index}: no answer after ${MAX_SENDS_PER_WRITE + 3} sends`);
  }

  async function perform(write: Write): Promise<void> {
    if (write.duplicate === 'concurrent') {
      tally.duplicatesSent += 1;
      await Promise.all([deliver(write), deliver(write)]);
    } else {
      await deliver(write);
      if (write.duplicate === 'after') {
        tally.duplicatesSent += 1;
        await deliver(write);
      }
    }
  }

  context.log(
    `Sending ${size.writes} writes at ${CONCURRENCY} concurrent (${writes.filter((w) => w.duplicate !== 'none').length} deliberately duplicated)`,
  );
  let next = 0;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < writes.length) {
        const write = writes[next++] as Write;
        await perform(write);
        done += 1;
        if (done % 500 === 0) {
          context.log(
            `${done} writes answered, ${tally.sends} requests, ${ms(performance.now() - started)}`,
          );
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  context.log(`Sent ${tally.sends} requests in ${ms(elapsedMs)}`);

  // Expected, from what was sent (each logical write once).
  const expected = Array.from({ length: MODELS }, () => ({
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencySum: 0,
    points: 0,
    metricSum: 0,
  }));
  for (const write of writes) {
    const e = expected[write.model] as (typeof expected)[number];
    if (write.kind === 'inference') {
      e.requests += 1;
      e.inputTokens += write.inputTokens;
      e.outputTokens += write.outputTokens;
      e.costUsd += write.costUsd;
      e.latencySum += write.latencyMs;
    } else {
      e.points += 1;
      e.metricSum += write.metricValue;
    }
  }

  // Read back through the API.
  const readBack = await client.request<{
    models: {
      edges: {
        node: {
          id: string;
          name: string;
          usage: {
            requests: number;
            inputTokens: number;
            outputTokens: number;
            totalCostUsd: number | null;
            latency: { count: number; mean: number | null };
          };
          metricStats: { count: number; mean: number | null };
        };
      }[];
    };
  }>(READ_BACK, {
    from: new Date(windowStart - 60_000).toISOString(),
    to: new Date(Date.now() + 1000).toISOString(),
  });
  const checks: { what: string; expected: string; stored: string; ok: boolean }[] = [];
  const check = (what: string, want: number, got: number | null | undefined, exact = true) => {
    const ok = exact
      ? got === want
      : got !== null && got !== undefined && Math.abs(got - want) < 1e-6;
    checks.push({ what, expected: String(want), stored: String(got), ok });
  };
  for (let m = 0; m < MODELS; m++) {
    const node = readBack.data.models.edges.find((edge) => edge.node.id === models[m]?.id)?.node;
    const e = expected[m] as (typeof expected)[number];
    check(`model ${m} inference requests`, e.requests, node?.usage.requests);
    check(`model ${m} input tokens`, e.inputTokens, node?.usage.inputTokens);
    check(`model ${m} output tokens`, e.outputTokens, node?.usage.outputTokens);
    check(`model ${m} cost USD (sum of k/1024)`, e.costUsd, node?.usage.totalCostUsd);
    check(
      `model ${m} latency sum (count x mean, rounded)`,
      e.latencySum,
      node ? Math.round(node.usage.latency.count * (node.usage.latency.mean ?? 0)) : null,
    );
    check(`model ${m} metric points`, e.points, node?.metricStats.count);
    check(
      `model ${m} metric value sum (count x mean, rounded)`,
      e.metricSum,
      node ? Math.round(node.metricStats.count * (node.metricStats.mean ?? 0)) : null,
    );
  }
  const inconsistentAnswers = [...tally.answers.values()].filter((ids) => ids.size !== 1).length;
  checks.push({
    what: 'every answer to one key carried the same ids',
    expected: '0 keys with differing answers',
    stored: `${inconsistentAnswers}`,
    ok: inconsistentAnswers === 0,
  });

  await context.stopServer();

  // Straight from the D1 file: no key stored twice, and exact sums without the API's floats.
  const { DatabaseSync } = await import('node:sqlite');
  // workerd may still be letting go of the file (a large WAL after 10,000 writes): wait for its
  // lock instead of failing the run ("database is locked").
  const db = new DatabaseSync(d1File(context.persistTo), { readOnly: true, timeout: 30_000 });
  try {
    const inference = db
      .prepare(
        `SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys, sum(latency_ms) AS latency,
                sum(input_tokens) AS input, sum(output_tokens) AS output
           FROM inference_request WHERE idempotency_key LIKE ?`,
      )
      .get(`load-${runId}-%`) as Record<string, number>;
    const points = db
      .prepare(
        `SELECT count(*) AS n, sum(value) AS total FROM metric_point WHERE metric = 'LATENCY'`,
      )
      .get() as Record<string, number>;
    const keys = db
      .prepare(
        `SELECT count(*) AS n, count(DISTINCT key) AS distinct_keys FROM idempotency_key
          WHERE scope = 'metricsRecord' AND key LIKE ?`,
      )
      .get(`load-${runId}-%`) as Record<string, number>;
    const sum = (f: (e: (typeof expected)[number]) => number) =>
      expected.reduce((total, e) => total + f(e), 0);
    check(
      'D1: inference rows',
      sum((e) => e.requests),
      inference.n,
    );
    check('D1: distinct inference keys = rows (no duplicates)', inference.n, inference.keys);
    check(
      'D1: inference latency sum',
      sum((e) => e.latencySum),
      inference.latency,
    );
    check(
      'D1: input tokens sum',
      sum((e) => e.inputTokens),
      inference.input,
    );
    check(
      'D1: output tokens sum',
      sum((e) => e.outputTokens),
      inference.output,
    );
    check(
      'D1: metric points',
      sum((e) => e.points),
      points.n,
    );
    check(
      'D1: metric value sum',
      sum((e) => e.metricSum),
      points.total,
    );
    check(
      'D1: metricsRecord keys = points (no duplicates)',
      sum((e) => e.points),
      keys.n,
    );
    check('D1: distinct metricsRecord keys', keys.n, keys.distinct_keys);
  } finally {
    db.close();
  }

  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const allOk = checks.every((c) => c.ok) && tally.failures.length === 0;
  const summary = {
    writes: size.writes,
    concurrency: CONCURRENCY,
    httpRequests: tally.sends,
    elapsedMs: Math.round(elapsedMs),
    throughputPerS: Math.round((tally.sends / elapsedMs) * 1000 * 10) / 10,
    writesPerS: Math.round((size.writes / elapsedMs) * 1000 * 10) / 10,
    latencyMs: {
      n: sorted.length,
      p50: Math.round(pct(sorted, 50) * 10) / 10,
      p95: Math.round(pct(sorted, 95) * 10) / 10,
      p99: Math.round(pct(sorted, 99) * 10) / 10,
      max: Math.round((sorted.at(-1) ?? Number.NaN) * 10) / 10,
    },
    deliberateDuplicates: tally.duplicatesSent,
    retries: tally.retries,
    cutOffs: tally.cutOffs,
    networkErrors: tally.networkErrors,
    rateLimited429: tally.rateLimited,
    failures: tally.failures.slice(0, 20),
    failureCount: tally.failures.length,
    exactMatch: allOk,
  };
  const report = [
    `Load: ${size.writes} writes (inferenceTrack / metricsRecord, half each), ${CONCURRENCY} concurrent`,
    table(
      ['measure', 'value'],
      [
        ['HTTP requests sent', String(summary.httpRequests)],
        ['elapsed', ms(elapsedMs)],
        ['throughput', `${summary.throughputPerS} requests/s (${summary.writesPerS} writes/s)`],
        [
          'latency of answered requests',
          `p50 ${ms(summary.latencyMs.p50)}, p95 ${ms(summary.latencyMs.p95)}, p99 ${ms(summary.latencyMs.p99)}, max ${ms(summary.latencyMs.max)}`,
        ],
        ['deliberate duplicates (same key and input)', String(summary.deliberateDuplicates)],
        ['client cut-offs (retried with the same key)', String(summary.cutOffs)],
        ['network errors (retried)', String(summary.networkErrors)],
        ['429 answers (retried after Retry-After)', String(summary.rateLimited429)],
        ['retries in all', String(summary.retries)],
        ['failed writes', String(summary.failureCount)],
      ],
    ),
    '',
    'Stored versus sent',
    table(
      ['check', 'expected', 'stored', 'ok'],
      checks.map((c) => [c.what, c.expected, c.stored, c.ok ? 'yes' : 'NO']),
    ),
    '',
    allOk ? 'EXACT MATCH: nothing lost, nothing doubled.' : 'MISMATCH: see the rows marked NO.',
  ].join('\n');
  if (!allOk) process.exitCode = 1;
  return { report, results: { coldStart, summary, checks } };
}

function d1File(persistTo: string): string {
  const dir = join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const [largest] = readdirSync(dir)
    .filter((name) => name.endsWith('.sqlite'))
    .map((name) => ({ file: join(dir, name), bytes: statSync(join(dir, name)).size }))
    .sort((a, b) => b.bytes - a.bytes);
  if (!largest) throw new Error(`No .sqlite file in ${dir}`);
  return largest.file;
}

export const scenario: Scenario = {
  name: 'load',
  description:
    '10,000 inferenceTrack + metricsRecord writes at 50 concurrent with retries: nothing lost or doubled',
  skipStartup: true,
  run,
};

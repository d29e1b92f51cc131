// tracking: what one tracked LLM request costs against a control Worker doing the same inserts,
// and what the batched form sustains (issue 20 section 3). In one run, one server at a time on the
// same D1 file:
//
//   1. the registry: POST /api/vibe/track (the seed's REST body, cost in the body) and GraphQL
//      inferenceTrack(input: { request }) at 20 concurrent, 1,000 requests each after a warm-up;
//   2. the control (bench/controls/track-control.ts): the same token lookup and the same insert in
//      one D1 batch, nothing else, same requests;
//   3. the registry again (REST), to see how much the machine drifted between 1 and 3;
//   4. the batched form: inferenceTrack(input: { requests }) with 1,000 requests per call at 8
//      concurrent, 50,000 requests (10,000 with --quick), and its REST twin POST /api/vibe/track
//      with { requests: [...] }.
//
// Every request must be answered 201/200 without errors and the model's usage must count each
// request once; the report gives requests per second, p50/p99 latency, the D1 statements of one
// tracked request, and the ratios registry / control.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Db } from '../../src/db/db.ts';
import {
  insertInferenceRequests,
  REQUESTS_PER_STATEMENT,
} from '../../src/registry/usage/usage.repository.ts';
import type { InferenceRequestTable } from '../../src/registry/usage/usage.table.ts';
import { decodeGlobalId } from '../lib/graphql.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { compilingKysely } from '../lib/sqlite-compiler.ts';
import { copyD1File, findD1File } from '../lib/sqlite-raw.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { pool, registerModel, usageRequests } from '../lib/tracked.ts';
import { type DevServer, REPO_ROOT, startDev } from '../lib/wrangler.ts';

const SINGLE = { requests: 1000, warmup: 100, concurrency: 20 };
const BATCHED = { full: 50_000, quick: 10_000, perCall: 1000, concurrency: 8 };
const CONTROL_CONFIG = join(REPO_ROOT, 'bench', 'controls', 'track-control.jsonc');

interface Phase {
  name: string;
  batched: boolean;
  wallMs: number;
  latencies: number[];
  requests: number;
}

function seedBody(modelId: string, index: number) {
  return {
    model_id: modelId,
    provider: 'openai',
    provider_model: 'gpt-4o-2024-08-06',
    latency_ms: 300 + (index % 500),
    tokens_input: 100 + (index % 900),
    tokens_output: 20 + (index % 300),
    cost_usd: 0.001,
  };
}

function graphqlRequest(modelId: string, index: number) {
  return {
    modelId,
    provider: 'openai',
    providerModel: 'gpt-4o-2024-08-06',
    latencyMs: 300 + (index % 500),
    inputTokens: 100 + (index % 900),
    outputTokens: 20 + (index % 300),
    costUsd: 0.001,
    status: 'SUCCESS',
  };
}

const TRACK_ONE =
  'mutation($input: InferenceTrackInput!) { inferenceTrack(input: $input) { __typename ... on InferenceTrackPayload { recorded } ... on Error { message } } }';

/**
 * The floor under everything: D1's one writer inserting the same rows with none of D1 around it.
 * On a copy of the run's D1 file (same schema, indexes and usage triggers, foreign keys on as D1
 * has them), Node's node:sqlite runs the registry's own insert statement: each row as a statement
 * of its own (a single tracked request), then rows in statements of 250 (a batched call).
 */
function writerFloor(context: ScenarioContext, modelId: string) {
  const file = join(context.workDir, 'writer-floor.sqlite');
  copyD1File(findD1File(context.persistTo), file);
  const sqlite = new DatabaseSync(file);
  sqlite.exec('PRAGMA foreign_keys = ON');
  const compiler = compilingKysely<Record<string, never>>() as unknown as Db;
  const now = new Date().toISOString();
  const row = (index: number): InferenceRequestTable => ({
    id: crypto.randomUUID(),
    org_id: context.seed.orgId,
    model_id: modelId,
    version_id: null,
    deployment_id: null,
    experiment_id: null,
    provider: 'openai',
    provider_model: 'gpt-4o-2024-08-06',
    latency_ms: 300 + (index % 500),
    input_tokens: 100 + (index % 900),
    output_tokens: 20 + (index % 300),
    cached_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.001,
    cost_source: 'PROVIDED',
    price_id: null,
    quality: null,
    status: 'SUCCESS',
    idempotency_key: null,
    request_hash: null,
    requested_at: new Date(Date.now() - (index % 3600) * 1000).toISOString(),
    created_at: now,
    created_by: context.seed.userId,
    trace_id: null,
    span_id: null,
    token_id: null,
    end_user_id: null,
  });
  const timed = (rows: number, perStatement: number) => {
    const statements = Array.from({ length: rows / perStatement }, (_, s) =>
      insertInferenceRequests(
        compiler,
        Array.from({ length: perStatement }, (_, i) => row(s * perStatement + i)),
      ),
    );
    const started = performance.now();
    for (const statement of statements) {
      sqlite.prepare(statement.sql).run(...(statement.parameters as (string | number | null)[]));
    }
    return { rows, perStatement, ms: performance.now() - started };
  };
  try {
    const single = timed(2000, 1);
    const batched = timed(50_000, REQUESTS_PER_STATEMENT);
    return [single, batched].map((result) => ({
      ...result,
      rowsPerSecond: result.rows / (result.ms / 1000),
    }));
  } finally {
    sqlite.close();
  }
}

async function run(context: ScenarioContext) {
  const token = context.seed.token;
  const failures: string[] = [];
  const phases: Phase[] = [];
  const post = async (url: string, body: unknown, expect: number): Promise<Response> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(60_000)]),
    });
    if (response.status !== expect && failures.length < 20) {
      const text = await response.clone().text();
      failures.push(`${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return response;
  };
  const measure = async (
    name: string,
    requests: number,
    concurrency: number,
    job: (index: number) => Promise<void>,
    options: { warmup?: number; perCall?: number } = {},
  ) => {
    const { warmup = 0, perCall = 1 } = options;
    if (warmup) await pool(warmup, concurrency, (index) => job(requests + index));
    const result = await pool(requests / perCall, concurrency, job);
    phases.push({ name, requests, batched: perCall > 1, ...result });
    context.log(`${name}: ${(requests / (result.wallMs / 1000)).toFixed(0)} requests/s`);
  };

  // 1. The registry, one request per call.
  const first = await context.startServer('tracking-registry');
  const origin = first.server.url.replace(/\/graphql$/, '');
  const runId = Date.now().toString(36);
  const restModel = await registerModel(first.client, `track-rest-${runId}`);
  const graphModel = await registerModel(first.client, `track-graphql-${runId}`);
  const batchModel = await registerModel(first.client, `track-batch-${runId}`);
  const restBatchModel = await registerModel(first.client, `track-rest-batch-${runId}`);
  const controlModel = await registerModel(first.client, `track-control-${runId}`);
  const statementsOf = async (response: Promise<Response>) =>
    Number((await response).headers.get('x-d1-statements'));
  const statements = {
    rest: await statementsOf(post(`${origin}/api/vibe/track`, seedBody(restModel, 0), 201)),
    graphql: await statementsOf(
      post(
        first.server.url,
        { query: TRACK_ONE, variables: { input: { request: graphqlRequest(graphModel, 0) } } },
        200,
      ),
    ),
  };
  const restJob = async (index: number) => {
    await (await post(`${origin}/api/vibe/track`, seedBody(restModel, index), 201)).arrayBuffer();
  };
  await measure('registry REST', SINGLE.requests, SINGLE.concurrency, restJob, {
    warmup: SINGLE.warmup,
  });
  await measure(
    'registry GraphQL',
    SINGLE.requests,
    SINGLE.concurrency,
    async (index) => {
      const response = await post(
        first.server.url,
        { query: TRACK_ONE, variables: { input: { request: graphqlRequest(graphModel, index) } } },
        200,
      );
      const answer = (await response.json()) as {
        data?: { inferenceTrack?: { recorded?: number } };
      };
      if (answer.data?.inferenceTrack?.recorded !== 1 && failures.length < 20) {
        failures.push(`inferenceTrack: ${JSON.stringify(answer).slice(0, 300)}`);
      }
    },
    { warmup: SINGLE.warmup },
  );
  await context.stopServer();

  // 2. The control, same D1 file, same requests.
  const control: DevServer = await startDev({
    persistTo: context.persistTo,
    logFile: join(context.workDir, 'wrangler-dev-track-control.log'),
    config: CONTROL_CONFIG,
    watchConfig: false,
  });
  try {
    const controlOrigin = `http://127.0.0.1:${control.port}`;
    const until = performance.now() + 120_000;
    for (;;) {
      if (control.exited() || performance.now() > until) {
        throw new Error(`control did not start:\n${control.log().slice(-2000)}`);
      }
      const ready = await fetch(`${controlOrigin}/ready`).then(
        (response) => response.status === 404,
        () => false,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The control takes the raw model id (it decodes nothing).
    const rawModel = decodeGlobalId(controlModel).id;
    await measure(
      'control (token lookup + 1-insert batch)',
      SINGLE.requests,
      SINGLE.concurrency,
      async (index) => {
        await (
          await post(`${controlOrigin}/track`, { ...seedBody(rawModel, index) }, 201)
        ).arrayBuffer();
      },
      { warmup: SINGLE.warmup },
    );
  } finally {
    await control.stop();
  }

  // 3. The registry again, then 4. the batched forms.
  const again = await context.startServer('tracking-registry-again');
  const againOrigin = again.server.url.replace(/\/graphql$/, '');
  const againRest = async (index: number) => {
    await (
      await post(`${againOrigin}/api/vibe/track`, seedBody(restModel, index), 201)
    ).arrayBuffer();
  };
  await measure('registry REST (again)', SINGLE.requests, SINGLE.concurrency, againRest, {
    warmup: SINGLE.warmup,
  });
  const batched = context.quick ? BATCHED.quick : BATCHED.full;
  await measure(
    'GraphQL batch of 1,000',
    batched,
    BATCHED.concurrency,
    async (call) => {
      const requests = Array.from({ length: BATCHED.perCall }, (_, index) =>
        graphqlRequest(batchModel, call * BATCHED.perCall + index),
      );
      const response = await post(
        again.server.url,
        { query: TRACK_ONE, variables: { input: { requests } } },
        200,
      );
      const answer = (await response.json()) as {
        data?: { inferenceTrack?: { recorded?: number } };
      };
      if (answer.data?.inferenceTrack?.recorded !== requests.length && failures.length < 20) {
        failures.push(`batch: ${JSON.stringify(answer).slice(0, 300)}`);
      }
    },
    { perCall: BATCHED.perCall },
  );
  await measure(
    'REST batch of 1,000',
    batched,
    BATCHED.concurrency,
    async (call) => {
      const requests = Array.from({ length: BATCHED.perCall }, (_, index) =>
        seedBody(restBatchModel, call * BATCHED.perCall + index),
      );
      await (await post(`${againOrigin}/api/vibe/track/batch`, { requests }, 201)).arrayBuffer();
    },
    { perCall: BATCHED.perCall },
  );
  const expected: [string, string, number][] = [
    ['REST', restModel, 1 + SINGLE.requests * 2 + SINGLE.warmup * 2],
    ['GraphQL', graphModel, 1 + SINGLE.requests + SINGLE.warmup],
    ['GraphQL batch', batchModel, batched],
    ['REST batch', restBatchModel, batched],
  ];
  for (const [name, model, count] of expected) {
    const counted = await usageRequests(again.client, model);
    if (counted !== count) failures.push(`${name} model counts ${counted}, expected ${count}`);
  }
  await context.stopServer();
  const floor = writerFloor(context, decodeGlobalId(controlModel).id);

  const rate = (phase: Phase) => phase.requests / (phase.wallMs / 1000);
  const byName = new Map(phases.map((phase) => [phase.name, phase]));
  const controlRate = rate(byName.get('control (token lookup + 1-insert batch)') as Phase);
  const report = [
    `tracking: single requests ${SINGLE.requests} at ${SINGLE.concurrency} concurrent (after ${SINGLE.warmup} warm-up); batched ${batched} in calls of ${BATCHED.perCall} at ${BATCHED.concurrency} concurrent`,
    `D1 statements of one tracked request: REST ${statements.rest}, GraphQL ${statements.graphql} (token lookup included; the control runs 2)`,
    table(
      ['path', 'requests/s', 'vs control', 'call p50', 'call p99'],
      phases.map((phase) => {
        const latency = summarize(phase.latencies);
        return [
          phase.name,
          rate(phase).toFixed(0),
          phase.batched ? '-' : `${(rate(phase) / controlRate).toFixed(2)}x`,
          ms(latency.p50),
          ms(latency.p99),
        ];
      }),
    ),
    `D1's writer alone (node:sqlite on a copy of the D1 file, the registry's insert, triggers and foreign keys on): ${floor
      .map(
        (result) =>
          `${result.rows} rows ${result.perStatement === 1 ? 'one per statement' : `${result.perStatement} per statement`} ${ms(result.ms)} = ${result.rowsPerSecond.toFixed(0)} rows/s`,
      )
      .join('; ')}`,
    failures.length ? `FAILURES (${failures.length}): ${failures.slice(0, 5).join(' | ')}` : '',
  ].join('\n');
  return {
    report,
    results: {
      statements,
      writerFloor: floor,
      phases: phases.map((phase) => ({
        name: phase.name,
        requests: phase.requests,
        wallMs: phase.wallMs,
        perSecond: rate(phase),
        vsControl: rate(phase) / controlRate,
        latency: summarize(phase.latencies),
      })),
      failures,
    },
  };
}

export const scenario: Scenario = {
  name: 'tracking',
  description:
    'One tracked request against a control Worker doing the same insert in one batch, and the batched form',
  skipStartup: true,
  run,
};

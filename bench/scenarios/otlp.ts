// otlp: 100,000 GenAI spans exported to POST /v1/traces in protobuf exports of 512 spans (the
// BatchSpanProcessor's default batch) at 8 concurrent, against the same 100,000 requests sent as
// inferenceTrack batches of 512 at 8 concurrent, in one run on one server: spans per second,
// requests per second and their ratio. Both go through the same service (trackInferences), so the
// ratio is the cost of OTLP decoding, attribute mapping and span de-duplication. Every export must
// be answered without rejections, and the model's usage must count every span once.
//
// `--profile` then CPU-profiles the Worker isolate over PROFILED_BATCHES more batches each way
// (fresh spans, so de-duplication finds nothing, as in the measured part) and prints the top
// functions and modules of each; the .cpuprofile files go to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/otlp/protobuf-runtime.ts';
import { opentelemetry } from '../../src/otlp/proto/otlp.js';
import {
  annotateProfile,
  devBundleResolver,
  type ProfileSummary,
  profileDuring,
  profileReport,
  summarizeProfile,
} from '../lib/cpu-profile.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { pool, registerModel, usageRequests } from '../lib/tracked.ts';
import { REPO_ROOT } from '../lib/wrangler.ts';

const SIZES = { full: { requests: 100_000 }, quick: { requests: 10_000 } };
const BATCH = 512;
const CONCURRENCY = 8;
const PROFILED_BATCHES = 40;

const trace = opentelemetry.proto.collector.trace.v1;

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** One protobuf export of `count` chat spans of `modelName`, as the OTLP proto exporter sends. */
function exportBody(modelName: string, count: number, startMs: number): Uint8Array<ArrayBuffer> {
  const attribute = (key: string, value: string | number) => ({
    key,
    value: typeof value === 'string' ? { stringValue: value } : { intValue: value },
  });
  const spans = Array.from({ length: count }, (_, index) => ({
    traceId: randomBytes(16),
    spanId: randomBytes(8),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: (startMs + index) * 1_000_000,
    endTimeUnixNano: (startMs + index + 350) * 1_000_000,
    status: { code: 0 },
    attributes: [
      attribute('gen_ai.operation.name', 'chat'),
      attribute('gen_ai.provider.name', 'openai'),
      attribute('gen_ai.request.model', 'gpt-4o'),
      attribute('gen_ai.response.model', 'gpt-4o-2024-08-06'),
      attribute('gen_ai.usage.input_tokens', 100 + (index % 900)),
      attribute('gen_ai.usage.output_tokens', 20 + (index % 300)),
      attribute('enduser.id', `user-${index % 50}`),
    ],
  }));
  const encoded = trace.ExportTraceServiceRequest.encode({
    resourceSpans: [
      {
        resource: { attributes: [attribute('registry.model', modelName)] },
        scopeSpans: [{ scope: { name: 'bench' }, spans }],
      },
    ],
  }).finish();
  return new Uint8Array(encoded);
}

async function run(context: ScenarioContext) {
  const { requests } = context.quick ? SIZES.quick : SIZES.full;
  const { server, client } = await context.startServer('otlp');
  const tracesUrl = server.url.replace(/\/graphql$/, '/v1/traces');
  const runId = Date.now().toString(36);
  const otlpModel = `otlp-bench-${runId}`;
  const otlpModelId = await registerModel(client, otlpModel);
  const trackModelId = await registerModel(client, `track-bench-${runId}`);
  const batches = Math.ceil(requests / BATCH);
  const sizeOf = (b: number) => Math.min(BATCH, requests - b * BATCH);
  const startMs = Date.now() - 3_600_000;

  // Bodies are encoded before the clock starts: the figure is the server's, not the encoder's.
  const bodies = Array.from({ length: batches }, (_, b) =>
    exportBody(otlpModel, sizeOf(b), startMs + b * BATCH),
  );
  const failures: string[] = [];
  const sendExport = async (body: Uint8Array<ArrayBuffer>) => {
    const response = await fetch(tracesUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        authorization: `Bearer ${context.seed.token}`,
      },
      body,
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(30_000)]),
    });
    const answer = trace.ExportTraceServiceResponse.decode(
      new Uint8Array(await response.arrayBuffer()),
    );
    const rejected = Number(answer.partialSuccess?.rejectedSpans ?? 0);
    if (response.status !== 200 || rejected > 0) {
      failures.push(
        `HTTP ${response.status}, ${rejected} rejected: ${answer.partialSuccess?.errorMessage}`,
      );
    }
  };
  const sendTrack = async (modelId: string, size: number, fromMs: number) => {
    const batch = Array.from({ length: size }, (_, index) => ({
      modelId,
      provider: 'openai',
      providerModel: 'gpt-4o-2024-08-06',
      latencyMs: 350,
      inputTokens: 100 + (index % 900),
      outputTokens: 20 + (index % 300),
      status: 'SUCCESS',
      endUserId: `user-${index % 50}`,
      timestamp: new Date(fromMs + index).toISOString(),
    }));
    const result = await client.request<{
      inferenceTrack: { recorded?: number; message?: string };
    }>(
      'mutation($input: InferenceTrackInput!) { inferenceTrack(input: $input) { ... on InferenceTrackPayload { recorded } ... on Error { message } } }',
      { input: { requests: batch } },
    );
    if (result.data.inferenceTrack.recorded !== batch.length) {
      failures.push(`inferenceTrack: ${JSON.stringify(result.data.inferenceTrack)}`);
    }
  };
  context.log(
    `OTLP: ${requests} spans in ${batches} exports of ${BATCH}, ${CONCURRENCY} concurrent`,
  );
  const otlp = await pool(bodies.length, CONCURRENCY, (index) =>
    sendExport(bodies[index] as Uint8Array<ArrayBuffer>),
  );

  context.log(`inferenceTrack: ${requests} requests in ${batches} batches of ${BATCH}`);
  const track = await pool(batches, CONCURRENCY, (b) =>
    sendTrack(trackModelId, sizeOf(b), startMs + b * BATCH),
  );

  const profiles: Record<string, ProfileSummary> = {};
  if (process.argv.includes('--profile')) {
    const resultsDir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const profileModel = `otlp-profile-${runId}`;
    const profileModelId = await registerModel(client, profileModel);
    const fromMs = startMs - 3_600_000;
    const extra = Array.from({ length: PROFILED_BATCHES }, (_, b) =>
      exportBody(profileModel, BATCH, fromMs + b * BATCH),
    );
    const parts: [string, () => Promise<unknown>][] = [
      ['otlp', () => pool(PROFILED_BATCHES, CONCURRENCY, (b) => sendExport(extra[b] as never))],
      [
        'inferenceTrack',
        () =>
          pool(PROFILED_BATCHES, CONCURRENCY, (b) =>
            sendTrack(profileModelId, BATCH, fromMs - 3_600_000 + b * BATCH),
          ),
      ],
    ];
    for (const [name, load] of parts) {
      context.log(`Profiling ${name} over ${PROFILED_BATCHES} batches of ${BATCH}`);
      const cpu = annotateProfile(
        await profileDuring(server.inspectorPort, async () => {
          await load();
        }),
        devBundleResolver(REPO_ROOT),
      );
      const file = join(resultsDir, `otlp-${name}-${stamp}.cpuprofile`);
      writeFileSync(file, JSON.stringify(cpu));
      profiles[name] = summarizeProfile(cpu);
      context.log(`Wrote ${file}`);
    }
  }

  const [otlpCounted, trackCounted] = [
    await usageRequests(client, otlpModelId),
    await usageRequests(client, trackModelId),
  ];
  if (otlpCounted !== requests) failures.push(`OTLP model counts ${otlpCounted} requests`);
  if (trackCounted !== requests) failures.push(`inferenceTrack model counts ${trackCounted}`);
  await context.stopServer();

  const otlpRate = requests / (otlp.wallMs / 1000);
  const trackRate = requests / (track.wallMs / 1000);
  const otlpLatency = summarize(otlp.latencies);
  const trackLatency = summarize(track.latencies);
  const report = [
    `otlp: ${requests} requests each way, batches of ${BATCH}, ${CONCURRENCY} concurrent`,
    table(
      ['path', 'wall', 'per second', 'batch p50', 'batch p90', 'batch max'],
      [
        [
          'POST /v1/traces (protobuf)',
          ms(otlp.wallMs),
          otlpRate.toFixed(0),
          ms(otlpLatency.p50),
          ms(otlpLatency.p90),
          ms(otlpLatency.max),
        ],
        [
          'inferenceTrack (GraphQL)',
          ms(track.wallMs),
          trackRate.toFixed(0),
          ms(trackLatency.p50),
          ms(trackLatency.p90),
          ms(trackLatency.max),
        ],
      ],
    ),
    `OTLP / inferenceTrack throughput: ${(otlpRate / trackRate).toFixed(2)}x`,
    failures.length
      ? `FAILURES (${failures.length}): ${failures.slice(0, 5).join(' | ')}`
      : 'No failures: every span and request counted once.',
    ...Object.entries(profiles).map(([name, summary]) => `\n${profileReport(name, summary)}`),
  ].join('\n');
  return {
    report,
    results: {
      requests,
      batch: BATCH,
      concurrency: CONCURRENCY,
      otlp: {
        wallMs: otlp.wallMs,
        perSecond: otlpRate,
        latency: otlpLatency,
        counted: otlpCounted,
      },
      inferenceTrack: {
        wallMs: track.wallMs,
        perSecond: trackRate,
        latency: trackLatency,
        counted: trackCounted,
      },
      ratio: otlpRate / trackRate,
      failures,
      profiles,
    },
  };
}

export const scenario: Scenario = {
  name: 'otlp',
  description:
    '100,000 GenAI spans via POST /v1/traces (exports of 512, 8 concurrent) vs inferenceTrack batches of 512',
  skipStartup: true,
  run,
};

// otlp: 100,000 GenAI spans exported to POST /v1/traces in protobuf exports of 512 spans (the
// BatchSpanProcessor's default batch) at 8 concurrent, against the same 100,000 requests sent as
// inferenceTrack batches of 512 at 8 concurrent, in one run on one server: spans per second,
// requests per second and their ratio. Both go through the same service (trackInferences), so the
// ratio is the cost of OTLP decoding, attribute mapping and span de-duplication. Every export must
// be answered without rejections, and the model's usage must count every span once.
import '../../src/otlp/protobuf-runtime.ts';
import { opentelemetry } from '../../src/otlp/proto/otlp.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { pool, registerModel, usageRequests } from '../lib/tracked.ts';

const SIZES = { full: { requests: 100_000 }, quick: { requests: 10_000 } };
const BATCH = 512;
const CONCURRENCY = 8;

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
  context.log(
    `OTLP: ${requests} spans in ${batches} exports of ${BATCH}, ${CONCURRENCY} concurrent`,
  );
  const otlp = await pool(bodies.length, CONCURRENCY, async (index) => {
    const body = bodies[index] as Uint8Array<ArrayBuffer>;
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
  });

  context.log(`inferenceTrack: ${requests} requests in ${batches} batches of ${BATCH}`);
  const track = await pool(batches, CONCURRENCY, async (b) => {
    const batch = Array.from({ length: sizeOf(b) }, (_, index) => ({
      modelId: trackModelId,
      provider: 'openai',
      providerModel: 'gpt-4o-2024-08-06',
      latencyMs: 350,
      inputTokens: 100 + (index % 900),
      outputTokens: 20 + (index % 300),
      status: 'SUCCESS',
      endUserId: `user-${index % 50}`,
      timestamp: new Date(startMs + b * BATCH + index).toISOString(),
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
  });

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

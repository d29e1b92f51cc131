// The OpenTelemetry SDK for Node with its own OTLP exporters (protobuf and JSON), unchanged but for
// the endpoint and the Bearer header, exporting GenAI spans to the Worker: each lands as one tracked
// request of the registered model, a re-sent export records nothing new, and a bad token is
// refused the way the exporter understands.

import { OTLPTraceExporter as OtlpHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { graphql, registryToken, registryUrl } from './registry.ts';

const MODEL_REGISTER = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload { model { id name } }
    }
  }
`;

const INFERENCE_REQUESTS = /* GraphQL */ `
  query InferenceRequests($traceId: String!) {
    inferenceRequests(traceId: $traceId) {
      model { name }
      provider providerModel inputTokens outputTokens latencyMs status traceId spanId endUserId
    }
  }
`;

interface Landed {
  inferenceRequests: {
    model: { name: string };
    provider: string;
    providerModel: string;
    inputTokens: number;
    outputTokens: number;
    latencyMs: number;
    status: string;
    traceId: string;
    spanId: string;
    endUserId: string | null;
  }[];
}

type Exporter = SpanExporter & { shutdown(): Promise<void> };

const EXPORTERS: [string, (token: string) => Exporter][] = [
  [
    'exporter-trace-otlp-proto',
    (token) =>
      new OtlpProtoExporter({
        url: `${registryUrl()}/v1/traces`,
        headers: { Authorization: `Bearer ${token}` },
      }),
  ],
  [
    'exporter-trace-otlp-http (JSON)',
    (token) =>
      new OtlpHttpExporter({
        url: `${registryUrl()}/v1/traces`,
        headers: { Authorization: `Bearer ${token}` },
      }),
  ],
];

/** Sends spans through the exporter itself and answers its ExportResult code (0 is SUCCESS). */
function exportAgain(exporter: Exporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code)));
}

/** A recording exporter in front of the real one, to re-send exactly what the SDK exported. */
function recording(exporter: Exporter) {
  const sent: ReadableSpan[] = [];
  const wrapper: SpanExporter = {
    export(spans, done) {
      sent.push(...spans);
      exporter.export(spans, done);
    },
    shutdown: () => exporter.shutdown(),
  };
  return { wrapper, sent };
}

describe.each(EXPORTERS)('the OpenTelemetry SDK with %s', (_name, makeExporter) => {
  it('records GenAI spans once, as requests of the registered model', async () => {
    const modelName = `otel-bot-${crypto.randomUUID().slice(0, 8)}`;
    const registered = await graphql<{ modelRegister: { __typename: string } }>(MODEL_REGISTER, {
      input: { name: modelName },
    });
    expect(registered.modelRegister.__typename).toBe('ModelRegisterPayload');

    const exporter = makeExporter(registryToken());
    const { wrapper, sent } = recording(exporter);
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'chat-api', 'registry.model': modelName }),
      spanProcessors: [new BatchSpanProcessor({ exporter: wrapper })],
    });
    const tracer = provider.getTracer('otel-client-test');
    const span = tracer.startSpan('chat gpt-4o', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': 321,
        'gen_ai.usage.output_tokens': 45,
        'enduser.id': 'user-7',
      },
    });
    const http = tracer.startSpan('GET /health');
    http.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    span.end();
    await provider.forceFlush();
    const { traceId, spanId } = span.spanContext();

    const landed = await graphql<Landed>(INFERENCE_REQUESTS, { traceId });
    expect(landed.inferenceRequests).toHaveLength(1);
    expect(landed.inferenceRequests[0]).toMatchObject({
      model: { name: modelName },
      provider: 'openai',
      providerModel: 'gpt-4o-2024-08-06',
      inputTokens: 321,
      outputTokens: 45,
      status: 'SUCCESS',
      traceId,
      spanId,
      endUserId: 'user-7',
    });
    expect(landed.inferenceRequests[0]?.latencyMs).toBeGreaterThanOrEqual(15);

    // The exporter retrying the same spans: accepted, nothing new recorded.
    expect(sent.length).toBe(2);
    expect(await exportAgain(exporter, sent)).toBe(0);
    const after = await graphql<Landed>(INFERENCE_REQUESTS, { traceId });
    expect(after.inferenceRequests).toHaveLength(1);
    await provider.shutdown();
  });

  it('fails the export with a bad token and records nothing', async () => {
    const exporter = makeExporter('mr_not-a-token');
    const provider = new TracerProvider({ spanProcessors: [] });
    const span = provider.getTracer('t').startSpan('chat', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1,
        'gen_ai.usage.output_tokens': 1,
      },
    });
    span.end();
    expect(await exportAgain(exporter, [span as unknown as ReadableSpan])).toBe(1);
    const landed = await graphql<Landed>(INFERENCE_REQUESTS, {
      traceId: span.spanContext().traceId,
    });
    expect(landed.inferenceRequests).toEqual([]);
    await exporter.shutdown();
  });
});

// The Vercel `ai` package generating text with its own mock language model (ai/test), its
// OpenTelemetry integration (@ai-sdk/otel) and the OpenTelemetry SDK's OTLP exporter, all unchanged
// but for the endpoint and the Bearer header: the spans the AI SDK really emits land as tracked
// requests of the registered model, with its tokens, once.
import { OpenTelemetry } from '@ai-sdk/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { generateText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { graphql, registryToken, registryUrl } from './registry.ts';

describe('the ai package with @ai-sdk/otel', () => {
  it('exports generateText spans that land as requests of the registered model', async () => {
    const modelName = `ai-sdk-bot-${crypto.randomUUID().slice(0, 8)}`;
    await graphql(
      `mutation ($input: ModelRegisterInput!) { modelRegister(input: $input) { __typename } }`,
      { input: { name: modelName } },
    );
    const exporter = new OTLPTraceExporter({
      url: `${registryUrl()}/v1/traces`,
      headers: { Authorization: `Bearer ${registryToken()}` },
    });
    const exported: ReadableSpan[] = [];
    const recording: SpanExporter = {
      export(spans, done) {
        exported.push(...spans);
        exporter.export(spans, done);
      },
      shutdown: () => exporter.shutdown(),
    };
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'chat', 'registry.model': modelName }),
      spanProcessors: [new BatchSpanProcessor({ exporter: recording })],
    });
    const telemetry = new OpenTelemetry({ tracer: provider.getTracer('ai') as never });
    const model = new MockLanguageModelV4({
      provider: 'openai.chat',
      modelId: 'gpt-4o-mini',
      doGenerate: {
        content: [{ type: 'text', text: 'Route this ticket to billing.' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 120, noCache: 120, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 9, text: 9, reasoning: undefined },
        },
        warnings: [],
      },
    });
    const result = await generateText({
      model,
      prompt: 'Where does "my invoice is wrong" go?',
      telemetry: { isEnabled: true, functionId: 'triage', integrations: telemetry },
    });
    expect(result.text).toBe('Route this ticket to billing.');
    await provider.forceFlush();

    // The AI SDK emits invoke_agent and agent_step spans around the chat span, all with the call's
    // usage: the chat span is the request, the others are not counted again.
    const chat = exported.find((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    const operations = exported.map((span) => span.attributes['gen_ai.operation.name']);
    expect(operations).toContain('chat');
    expect(operations).toContain('invoke_agent');
    const traceId = chat?.spanContext().traceId as string;
    const landed = await graphql<{ inferenceRequests: any[] }>(
      `query ($traceId: String!) { inferenceRequests(traceId: $traceId) {
        model { name } provider providerModel inputTokens outputTokens status traceId spanId } }`,
      { traceId },
    );
    expect(landed.inferenceRequests).toEqual([
      {
        model: { name: modelName },
        provider: 'openai',
        providerModel: 'gpt-4o-mini',
        inputTokens: 120,
        outputTokens: 9,
        status: 'SUCCESS',
        traceId,
        spanId: chat?.spanContext().spanId,
      },
    ]);
    await provider.shutdown();
  });
});

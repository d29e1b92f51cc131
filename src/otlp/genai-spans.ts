// The GenAI semantic conventions read off a decoded span (docs/otlp.md has the table): what the
// registry records of an LLM call, with the registry's own attributes (registry.*) turned into
// references. A span that lacks what a request needs gets the reason instead, named after the
// attribute, so that partialSuccess tells the exporter's owner what to fix.
import { readGlobalID } from '../global-id.ts';
import type { NodeRef, SpanInference } from '../registry/usage/span-ingest.service.ts';
import type { AttributeValue, ExportedSpan } from './otlp-spans.ts';

/** Marks a GenAI span; spans without it are ignored (and counted). */
export const GENAI_OPERATION = 'gen_ai.operation.name';

/** Attributes read for each field, the first one present winning (newer names first). */
export const GENAI_ATTRIBUTES = {
  provider: ['gen_ai.provider.name', 'gen_ai.system'],
  providerModel: ['gen_ai.response.model', 'gen_ai.request.model'],
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
  cachedTokens: [
    'gen_ai.usage.cache_read.input_tokens',
    'gen_ai.usage.cache_read_input_tokens',
    'gen_ai.usage.cached_tokens',
  ],
  reasoningTokens: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens'],
  endUserId: ['enduser.id', 'user.id'],
} as const;

/** The registry's attributes, on the span or else on its resource. */
export const REGISTRY_ATTRIBUTES = {
  model: 'registry.model',
  version: 'registry.version',
  deployment: 'registry.deployment',
  experiment: 'registry.experiment',
} as const;

/**
 * The GenAI operations that are one model call (the semantic conventions' inference operations, and
 * `completion`, which older instrumentations write). Other operations wrap model calls or make
 * none: the Vercel AI SDK puts an invoke_agent and an agent_step span around each chat span, each
 * carrying the same usage, and recording them would count every call two or three times. They are
 * ignored, and counted by name in the answer.
 */
export const INFERENCE_OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'completion',
]);

/** Operations whose spans report no output tokens (OpenAI's and the conventions' embeddings). */
const NO_OUTPUT_OPERATIONS = new Set(['embeddings']);

export type GenAiSpan =
  | { kind: 'INFERENCE'; inference: SpanInference }
  | { kind: 'REJECTED'; traceId: string; spanId: string; reason: string }
  /** Not GenAI, or (`operation`) a GenAI span of an operation that is no model call. */
  | { kind: 'IGNORED'; operation?: string };

function first(
  span: ExportedSpan,
  names: readonly string[],
): { name: string; value: AttributeValue } | null {
  for (const name of names) {
    if (span.attributes.has(name)) return { name, value: span.attributes.get(name) ?? null };
  }
  return null;
}

/** A registry.* value from the span, else from its resource (the span wins). */
function registryValue(span: ExportedSpan, name: string): string | null {
  const value = span.attributes.get(name) ?? span.resource.get(name) ?? null;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A global ID of `typename` as the row id, anything else as a name. */
function nodeRef(value: string | null, typename: string): NodeRef | null {
  if (value === null) return null;
  const decoded = readGlobalID(value);
  if (decoded?.typename === typename) return { id: decoded.id };
  return { name: value };
}

class SpanRejected extends Error {}

function stringAttribute(span: ExportedSpan, names: readonly string[]): string {
  const found = first(span, names);
  if (!found || typeof found.value !== 'string' || found.value.trim() === '') {
    throw new SpanRejected(`${names.join(' or ')} is missing`);
  }
  return found.value;
}

/** A token count: an integer attribute (negative ones reach the service, which refuses them). */
function countAttribute(span: ExportedSpan, names: readonly string[], required: boolean) {
  const found = first(span, names);
  if (!found) {
    if (required) throw new SpanRejected(`${names.join(' or ')} is missing`);
    return null;
  }
  if (typeof found.value !== 'number' || !Number.isInteger(found.value)) {
    throw new SpanRejected(`${found.name} must be an integer`);
  }
  return found.value;
}

/** What the registry records of one span: an inference, a rejection, or nothing (not GenAI). */
export function readGenAiSpan(span: ExportedSpan): GenAiSpan {
  const operation = span.attributes.get(GENAI_OPERATION);
  if (operation === undefined) return { kind: 'IGNORED' };
  try {
    if (typeof operation !== 'string' || operation === '') {
      throw new SpanRejected(`${GENAI_OPERATION} must be a non-empty string`);
    }
    if (!INFERENCE_OPERATIONS.has(operation)) return { kind: 'IGNORED', operation };
    const endUser = first(span, GENAI_ATTRIBUTES.endUserId);
    const inference: SpanInference = {
      traceId: span.traceId,
      spanId: span.spanId,
      operation,
      provider: stringAttribute(span, GENAI_ATTRIBUTES.provider),
      providerModel: stringAttribute(span, GENAI_ATTRIBUTES.providerModel),
      inputTokens: countAttribute(span, GENAI_ATTRIBUTES.inputTokens, true) ?? 0,
      outputTokens:
        countAttribute(span, GENAI_ATTRIBUTES.outputTokens, !NO_OUTPUT_OPERATIONS.has(operation)) ??
        0,
      cachedTokens: countAttribute(span, GENAI_ATTRIBUTES.cachedTokens, false),
      reasoningTokens: countAttribute(span, GENAI_ATTRIBUTES.reasoningTokens, false),
      // To the microsecond: nanosecond times as doubles are only exact to ~256 ns today.
      latencyMs: Math.round((span.endTimeUnixNano - span.startTimeUnixNano) / 1_000) / 1_000,
      startedAt: new Date(span.startTimeUnixNano / 1_000_000),
      failed: span.statusCode === 2 || span.attributes.has('error.type'),
      endUserId: endUser && typeof endUser.value === 'string' ? endUser.value : null,
      model: nodeRef(registryValue(span, REGISTRY_ATTRIBUTES.model), 'Model'),
      version: registryValue(span, REGISTRY_ATTRIBUTES.version),
      deployment: nodeRef(registryValue(span, REGISTRY_ATTRIBUTES.deployment), 'Deployment'),
      experiment: nodeRef(registryValue(span, REGISTRY_ATTRIBUTES.experiment), 'Experiment'),
    };
    return { kind: 'INFERENCE', inference };
  } catch (error) {
    if (!(error instanceof SpanRejected)) throw error;
    return { kind: 'REJECTED', traceId: span.traceId, spanId: span.spanId, reason: error.message };
  }
}

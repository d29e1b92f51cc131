// POST /v1/traces, the OTLP/HTTP 1.x trace receiver: protobuf or JSON exports, gzip or not,
// authenticated by the API token as OTLP exporters send it (OTEL_EXPORTER_OTLP_HEADERS). Every
// answer is the one the OTLP spec gives an exporter: ExportTraceServiceResponse with
// partialSuccess, or a google.rpc.Status in the request's own encoding. See docs/otlp.md.

import { UnauthenticatedError } from '../auth/unauthenticated.ts';
import { viewerScopes } from '../auth/viewer.ts';
import { type Context, createContext, type WorkerEnv } from '../context.ts';
import type { StatementCounter } from '../db/client.ts';
import { readCapped } from '../http/body-limit.ts';
import { readGenAiSpan } from '../otlp/genai-spans.ts';
import {
  countJsonSpans,
  countProtobufSpans,
  decodeJsonExport,
  decodeProtobufExport,
  type ExportedSpan,
  OtlpDecodeError,
} from '../otlp/otlp-spans.ts';
import { BudgetExceededError } from '../registry/budget/budget.service.ts';
import '../otlp/protobuf-runtime.ts';
import { google, opentelemetry } from '../otlp/proto/otlp.js';
import {
  recordSpanInferences,
  type SpanInference,
  type SpanRejection,
} from '../registry/usage/span-ingest.service.ts';

/**
 * 8 MiB on the wire (gzip or not): above the 1 MiB of /graphql and /api because one default
 * BatchSpanProcessor export (512 spans) of GenAI spans that carry prompts and completions reaches
 * several MB, and a 413 is final for an exporter (OTLP retries only 429/502/503/504): the batch
 * would be lost. A 5 MB export is therefore accepted.
 */
export const MAX_OTLP_BODY_BYTES = 8 * 1_048_576;
/** 32 MiB once inflated: a gzip bomb stops here, long before the Worker's 128 MB of memory. */
export const MAX_OTLP_INFLATED_BYTES = 32 * 1_048_576;

type Encoding = 'protobuf' | 'json';

/** google.rpc.Code values the receiver answers with. */
const RPC_CODE = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

function encodingOf(request: Request): Encoding | null {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

function statusResponse(
  encoding: Encoding,
  httpStatus: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  if (encoding === 'json') {
    return Response.json({ code, message }, { status: httpStatus, headers });
  }
  const body = new Uint8Array(google.rpc.Status.encode({ code, message }).finish());
  return new Response(body, {
    status: httpStatus,
    headers: { 'content-type': 'application/x-protobuf', ...headers },
  });
}

/** The spec's success answer; partialSuccess only when something was rejected or warned about. */
function exportResponse(encoding: Encoding, rejectedSpans: number, errorMessage: string): Response {
  const partial = rejectedSpans > 0 || errorMessage !== '';
  if (encoding === 'json') {
    // int64 as a decimal string, as OTLP/JSON encodes it.
    const body = partial
      ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }
      : {};
    return Response.json(body);
  }
  const response = opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
  const body = new Uint8Array(
    response.encode(partial ? { partialSuccess: { rejectedSpans, errorMessage } } : {}).finish(),
  );
  return new Response(body, { headers: { 'content-type': 'application/x-protobuf' } });
}

class TooLarge extends Error {}

/** The body, inflated when gzip, within both caps; TooLarge or OtlpDecodeError otherwise. */
async function readExport(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_OTLP_BODY_BYTES) {
    throw new TooLarge(`Request body exceeds ${MAX_OTLP_BODY_BYTES} bytes`);
  }
  if (!request.body) return new Uint8Array();
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') {
    const body = await readCapped(request.body, MAX_OTLP_BODY_BYTES);
    if (!body) throw new TooLarge(`Request body exceeds ${MAX_OTLP_BODY_BYTES} bytes`);
    return body;
  }
  const wire = await readCapped(request.body, MAX_OTLP_BODY_BYTES);
  if (!wire) throw new TooLarge(`Request body exceeds ${MAX_OTLP_BODY_BYTES} bytes`);
  const inflated = new Blob([wire]).stream().pipeThrough(new DecompressionStream('gzip'));
  let body: Uint8Array<ArrayBuffer> | null;
  try {
    body = await readCapped(inflated, MAX_OTLP_INFLATED_BYTES);
  } catch (error) {
    throw new OtlpDecodeError(`Malformed gzip body: ${String(error)}`);
  }
  if (!body) throw new TooLarge(`Inflated body exceeds ${MAX_OTLP_INFLATED_BYTES} bytes`);
  return body;
}

/**
 * Spans of any kind read from one export (counted on the wire first, otlp-spans.ts): a decoded span
 * takes ~2 KB of heap, so this keeps one export's spans near 40 MB of the isolate's 128 MB.
 */
export const MAX_OTLP_SPANS_PER_EXPORT = 20_000;

/** GenAI spans recorded from one export; the surplus is rejected span by span, not the export. */
export const MAX_OTLP_GENAI_SPANS = 10_000;
/** Rejection reasons spelled out in errorMessage; the rest are counted. */
const REASONS_SHOWN = 5;

/** Records the export's GenAI spans; the answer's rejected count and message. */
async function recordExport(context: Context, spans: readonly ExportedSpan[]) {
  const inferences: SpanInference[] = [];
  const rejected: SpanRejection[] = [];
  let ignored = 0;
  const otherOperations = new Map<string, number>();
  for (const span of spans) {
    const read = readGenAiSpan(span);
    if (read.kind === 'IGNORED' && read.operation !== undefined) {
      otherOperations.set(read.operation, (otherOperations.get(read.operation) ?? 0) + 1);
    } else if (read.kind === 'IGNORED') ignored += 1;
    else if (read.kind === 'REJECTED') rejected.push(read);
    else if (inferences.length >= MAX_OTLP_GENAI_SPANS) {
      rejected.push({
        traceId: span.traceId,
        spanId: span.spanId,
        reason: `more than ${MAX_OTLP_GENAI_SPANS} GenAI spans in one export`,
      });
    } else inferences.push(read.inference);
  }
  const outcome = await recordSpanInferences(
    context.deps,
    context.viewer,
    context.deps.events,
    inferences,
  );
  rejected.push(...outcome.rejected);
  const messages: string[] = [];
  if (rejected.length) {
    const shown = rejected
      .slice(0, REASONS_SHOWN)
      .map((r) => `span ${r.traceId || '-'}/${r.spanId || '-'}: ${r.reason}`);
    const more = rejected.length > REASONS_SHOWN ? `; ${rejected.length - REASONS_SHOWN} more` : '';
    messages.push(`${rejected.length} span(s) rejected (${shown.join('; ')}${more})`);
  }
  if (outcome.unmatched) {
    messages.push(
      `${outcome.unmatched} span(s) kept as unmatched usage: no registry.model and no providerModelMap`,
    );
  }
  if (outcome.deduplicated) messages.push(`${outcome.deduplicated} span(s) already recorded`);
  if (ignored) messages.push(`${ignored} span(s) without gen_ai.operation.name ignored`);
  if (otherOperations.size) {
    const names = [...otherOperations].map(([name, count]) => `${name} ${count}`).join(', ');
    messages.push(`GenAI spans that are no model call ignored (${names.slice(0, 300)})`);
  }
  return { rejected: rejected.length, message: messages.join('; ') };
}

export async function handleOtlpTraces(
  request: Request,
  env: WorkerEnv,
  ctx: ExecutionContext,
  statements: StatementCounter,
): Promise<Response> {
  const encoding = encodingOf(request);
  if (request.method !== 'POST') {
    return statusResponse(
      encoding ?? 'json',
      405,
      RPC_CODE.INVALID_ARGUMENT,
      'Use POST to export traces',
      { allow: 'POST' },
    );
  }
  if (!encoding) {
    return statusResponse(
      'json',
      415,
      RPC_CODE.INVALID_ARGUMENT,
      'Send application/x-protobuf or application/json',
    );
  }
  const contentEncoding = (request.headers.get('content-encoding') ?? 'identity').toLowerCase();
  if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
    return statusResponse(
      encoding,
      415,
      RPC_CODE.INVALID_ARGUMENT,
      'Content-Encoding must be gzip or identity',
    );
  }
  let context: Context;
  try {
    context = await createContext(request, { env, ctx, statements });
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    return statusResponse(encoding, 401, RPC_CODE.UNAUTHENTICATED, error.message, {
      'www-authenticate': 'Bearer',
    });
  }
  if (!viewerScopes(context.viewer).editor) {
    return statusResponse(
      encoding,
      403,
      RPC_CODE.PERMISSION_DENIED,
      'Recording usage needs the EDITOR or ADMIN role',
    );
  }
  let spans: ExportedSpan[];
  try {
    const body = await readExport(request);
    const count = encoding === 'protobuf' ? countProtobufSpans(body) : countJsonSpans(body);
    if (count > MAX_OTLP_SPANS_PER_EXPORT) {
      throw new TooLarge(
        `The export holds ${count} spans; at most ${MAX_OTLP_SPANS_PER_EXPORT} are read per export (the OpenTelemetry SDK sends 512 by default: lower maxExportBatchSize)`,
      );
    }
    spans = encoding === 'protobuf' ? decodeProtobufExport(body) : decodeJsonExport(body);
  } catch (error) {
    if (error instanceof TooLarge) {
      return statusResponse(encoding, 413, RPC_CODE.RESOURCE_EXHAUSTED, error.message);
    }
    if (error instanceof OtlpDecodeError) {
      return statusResponse(encoding, 400, RPC_CODE.INVALID_ARGUMENT, error.message);
    }
    throw error;
  }
  let outcome: Awaited<ReturnType<typeof recordExport>>;
  try {
    outcome = await recordExport(context, spans);
  } catch (error) {
    // An enforced budget refuses a chunk of the export whole, as it refuses an inferenceTrack
    // batch. 402 is not among OTLP's retryable codes: the exporter drops the batch instead of
    // retrying it against a limit that will not move until the period ends.
    if (error instanceof BudgetExceededError) {
      return statusResponse(encoding, 402, RPC_CODE.RESOURCE_EXHAUSTED, error.message);
    }
    throw error;
  }
  return exportResponse(encoding, outcome.rejected, outcome.message);
}

// Builds OTLP trace exports as exporters send them (protobuf through the generated encoder, or
// OTLP/JSON), optionally gzipped, and posts them to POST /v1/traces through the Worker's fetch.
import { SELF } from 'cloudflare:test';
import '../../src/otlp/protobuf-runtime.ts';
import { google, opentelemetry } from '../../src/otlp/proto/otlp.js';

const trace = opentelemetry.proto.collector.trace.v1;

export type Attr = string | number | boolean;

export interface SpanSpec {
  traceId?: string;
  spanId?: string;
  name?: string;
  /** Unix milliseconds; the span lasts `durationMs`. */
  startMs?: number;
  durationMs?: number;
  statusCode?: number;
  attributes?: Record<string, Attr>;
}

export interface ExportSpec {
  resource?: Record<string, Attr>;
  spans: SpanSpec[];
}

export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('');
}

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function wireValue(value: Attr) {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
}

function jsonValue(value: Attr) {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  // OTLP/JSON: int64 as a decimal string.
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function filled(span: SpanSpec) {
  const startMs = span.startMs ?? Date.now() - 60_000;
  return {
    traceId: span.traceId ?? randomHex(16),
    spanId: span.spanId ?? randomHex(8),
    name: span.name ?? 'span',
    startNano: startMs * 1_000_000,
    endNano: (startMs + (span.durationMs ?? 250)) * 1_000_000,
    statusCode: span.statusCode ?? 0,
    attributes: span.attributes ?? {},
  };
}

/** An ExportTraceServiceRequest encoded by the generated protobufjs encoder. */
export function protobufExport(spec: ExportSpec): Uint8Array<ArrayBuffer> {
  const message = {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(spec.resource ?? {}).map(([key, value]) => ({
            key,
            value: wireValue(value),
          })),
        },
        scopeSpans: [
          {
            scope: { name: 'test', version: '1' },
            spans: spec.spans.map(filled).map((span) => ({
              traceId: bytesOfHex(span.traceId),
              spanId: bytesOfHex(span.spanId),
              name: span.name,
              kind: 3,
              startTimeUnixNano: span.startNano,
              endTimeUnixNano: span.endNano,
              status: { code: span.statusCode },
              attributes: Object.entries(span.attributes).map(([key, value]) => ({
                key,
                value: wireValue(value),
              })),
            })),
          },
        ],
      },
    ],
  };
  return new Uint8Array(trace.ExportTraceServiceRequest.encode(message).finish());
}

/** The same export in OTLP/JSON: hex ids, enum ints, int64 as strings. */
export function jsonExport(spec: ExportSpec): Uint8Array<ArrayBuffer> {
  const message = {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(spec.resource ?? {}).map(([key, value]) => ({
            key,
            value: jsonValue(value),
          })),
        },
        scopeSpans: [
          {
            scope: { name: 'test', version: '1' },
            spans: spec.spans.map(filled).map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              name: span.name,
              kind: 3,
              startTimeUnixNano: String(span.startNano),
              endTimeUnixNano: String(span.endNano),
              status: { code: span.statusCode },
              attributes: Object.entries(span.attributes).map(([key, value]) => ({
                key,
                value: jsonValue(value),
              })),
            })),
          },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(message));
}

export async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface OtlpPost {
  token: string | null;
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
  contentType?: string;
  contentEncoding?: string;
  method?: string;
}

/** Both answers' fields; rejectedSpans is a string in OTLP/JSON (int64). */
export interface AnswerBody {
  code?: number;
  message?: string;
  partialSuccess?: { rejectedSpans: number | string; errorMessage: string };
}

export interface ExportAnswer {
  status: number;
  contentType: string;
  /** ExportTraceServiceResponse (200) or google.rpc.Status (otherwise), decoded either way. */
  body: AnswerBody;
  headers: Headers;
}

/** Posts an export and decodes the answer in the encoding it came in. */
export async function postTraces(post: OtlpPost): Promise<ExportAnswer> {
  const headers: Record<string, string> = {
    'content-type': post.contentType ?? 'application/x-protobuf',
  };
  if (post.token) headers.authorization = `Bearer ${post.token}`;
  if (post.contentEncoding) headers['content-encoding'] = post.contentEncoding;
  const response = await SELF.fetch('http://registry.test/v1/traces', {
    method: post.method ?? 'POST',
    headers,
    body: post.method === 'GET' ? undefined : post.body,
    // A stream body needs half-duplex; a Uint8Array is sent with its Content-Length.
    ...(post.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const contentType = response.headers.get('content-type') ?? '';
  const bytes = new Uint8Array(await response.arrayBuffer());
  let body: AnswerBody;
  if (contentType.startsWith('application/json')) {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } else if (response.status === 200) {
    const decoded = trace.ExportTraceServiceResponse.decode(bytes);
    body = decoded.partialSuccess
      ? {
          partialSuccess: {
            rejectedSpans: decoded.partialSuccess.rejectedSpans ?? 0,
            errorMessage: decoded.partialSuccess.errorMessage ?? '',
          },
        }
      : {};
  } else {
    const status = google.rpc.Status.decode(bytes);
    body = { code: status.code ?? 0, message: status.message ?? '' };
  }
  return { status: response.status, contentType, body, headers: response.headers };
}

// An OTLP trace export, protobuf or JSON, decoded to one flat list of spans: each span with its
// own attributes and its resource's, ids as lowercase hex, times as numbers. Both encodings give
// the same spans, so everything after decoding has one code path.

import $protobuf from 'protobufjs/minimal.js';
import * as z from 'zod/mini';
import '../zod-locale.ts';
import './protobuf-runtime.ts';
import { opentelemetry } from './proto/otlp.js';

const wire = opentelemetry.proto;

/** An attribute value as OTLP carries it; arrays and key-value lists keep their shape. */
export type AttributeValue =
  | string
  | number
  | boolean
  | Uint8Array
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export interface ExportedSpan {
  /** 32 hex digits, or '' when the span had none (such a span is rejected later). */
  traceId: string;
  /** 16 hex digits, or ''. */
  spanId: string;
  name: string;
  /** Unix nanoseconds as a double: about 256 ns precision today, plenty for latency in ms. */
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  /** 0 unset, 1 ok, 2 error (Status.StatusCode). */
  statusCode: number;
  attributes: ReadonlyMap<string, AttributeValue>;
  resource: ReadonlyMap<string, AttributeValue>;
}

/** The export could not be read at all: answered 400 with a google.rpc.Status. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

function hex(bytes: Uint8Array | null | undefined): string {
  if (!bytes) return '';
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** 64-bit integers: numbers from protobufjs (protobuf-runtime.ts), strings or numbers in OTLP/JSON. */
function int64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high, unsigned } = value as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high) * 4_294_967_296 + (low >>> 0);
  }
  return 0;
}

type WireAnyValue = opentelemetry.proto.common.v1.IAnyValue;
type WireKeyValue = opentelemetry.proto.common.v1.IKeyValue;

function wireValue(value: WireAnyValue | null | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== null && value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== null && value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== null && value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== null && value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(wireValue);
  if (value.kvlistValue) return Object.fromEntries(wireAttributes(value.kvlistValue.values));
  if (value.bytesValue) return value.bytesValue;
  return null;
}

function wireAttributes(list: WireKeyValue[] | null | undefined): Map<string, AttributeValue> {
  return new Map((list ?? []).map((kv) => [kv.key ?? '', wireValue(kv.value)]));
}

/** Spans of an `application/x-protobuf` ExportTraceServiceRequest. */
/**
 * How many spans a protobuf export holds, read off the wire without decoding it: decoded, a span
 * costs about 2 KB of heap (ids, Longs, attribute objects; 100,000 small spans took 197 MiB in
 * Node), so the span count, not the byte count, is what a 128 MB isolate must be guarded by.
 * Follows ExportTraceServiceRequest.resource_spans (1) -> ResourceSpans.scope_spans (2) ->
 * ScopeSpans.spans (2), skipping every other field.
 */
export function countProtobufSpans(body: Uint8Array): number {
  const within = (bytes: Uint8Array, field: number, inner: (sub: Uint8Array) => number) => {
    const reader = $protobuf.Reader.create(bytes);
    let count = 0;
    try {
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        if (tag >>> 3 === field && (tag & 7) === 2) {
          const length = reader.uint32();
          count += inner(bytes.subarray(reader.pos, reader.pos + length));
          reader.skip(length);
        } else reader.skipType(tag & 7);
      }
    } catch (error) {
      throw new OtlpDecodeError(`Malformed protobuf ExportTraceServiceRequest: ${String(error)}`);
    }
    return count;
  };
  return within(body, 1, (resource) => within(resource, 2, (scope) => within(scope, 2, () => 1)));
}

/**
 * An upper bound of the spans of a JSON export, without parsing it: every span has a spanId key
 * (one missing is rejected later), so the key's occurrences bound the count from above.
 */
export function countJsonSpans(body: Uint8Array): number {
  const text = new TextDecoder().decode(body);
  let count = 0;
  for (let at = text.indexOf('"spanId"'); at !== -1; at = text.indexOf('"spanId"', at + 8)) {
    count += 1;
  }
  return count;
}

export function decodeProtobufExport(body: Uint8Array): ExportedSpan[] {
  let request: opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  try {
    request = wire.collector.trace.v1.ExportTraceServiceRequest.decode(body);
  } catch (error) {
    throw new OtlpDecodeError(`Malformed protobuf ExportTraceServiceRequest: ${String(error)}`);
  }
  const spans: ExportedSpan[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = wireAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          name: span.name ?? '',
          startTimeUnixNano: int64(span.startTimeUnixNano),
          endTimeUnixNano: int64(span.endTimeUnixNano),
          statusCode: span.status?.code ?? 0,
          attributes: wireAttributes(span.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}

// OTLP/JSON (spec: "JSON Protobuf Encoding"): lowerCamelCase keys, trace and span ids as hex
// strings, enums as integers, 64-bit integers as decimal strings (numbers accepted too), bytes
// values as base64. Unknown fields are ignored, as the spec asks of receivers.
const Int64 = z.union([
  z.number().check(z.int()),
  z.string().check(z.regex(/^-?\d+$/, 'Must be a decimal integer')),
]);
const HexId = (digits: number) =>
  z.optional(
    z
      .string()
      .check(z.regex(new RegExp(`^([0-9a-fA-F]{${digits}})?$`), `Must be ${digits} hex digits`)),
  );

type JsonAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
};
type JsonKeyValue = { key: string; value?: JsonAnyValue };

const AnyValueJson: z.ZodMiniType<JsonAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.optional(z.string()),
    boolValue: z.optional(z.boolean()),
    intValue: z.optional(Int64),
    doubleValue: z.optional(z.number()),
    arrayValue: z.optional(z.object({ values: z.optional(z.array(AnyValueJson)) })),
    kvlistValue: z.optional(z.object({ values: z.optional(z.array(KeyValueJson)) })),
    bytesValue: z.optional(z.base64()),
  }),
);
const KeyValueJson: z.ZodMiniType<JsonKeyValue> = z.lazy(() =>
  z.object({ key: z.string(), value: z.optional(AnyValueJson) }),
);
const Attributes = z.optional(z.array(KeyValueJson));

const ExportJson = z.object({
  resourceSpans: z.optional(
    z.array(
      z.object({
        resource: z.optional(z.object({ attributes: Attributes })),
        scopeSpans: z.optional(
          z.array(
            z.object({
              spans: z.optional(
                z.array(
                  z.object({
                    traceId: HexId(32),
                    spanId: HexId(16),
                    name: z.optional(z.string()),
                    startTimeUnixNano: z.optional(Int64),
                    endTimeUnixNano: z.optional(Int64),
                    attributes: Attributes,
                    status: z.optional(z.object({ code: z.optional(z.number().check(z.int())) })),
                  }),
                ),
              ),
            }),
          ),
        ),
      }),
    ),
  ),
});

function jsonValue(value: JsonAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonValue);
  if (value.kvlistValue) return Object.fromEntries(jsonAttributes(value.kvlistValue.values));
  if (value.bytesValue !== undefined)
    return Uint8Array.from(atob(value.bytesValue), (c) => c.charCodeAt(0));
  return null;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Map<string, AttributeValue> {
  return new Map((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

/** Spans of an `application/json` ExportTraceServiceRequest. */
export function decodeJsonExport(body: Uint8Array): ExportedSpan[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new OtlpDecodeError(`Malformed JSON: ${String(error)}`);
  }
  const result = ExportJson.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new OtlpDecodeError(
      `Not an OTLP/JSON ExportTraceServiceRequest${where}: ${issue?.message}`,
    );
  }
  const spans: ExportedSpan[] = [];
  for (const resourceSpans of result.data.resourceSpans ?? []) {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: (span.traceId ?? '').toLowerCase(),
          spanId: (span.spanId ?? '').toLowerCase(),
          name: span.name ?? '',
          startTimeUnixNano: Number(span.startTimeUnixNano ?? 0),
          endTimeUnixNano: Number(span.endTimeUnixNano ?? 0),
          statusCode: span.status?.code ?? 0,
          attributes: jsonAttributes(span.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}

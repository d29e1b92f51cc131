// POST /v1/traces as OTLP/HTTP 1.x specifies it: both encodings, gzip, auth, content types,
// malformed bodies and the size limits, each with the answer an OTLP exporter expects.
import { describe, expect, it } from 'vitest';
import {
  countJsonSpans,
  countProtobufSpans,
  decodeJsonExport,
  decodeProtobufExport,
  OtlpDecodeError,
} from '../../src/otlp/otlp-spans.ts';
import {
  MAX_OTLP_BODY_BYTES,
  MAX_OTLP_INFLATED_BYTES,
  MAX_OTLP_SPANS_PER_EXPORT,
} from '../../src/routes/otlp.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { gzip, jsonExport, postTraces, protobufExport, randomHex } from './otlp-client.ts';

const plainSpan = { name: 'GET /health', attributes: { 'http.method': 'GET' } };

describe('OTLP decoding inside workerd', () => {
  it('decodes a protobuf export with the generated static code (no new Function)', () => {
    const traceId = randomHex(16);
    const spanId = randomHex(8);
    const body = protobufExport({
      resource: { 'service.name': 'chat-api' },
      spans: [
        {
          traceId,
          spanId,
          name: 'chat gpt-4o',
          startMs: 1_700_000_000_000,
          durationMs: 1500,
          statusCode: 2,
          attributes: { 'gen_ai.usage.input_tokens': 12, ratio: 0.5, ok: true, s: 'x' },
        },
      ],
    });
    const [span] = decodeProtobufExport(body);
    expect(span).toMatchObject({
      traceId,
      spanId,
      name: 'chat gpt-4o',
      startTimeUnixNano: 1_700_000_000_000_000_000,
      endTimeUnixNano: 1_700_000_001_500_000_000,
      statusCode: 2,
    });
    expect(Object.fromEntries(span?.attributes ?? [])).toEqual({
      'gen_ai.usage.input_tokens': 12,
      ratio: 0.5,
      ok: true,
      s: 'x',
    });
    expect(span?.resource.get('service.name')).toBe('chat-api');
  });

  it('gives the same spans from OTLP/JSON as from protobuf', () => {
    const spec = {
      resource: { 'service.name': 'svc' },
      spans: [
        {
          traceId: randomHex(16),
          spanId: randomHex(8),
          startMs: 1_700_000_000_000,
          attributes: { n: 7, f: 1.5 },
        },
      ],
    };
    const fromJson = decodeJsonExport(jsonExport(spec));
    const fromProto = decodeProtobufExport(protobufExport(spec));
    expect(fromJson).toHaveLength(1);
    expect(fromJson[0]?.traceId).toBe(fromProto[0]?.traceId);
    expect(fromJson[0]?.startTimeUnixNano).toBe(fromProto[0]?.startTimeUnixNano);
    expect(Object.fromEntries(fromJson[0]?.attributes ?? [])).toEqual(
      Object.fromEntries(fromProto[0]?.attributes ?? []),
    );
  });

  it('refuses bytes that are not an ExportTraceServiceRequest', () => {
    expect(() => decodeProtobufExport(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x0f))).toThrow(
      OtlpDecodeError,
    );
    expect(() => decodeJsonExport(new TextEncoder().encode('{"resourceSpans": 3}'))).toThrow(
      OtlpDecodeError,
    );
  });
});

describe('POST /v1/traces', () => {
  it('answers a protobuf export with a protobuf ExportTraceServiceResponse', async () => {
    const org = await createTestOrg('otlp-proto');
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({ spans: [plainSpan] }),
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/x-protobuf');
    expect(Number(answer.body.partialSuccess?.rejectedSpans)).toBe(0);
    expect(answer.body.partialSuccess?.errorMessage).toMatch(/1 span\(s\) without gen_ai/);
  });

  it('answers an OTLP/JSON export in JSON, int64 as a string', async () => {
    const org = await createTestOrg('otlp-json');
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      contentType: 'application/json; charset=utf-8',
      body: jsonExport({ spans: [plainSpan, plainSpan] }),
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body.partialSuccess?.rejectedSpans).toBe('0');
    expect(answer.body.partialSuccess?.errorMessage).toMatch(/2 span\(s\) without gen_ai/);
  });

  it('answers an empty export with an empty response', async () => {
    const org = await createTestOrg('otlp-empty');
    const answer = await postTraces({ token: org.tokens.EDITOR, body: new Uint8Array() });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({});
  });

  it('inflates gzip bodies in both encodings', async () => {
    const org = await createTestOrg('otlp-gzip');
    for (const [contentType, encode] of [
      ['application/x-protobuf', protobufExport],
      ['application/json', jsonExport],
    ] as const) {
      const answer = await postTraces({
        token: org.tokens.EDITOR,
        contentType,
        contentEncoding: 'gzip',
        body: await gzip(encode({ spans: [plainSpan, plainSpan, plainSpan] })),
      });
      expect(answer.status).toBe(200);
      expect(answer.body.partialSuccess?.errorMessage).toMatch(/3 span\(s\) without gen_ai/);
    }
  });

  it('answers 401 with a Status, in the request encoding, without or with a bad token', async () => {
    const body = protobufExport({ spans: [plainSpan] });
    const missing = await postTraces({ token: null, body });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body).toEqual({ code: 16, message: expect.stringMatching(/Bearer/) });
    const unknown = await postTraces({
      token: 'mr_unknown',
      contentType: 'application/json',
      body: jsonExport({ spans: [plainSpan] }),
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ code: 16, message: expect.stringMatching(/unknown/) });
  });

  it('answers 403 to a VIEWER token: recording usage is a write', async () => {
    const org = await createTestOrg('otlp-viewer');
    const answer = await postTraces({
      token: org.tokens.VIEWER,
      body: protobufExport({ spans: [plainSpan] }),
    });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe(7);
  });

  it('answers 415 to other content types and encodings, 405 to other methods', async () => {
    const org = await createTestOrg('otlp-415');
    const text = await postTraces({
      token: org.tokens.EDITOR,
      contentType: 'text/plain',
      body: new TextEncoder().encode('hello'),
    });
    expect(text.status).toBe(415);
    expect(text.body.message).toMatch(/application\/x-protobuf or application\/json/);
    const brotli = await postTraces({
      token: org.tokens.EDITOR,
      contentEncoding: 'br',
      body: protobufExport({ spans: [plainSpan] }),
    });
    expect(brotli.status).toBe(415);
    expect(brotli.body.code).toBe(3);
    const get = await postTraces({
      token: org.tokens.EDITOR,
      method: 'GET',
      body: new Uint8Array(),
    });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers 400 with a protobuf Status to malformed protobuf and broken gzip', async () => {
    const org = await createTestOrg('otlp-400');
    const malformed = await postTraces({
      token: org.tokens.EDITOR,
      body: Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01),
    });
    expect(malformed.status).toBe(400);
    expect(malformed.contentType).toBe('application/x-protobuf');
    expect(malformed.body).toEqual({
      code: 3,
      message: expect.stringMatching(/Malformed protobuf/),
    });
    const brokenGzip = await postTraces({
      token: org.tokens.EDITOR,
      contentEncoding: 'gzip',
      body: protobufExport({ spans: [plainSpan] }),
    });
    expect(brokenGzip.status).toBe(400);
    expect(brokenGzip.body.message).toMatch(/Malformed gzip/);
  });

  it('answers 400 with a JSON Status to malformed JSON and bad ids', async () => {
    const org = await createTestOrg('otlp-400-json');
    const post = (text: string) =>
      postTraces({
        token: org.tokens.EDITOR,
        contentType: 'application/json',
        body: new TextEncoder().encode(text),
      });
    const notJson = await post('{"resourceSpans": [');
    expect(notJson.status).toBe(400);
    expect(notJson.contentType).toMatch(/^application\/json/);
    expect(notJson.body).toEqual({ code: 3, message: expect.stringMatching(/Malformed JSON/) });
    const badId = await post(
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] }),
    );
    expect(badId.status).toBe(400);
    expect(badId.body.message).toMatch(/resourceSpans\.0\.scopeSpans\.0\.spans\.0\.traceId/);
  });

  it(`accepts a 5 MB export (the cap is ${MAX_OTLP_BODY_BYTES} bytes) and refuses more with 413`, async () => {
    const org = await createTestOrg('otlp-5mb');
    const prompt = 'x'.repeat(5_000_000);
    const fiveMb = protobufExport({ spans: [{ ...plainSpan, attributes: { prompt } }] });
    expect(fiveMb.byteLength).toBeGreaterThan(5_000_000);
    const accepted = await postTraces({ token: org.tokens.EDITOR, body: fiveMb });
    expect(accepted.status).toBe(200);
    const tooLarge = protobufExport({
      spans: [{ ...plainSpan, attributes: { prompt: 'x'.repeat(MAX_OTLP_BODY_BYTES) } }],
    });
    const declared = await postTraces({ token: org.tokens.EDITOR, body: tooLarge });
    expect(declared.status).toBe(413);
    expect(declared.body.message).toMatch(String(MAX_OTLP_BODY_BYTES));
    // Chunked, without a Content-Length: counted while read.
    const streamed = await postTraces({
      token: org.tokens.EDITOR,
      body: new Blob([tooLarge]).stream(),
    });
    expect(streamed.status).toBe(413);
  });

  it('refuses a gzip body that inflates past the inflated cap with 413', async () => {
    const org = await createTestOrg('otlp-bomb');
    const bomb = await gzip(new Uint8Array(MAX_OTLP_INFLATED_BYTES + 1024));
    expect(bomb.byteLength).toBeLessThan(MAX_OTLP_BODY_BYTES);
    const answer = await postTraces({
      token: org.tokens.EDITOR,
      contentEncoding: 'gzip',
      body: bomb,
    });
    expect(answer.status).toBe(413);
    expect(answer.body.message).toMatch(/Inflated body exceeds/);
  });

  it(`counts spans on the wire and refuses more than ${MAX_OTLP_SPANS_PER_EXPORT} per export before decoding`, async () => {
    // Decoded, a span costs ~2 KB of heap: 100,000 tiny spans (8 MB on the wire) would not fit
    // in an isolate. The count is read off the wire, across resources and scopes.
    const few = protobufExport({ spans: [plainSpan, plainSpan, plainSpan] });
    expect(countProtobufSpans(few)).toBe(decodeProtobufExport(few).length);
    const fewJson = jsonExport({ spans: [plainSpan, plainSpan] });
    expect(countJsonSpans(fewJson)).toBe(2);
    expect(() => countProtobufSpans(new Uint8Array([0x0a, 0xff, 0xff]))).toThrow(OtlpDecodeError);

    const org = await createTestOrg('otlp-many');
    const spans = Array.from({ length: MAX_OTLP_SPANS_PER_EXPORT + 1 }, () => plainSpan);
    for (const [body, contentType] of [
      [protobufExport({ spans }), 'application/x-protobuf'],
      [jsonExport({ spans }), 'application/json'],
    ] as const) {
      const answer = await postTraces({ token: org.tokens.EDITOR, body, contentType });
      expect(answer.status).toBe(413);
      expect(answer.body.message).toMatch(
        new RegExp(
          `holds ${MAX_OTLP_SPANS_PER_EXPORT + 1} spans; at most ${MAX_OTLP_SPANS_PER_EXPORT}`,
        ),
      );
    }
    const atLimit = await postTraces({
      token: org.tokens.EDITOR,
      body: protobufExport({ spans: spans.slice(1) }),
    });
    expect(atLimit.status).toBe(200);
  });
});

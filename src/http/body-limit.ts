// Request bodies for /graphql and /api are capped before anything parses them: an oversized body
// is answered 413 with a JSON error naming the limit, whether it declares its length or streams.
// Artifact uploads (/artifacts) stream to R2 and have their own limits.

/** 1 MiB: a mutation with its largest inputs (64 KiB JSON metadata objects) fits many times. */
export const MAX_BODY_BYTES = 1_048_576;

export function payloadTooLarge(limit: number): Response {
  return Response.json(
    {
      errors: [
        {
          message: `Request body exceeds ${limit} bytes (limit: maxBodyBytes)`,
          extensions: { code: 'PAYLOAD_TOO_LARGE', limit: 'maxBodyBytes', max: limit },
        },
      ],
    },
    { status: 413 },
  );
}

/**
 * The request when its body is within `limit` bytes; a 413 response otherwise. A declared
 * Content-Length over the limit is refused without reading anything; one within it is passed on
 * unread: HTTP framing makes the body exactly that long (the runtime reads no more, and a peer
 * that sends more breaks the connection, not the cap), and reading it here only to rebuild the
 * Request cost 10% of the cheapest request's isolate time (bench/run.ts overhead --profile). A
 * body without a length (chunked), or with Transfer-Encoding beside one, is read into memory
 * only up to the limit.
 */
export async function limitBody(
  request: Request,
  limit = MAX_BODY_BYTES,
): Promise<Request | Response> {
  if (!request.body) return request;
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return payloadTooLarge(limit);
  if (declared !== null && /^\d+$/.test(declared) && !request.headers.has('transfer-encoding')) {
    return request;
  }
  const body = await readCapped(request.body, limit);
  if (!body) return payloadTooLarge(limit);
  return new Request(request, { body });
}

/**
 * The stream's bytes when there are at most `limit` of them; null (and the stream cancelled) as
 * soon as it goes over, so an oversized or endlessly inflating body is never held whole.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

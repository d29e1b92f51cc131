// Bench-only control Worker (never deployed, not part of src/): the same R2 binding and local R2
// simulator as the registry Worker, with none of its code. The artifacts scenario sends the same
// bodies here as through PUT /artifacts/<id>, so the memory the simulator costs can be told apart
// from the memory our route costs.
//
//   PUT  /discard                   reads the body and drops it (no R2): the request path alone
//   PUT  /put/<key>                 env.ARTIFACTS.put(key, request.body, { sha256 }): what our
//                                   single-request route asks of R2, with none of its code
//   PUT  /put-js-hash/<key>         the same after the route's former hashing TransformStream and
//                                   a FixedLengthStream: every chunk passes through JavaScript
//   POST /mpu/<key>                 createMultipartUpload -> { uploadId }
//   PUT  /mpu/<key>/<uploadId>/<n>  uploadPart(n, request.body) -> { partNumber, etag }
//   POST /mpu/<key>/<uploadId>      complete with the JSON body's parts -> { size }
//
// Typed structurally (this file is type-checked with the bench's Node/DOM types, not workerd's).

interface UploadedPart {
  partNumber: number;
  etag: string;
}

interface MultipartUpload {
  uploadId: string;
  uploadPart(partNumber: number, body: ReadableStream<Uint8Array>): Promise<UploadedPart>;
  complete(parts: UploadedPart[]): Promise<{ size: number }>;
}

interface ControlEnv {
  ARTIFACTS: {
    put(
      key: string,
      body: ReadableStream<Uint8Array> | null,
      options?: { sha256?: string },
    ): Promise<{ size: number } | null>;
    createMultipartUpload(key: string): Promise<MultipartUpload>;
    resumeMultipartUpload(key: string, uploadId: string): MultipartUpload;
  };
}

async function discard(body: ReadableStream<Uint8Array> | null): Promise<number> {
  if (!body) return 0;
  const reader = body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

declare const FixedLengthStream: new (length: number) => TransformStream<Uint8Array, Uint8Array>;
interface DigestStream extends WritableStream<Uint8Array> {
  digest: Promise<ArrayBuffer>;
}

/** The hashing TransformStream the artifact upload service used on whole bodies. */
function jsHashed(body: ReadableStream<Uint8Array>, length: number) {
  const Digest = (crypto as unknown as { DigestStream: new (algorithm: string) => DigestStream })
    .DigestStream;
  const digest = new Digest('SHA-256');
  const writer = digest.getWriter();
  return body
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          await writer.write(chunk);
          controller.enqueue(chunk);
        },
        async flush() {
          await writer.close();
        },
      }),
    )
    .pipeThrough(new FixedLengthStream(length));
}

async function route(request: Request, env: ControlEnv): Promise<Response> {
  const { pathname } = new URL(request.url);
  const [, action, key, uploadId, part] = pathname.split('/');
  if (request.method === 'PUT' && action === 'discard') {
    return Response.json({ bytes: await discard(request.body) });
  }
  const sha256 = request.headers.get('x-sha256') ?? undefined;
  if (request.method === 'PUT' && action === 'put' && key) {
    const object = await env.ARTIFACTS.put(key, request.body, sha256 ? { sha256 } : {});
    return Response.json({ size: object?.size ?? null }, { status: 201 });
  }
  if (request.method === 'PUT' && action === 'put-js-hash' && key && request.body) {
    const length = Number(request.headers.get('content-length'));
    const body = jsHashed(request.body, length);
    const object = await env.ARTIFACTS.put(key, body, sha256 ? { sha256 } : {});
    return Response.json({ size: object?.size ?? null }, { status: 201 });
  }
  if (action === 'mpu' && key) {
    if (request.method === 'POST' && !uploadId) {
      const upload = await env.ARTIFACTS.createMultipartUpload(key);
      return Response.json({ uploadId: upload.uploadId });
    }
    if (request.method === 'PUT' && uploadId && part && request.body) {
      const upload = env.ARTIFACTS.resumeMultipartUpload(key, uploadId);
      return Response.json(await upload.uploadPart(Number(part), request.body));
    }
    if (request.method === 'POST' && uploadId) {
      const parts = (await request.json()) as UploadedPart[];
      const object = await env.ARTIFACTS.resumeMultipartUpload(key, uploadId).complete(parts);
      return Response.json({ size: object.size });
    }
  }
  return Response.json({ error: 'Not found.' }, { status: 404 });
}

export default {
  async fetch(request: Request, env: ControlEnv): Promise<Response> {
    try {
      return await route(request, env);
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};

// The artifact byte routes, next to /graphql: GraphQL starts, completes, aborts and lists uploads;
// the bytes go through these streaming routes, authenticated by the same bearer tokens and scoped
// to the token's organization (another organization's artifact is 404, like a missing one).
//
//   PUT  /artifacts/<id>            the whole file (single-request upload), Content-Length required
//   PUT  /artifacts/<id>/parts/<n>  part n of a multipart upload (x-part-sha256 optional)
//   GET  /artifacts/<id>            download, streamed from R2, with Range support (206/416)
//   HEAD /artifacts/<id>            the same headers without the body
import { viewerScopes } from '../auth/viewer.ts';
import { type Context, createContext, type WorkerEnv } from '../context.ts';
import type { StatementCounter } from '../db/client.ts';
import type { Artifact } from '../registry/artifact/artifact.ts';
import { uploadArtifactPart } from '../registry/artifact/artifact-multipart.service.ts';
import { readArtifactBytes, readableArtifact } from '../registry/artifact/artifact-read.service.ts';
import { uploadArtifactBody } from '../registry/artifact/artifact-upload.service.ts';
import { ForbiddenError } from '../registry/errors.ts';
import { ApiError, fromThrown } from './api/errors.ts';
import { parseRange } from './range.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ARTIFACT_PATH = new RegExp(`^/artifacts/(${UUID})(?:/parts/(\\d{1,5}))?/?$`, 'i');

/**
 * Errors take the REST API's shape and mapping (`{ error: { code, message, path, ...details } }`,
 * src/routes/api/errors.ts); only the two failures particular to byte uploads are mapped here.
 */
function errorResponse(error: unknown): Response {
  return fromThrown(error).toResponse(new Headers());
}

function contentLength(request: Request): number | null {
  const header = request.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

function requireEditor(context: Context): void {
  if (!viewerScopes(context.viewer).editor) {
    throw new ForbiddenError('Your role does not allow uploading artifacts');
  }
}

function artifactHeaders(artifact: Artifact): Headers {
  return new Headers({
    'content-type': artifact.contentType,
    'accept-ranges': 'bytes',
    etag: `"${artifact.sha256}"`,
    'x-checksum-sha256': artifact.sha256,
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(artifact.name.split('/').pop() ?? artifact.name)}`,
    'cache-control': 'private, no-store',
  });
}

async function route(
  request: Request,
  env: WorkerEnv,
  ctx: ExecutionContext,
  statements: StatementCounter,
): Promise<Response> {
  const url = new URL(request.url);
  const match = ARTIFACT_PATH.exec(url.pathname);
  if (!match) throw new ApiError(404, 'NOT_FOUND', 'Not found.');
  const id = (match[1] as string).toLowerCase();
  const partNumber = match[2] === undefined ? null : Number(match[2]);
  const method = request.method.toUpperCase();
  const allowed = partNumber === null ? 'GET, HEAD, PUT' : 'PUT';
  if (!allowed.split(', ').includes(method)) {
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed}`, [], {}, { allow: allowed });
  }

  const context = await createContext(request, { env, ctx, statements });
  const deps = context.deps;

  if (method === 'PUT') {
    requireEditor(context);
    if (partNumber === null) {
      const artifact = await uploadArtifactBody(
        deps,
        context.viewer,
        id,
        request.body,
        contentLength(request),
      );
      return Response.json(
        {
          id: artifact.id,
          status: artifact.status,
          sizeBytes: artifact.sizeBytes,
          sha256: artifact.sha256,
        },
        { status: 201 },
      );
    }
    const part = await uploadArtifactPart(
      deps,
      context.viewer,
      id,
      partNumber,
      request.body,
      contentLength(request),
      request.headers.get('x-part-sha256'),
    );
    return Response.json({
      partNumber: part.partNumber,
      sizeBytes: part.sizeBytes,
      sha256: part.sha256,
    });
  }

  // GET and HEAD: the artifact is looked up first, so its size decides the range.
  const head = method === 'HEAD';
  const readable = await readableArtifact(deps, context.viewer, id);
  const { artifact } = readable;
  const range = parseRange(request.headers.get('range'), artifact.sizeBytes);
  const headers = artifactHeaders(artifact);
  if (range.kind === 'unsatisfiable') {
    headers.set('content-range', `bytes */${artifact.sizeBytes}`);
    headers.delete('content-type');
    return new Response(null, { status: 416, headers });
  }
  const partial = range.kind === 'partial' ? { offset: range.offset, length: range.length } : null;
  const length = partial ? partial.length : artifact.sizeBytes;
  headers.set('content-length', String(length));
  if (partial) {
    headers.set(
      'content-range',
      `bytes ${partial.offset}-${partial.offset + partial.length - 1}/${artifact.sizeBytes}`,
    );
  }
  const status = partial ? 206 : 200;
  if (head) return new Response(null, { status, headers });
  const object = await readArtifactBytes(deps, readable, partial);
  return new Response(object.body, { status, headers });
}

/** Serves one artifact route; every response carries x-d1-statements like /graphql's. */
export async function handleArtifactRequest(
  request: Request,
  env: WorkerEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  let response: Response;
  try {
    response = await route(request, env, ctx, statements);
  } catch (error) {
    response = errorResponse(error);
  }
  response.headers.set('x-d1-statements', String(statements.statements));
  return response;
}

// MLflow's artifact proxy (mlflow-artifacts:/ URIs, which clients resolve to
// /api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>): PUT uploads a file,
// GET downloads one, DELETE removes one, GET without a file path lists a directory (`?path=`).
// The body is streamed to R2, not parsed: the guard's JSON body limit does not apply here, the
// single-upload limit of the artifact service does.
import { viewerScopes } from '../../auth/viewer.ts';
import { createContext, type WorkerEnv } from '../../context.ts';
import type { StatementCounter } from '../../db/client.ts';
import {
  deleteRunArtifact,
  getRunArtifact,
  listRunArtifacts,
  putRunArtifact,
  type RunArtifactFile,
  runArtifactTarget,
} from '../../registry/run/run-artifacts.service.ts';
import { MlflowError, mlflowErrorOf } from './errors.ts';

export function fileInfoJson(file: RunArtifactFile) {
  return {
    path: file.path,
    is_dir: file.isDir,
    ...(file.size === null ? {} : { file_size: file.size }),
  };
}

export async function handleMlflowArtifacts(
  request: Request,
  env: WorkerEnv,
  ctx: ExecutionContext,
  path: string,
): Promise<Response> {
  const statements: StatementCounter = { statements: 0, roundTrips: 0 };
  try {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (!['GET', 'PUT', 'DELETE'].includes(method)) {
      throw new MlflowError(
        'ENDPOINT_NOT_FOUND',
        `mlflow-artifacts accepts GET, PUT, DELETE, not ${request.method}`,
        405,
      );
    }
    const context = await createContext(request, { env, ctx, statements });
    const { deps, viewer } = context;
    const write = method !== 'GET';
    if (write && !viewerScopes(viewer).editor) {
      throw new MlflowError(
        'PERMISSION_DENIED',
        `Your role (${viewer.role}) may not write artifacts`,
      );
    }
    if (path === '') {
      if (method !== 'GET')
        throw new MlflowError('ENDPOINT_NOT_FOUND', 'Name a file to write', 405);
      const listed = new URL(request.url).searchParams.get('path') ?? '';
      const target = await runArtifactTarget(deps, viewer, listed, {
        write: false,
        allowRoot: true,
      });
      const { files } = await listRunArtifacts(deps, viewer, target);
      return Response.json(files.length ? { files: files.map(fileInfoJson) } : {});
    }
    const target = await runArtifactTarget(deps, viewer, path, { write, allowRoot: false });
    if (method === 'PUT') {
      const length = request.headers.get('content-length');
      await putRunArtifact(
        deps,
        viewer,
        target,
        request.body,
        length === null ? null : Number(length),
      );
      return Response.json({});
    }
    if (method === 'DELETE') {
      await deleteRunArtifact(deps, viewer, target);
      return Response.json({});
    }
    const object = await getRunArtifact(deps, viewer, target);
    return new Response(request.method === 'HEAD' ? null : object.body, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(object.size),
        'content-disposition': `attachment; filename="${encodeURIComponent(target.path.split('/').at(-1) ?? 'file')}"`,
      },
    });
  } catch (error) {
    return mlflowErrorOf(error).toResponse();
  }
}

// A run's artifacts (files a training script logs: plots, checkpoints, a saved model), as MLflow's
// artifact proxy keeps them: a tree of paths under the run, stored in R2 under the organization and
// run (runs/<org>/<run>/<path>), so one organization can never name another's objects. R2 is the
// index: listing a directory is an R2 list with a delimiter; no rows are written, as MLflow's
// proxy writes none. Objects are encrypted with the organization's SSE-C key when it has one,
// as version artifacts are, and a read with a changed key is refused.
import type { Viewer } from '../../auth/viewer.ts';
import { encryptionKey } from '../artifact/artifact-read.service.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { requireRun } from './run.service.ts';

type ArtifactDeps = Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>;

export interface RunArtifactFile {
  /** Relative to the run's artifact root, as MLflow lists it. */
  path: string;
  isDir: boolean;
  /** Bytes; null for a directory. */
  size: number | null;
}

const MAX_PATH = 1024;
const MAX_LISTED = 1000;

/** A relative artifact path: no "..", ".", empty or absolute segments, no control characters. */
export function checkArtifactPath(path: string, field: readonly string[], allowEmpty: boolean) {
  if (path === '' && allowEmpty) return '';
  const segments = path.split('/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  const control = /[\u0000-\u001f\u007f\\]/;
  if (
    path.length > MAX_PATH ||
    control.test(path) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new ValidationError(
      `Invalid artifact path '${path.slice(0, 200)}': relative, at most ${MAX_PATH} characters, no empty, '.' or '..' segments, no backslashes`,
      field,
    );
  }
  return path;
}

function objectKey(orgId: string, runId: string, path: string): string {
  return `runs/${orgId}/${runId}/${path}`;
}

/**
 * The run an artifact path of the proxy names (`<experiment>/<run>/artifacts/<path>`), checked to
 * be the caller's and in that experiment, with the path under its artifact root.
 */
export async function runArtifactTarget(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  proxyPath: string,
  options: { write: boolean; allowRoot: boolean },
) {
  const [experimentId, runId, root, ...rest] = proxyPath.split('/');
  if (!experimentId || !runId || root !== 'artifacts') {
    throw new NotFoundError(
      `No run artifact at '${proxyPath.slice(0, 200)}': paths are <experiment_id>/<run_id>/artifacts/<path>`,
      ['path'],
      proxyPath,
      null,
    );
  }
  const run = await requireRun(deps, viewer, runId, ['path'], !options.write);
  if (run.experiment_id !== experimentId) {
    throw new NotFoundError(
      `Run ${runId} is not in experiment ${experimentId}`,
      ['path'],
      runId,
      'Run',
    );
  }
  return { runId: run.id, path: checkArtifactPath(rest.join('/'), ['path'], options.allowRoot) };
}

/** Stores a file of a run (active runs only), replacing what was at that path. */
export async function putRunArtifact(
  deps: ArtifactDeps,
  viewer: Viewer,
  target: { runId: string; path: string },
  body: ReadableStream<Uint8Array> | null,
  contentLength: number | null,
): Promise<{ size: number }> {
  const limit = deps.config.uploadLimits.maxRequestBody;
  if (contentLength === null) {
    throw new ValidationError('Send the file with a Content-Length header', ['content-length']);
  }
  if (contentLength > limit) {
    throw new ValidationError(
      `The file (${contentLength} bytes) is larger than ${limit} bytes, the largest single upload`,
      ['content-length'],
    );
  }
  const key = await encryptionKey(deps, viewer.orgId);
  const exact = (body ?? new Blob([]).stream()).pipeThrough(new FixedLengthStream(contentLength));
  try {
    const object = await deps.bucket.put(
      objectKey(viewer.orgId, target.runId, target.path),
      exact,
      {
        customMetadata: key ? { keyId: key.keyId } : {},
        ...(key ? { ssecKey: key.key } : {}),
      },
    );
    return { size: object?.size ?? contentLength };
  } catch (error) {
    // A body shorter or longer than its Content-Length stores nothing.
    throw new ValidationError(
      `The file could not be stored (${String(error).slice(0, 200)}); nothing was written`,
      ['body'],
    );
  }
}

/** A file of a run, streamed; NotFoundError when nothing is at that path. */
export async function getRunArtifact(
  deps: ArtifactDeps,
  viewer: Viewer,
  target: { runId: string; path: string },
): Promise<R2ObjectBody> {
  const objectName = objectKey(viewer.orgId, target.runId, target.path);
  const head = await deps.bucket.head(objectName);
  if (!head) {
    throw new NotFoundError(
      `No artifact '${target.path}' in run ${target.runId}`,
      ['path'],
      target.path,
      null,
    );
  }
  const key = await encryptionKey(deps, viewer.orgId);
  const keyId = head.customMetadata?.keyId ?? null;
  if (keyId !== null && key?.keyId !== keyId) {
    throw new ConflictError(
      'This artifact is encrypted with a customer-provided key that is no longer configured (ARTIFACT_SSEC_KEYS); restore that key to read it',
    );
  }
  const object = await deps.bucket.get(objectName, keyId && key ? { ssecKey: key.key } : {});
  if (!object) {
    throw new NotFoundError(
      `No artifact '${target.path}' in run ${target.runId}`,
      ['path'],
      target.path,
      null,
    );
  }
  return object;
}

export async function deleteRunArtifact(
  deps: ArtifactDeps,
  viewer: Viewer,
  target: { runId: string; path: string },
): Promise<void> {
  await deps.bucket.delete(objectKey(viewer.orgId, target.runId, target.path));
}

/**
 * One directory of a run's artifacts: its files and subdirectories, by path, a page of up to
 * 1,000 (R2's cursor continues it). Paths are relative to the artifact root, as MLflow lists them.
 */
export async function listRunArtifacts(
  deps: ArtifactDeps,
  viewer: Viewer,
  target: { runId: string; path: string },
  cursor: string | null = null,
): Promise<{ files: RunArtifactFile[]; cursor: string | null }> {
  const root = objectKey(viewer.orgId, target.runId, '');
  const prefix = target.path === '' ? root : `${root}${target.path}/`;
  const listed = await deps.bucket.list({
    prefix,
    delimiter: '/',
    limit: MAX_LISTED,
    ...(cursor ? { cursor } : {}),
  });
  const files: RunArtifactFile[] = [
    ...listed.delimitedPrefixes.map((dir) => ({
      path: dir.slice(root.length, -1),
      isDir: true,
      size: null,
    })),
    ...listed.objects.map((object) => ({
      path: object.key.slice(root.length),
      isDir: false,
      size: object.size,
    })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, cursor: listed.truncated ? listed.cursor : null };
}

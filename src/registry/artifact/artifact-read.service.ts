import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findArtifactPagesByVersionIds,
  findArtifactsByIds,
  findPartsByArtifactIds,
} from './artifact.repository.ts';
import { type Artifact, type ArtifactPart, toArtifact, toArtifactPart } from './artifact.ts';
import { type ArtifactKey, artifactKeyFor } from './encryption.ts';

export async function encryptionKey(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  orgId: string,
): Promise<ArtifactKey | null> {
  return artifactKeyFor(deps.config.encryptionKeys, orgId);
}

/** The key an artifact was written with; refuses when the organization's key changed since. */
export async function keyOf(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  artifact: Artifact,
): Promise<ArtifactKey | null> {
  if (artifact.encryptionKeyId === null) return null;
  const key = await encryptionKey(deps, artifact.orgId);
  if (!key || key.keyId !== artifact.encryptionKeyId) {
    throw new ConflictError(
      'This artifact is encrypted with a customer-provided key that is no longer configured (ARTIFACT_SSEC_KEYS); restore that key to read or complete it',
    );
  }
  return key;
}

/** The caller's artifacts among `ids`, pending or complete (others are missing). */
export async function artifactsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Artifact[]> {
  return (await findArtifactsByIds(deps.db, viewer.orgId, ids)).map(toArtifact);
}

/** One page of the complete artifacts of each version, oldest first. */
export async function artifactPagesOfVersions(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  versionIds: readonly string[],
  page: PageRequest,
): Promise<Artifact[][]> {
  const rows = await findArtifactPagesByVersionIds(deps.db, viewer.orgId, versionIds, page);
  return groupRows(versionIds, rows, (row) => row.version_id).map((group) => group.map(toArtifact));
}

export async function findArtifact(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  id: string,
  path: readonly string[] = [],
): Promise<Artifact> {
  const [row] = await findArtifactsByIds(deps.db, viewer.orgId, [id]);
  if (!row) throw new NotFoundError('No artifact with this id', path, id, 'Artifact');
  return toArtifact(row);
}

export async function findArtifactParts(
  deps: Pick<Deps, 'db'>,
  orgId: string,
  id: string,
): Promise<ArtifactPart[]> {
  return (await findPartsByArtifactIds(deps.db, orgId, [id])).map(toArtifactPart);
}

/** A complete artifact the caller may read, with the SSE-C key it was written with. */
export async function readableArtifact(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  id: string,
): Promise<{ artifact: Artifact; key: ArtifactKey | null }> {
  const artifact = await findArtifact(deps, viewer, id);
  if (artifact.status !== 'COMPLETE') {
    throw new NotFoundError('This artifact’s upload is not complete', [], id, 'Artifact');
  }
  return { artifact, key: await keyOf(deps, artifact) };
}

/** Streams a complete artifact from R2, whole or one byte range. */
export async function readArtifactBytes(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  readable: { artifact: Artifact; key: ArtifactKey | null },
  range: { offset: number; length: number } | null,
): Promise<R2ObjectBody> {
  const { artifact, key } = readable;
  const object = await deps.bucket.get(artifact.r2Key, {
    ...(range ? { range } : {}),
    ...(key ? { ssecKey: key.key } : {}),
  });
  if (!object) throw new Error(`Artifact ${artifact.id} is registered but missing from R2`);
  return object;
}

import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { optionalText } from '../validate.ts';
import { deleteArtifact, deleteArtifactParts } from './artifact.repository.ts';
import type { Artifact } from './artifact.ts';
import { findArtifact } from './artifact-read.service.ts';

/**
 * Deletes an artifact (administrators only, audited): the record and its audit row in one batch,
 * then the bytes in R2. Never the other way round, so no listed artifact lacks its bytes.
 */
export async function deleteArtifactById(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket' | 'config'>,
  viewer: Viewer,
  input: { artifactId: string; reason?: string | null },
): Promise<Artifact> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const path = ['artifactId'];
  const artifact = await findArtifact(deps, viewer, input.artifactId, path);
  const results = await runBatch(deps.d1, [
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'artifact.delete',
      subjectId: artifact.id,
      subjectKind: 'Artifact',
      before: {
        versionId: artifact.versionId,
        name: artifact.name,
        status: artifact.status,
        sizeBytes: artifact.sizeBytes,
        sha256: artifact.sha256,
      },
      reason,
    }),
    deleteArtifactParts(deps.db, artifact.id),
    deleteArtifact(deps.db, artifact.id),
  ]);
  if (results[2]?.meta.changes === 0) {
    throw new NotFoundError('No artifact with this id', path, artifact.id, 'Artifact');
  }
  if (artifact.multipartUploadId !== null && artifact.status === 'PENDING') {
    await deps.bucket
      .resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId)
      .abort()
      .catch(() => undefined);
  }
  await deps.bucket.delete(artifact.r2Key);
  return artifact;
}

import { runBatch } from '../../db/batch.ts';
import type { Deps } from '../deps.ts';
import { newId, nowIso } from '../ids.ts';
import {
  deleteExpiredUploadParts,
  deleteExpiredUploads,
  findExpiredUploads,
  insertExpiryAuditEvents,
} from './artifact.repository.ts';
import { toArtifact } from './artifact.ts';

/**
 * At most this many uploads expire per run. The D1 cost is fixed whatever the number (one select,
 * then one batch of three statements: the audit events as one json_each insert and two set-wide
 * deletes), so the bound is the size of the JSON parameters (about 60 bytes per upload) and the
 * run's CPU time. The rest wait for the next trigger (every 15 minutes).
 */
export const EXPIRED_UPLOADS_PER_RUN = 500;

/**
 * At most this many R2 multipart uploads are aborted per run: each abort is a call to R2, and with
 * the four D1 statements a run stays under the 50 subrequests a Free-plan invocation allows.
 * Expired multipart uploads past it wait for the next run (single-request ones need no R2 call).
 */
export const EXPIRY_ABORTS_PER_RUN = 40;

export interface ExpiryRun {
  /** Uploads removed, each with an `artifact.expire` audit event. */
  expired: string[];
  /** R2 multipart uploads whose abort failed (R2's lifecycle rule for incomplete uploads is the backstop). */
  abortFailures: string[];
}

const EXPIRY_REASON = 'Upload not completed within its time to live';

/**
 * The scheduled job: removes uploads whose time to live passed at `now`. For each multipart one,
 * R2's multipart upload is aborted first (its parts freed; a failure is logged and R2's lifecycle
 * rule remains the backstop), then, in one D1 batch, the `artifact.expire` audit events (one
 * statement for all) and the removal of the rows and their parts, each guarded by "still pending
 * and expired": an upload completed or extended by a part meanwhile is left alone, without an
 * event. A part can no longer extend an upload once it has expired, so nothing aborted in R2 stays
 * listed as pending.
 */
export async function expireArtifactUploads(
  deps: Pick<Deps, 'db' | 'd1' | 'bucket'>,
  now: Date,
  limit = EXPIRED_UPLOADS_PER_RUN,
  abortLimit = EXPIRY_ABORTS_PER_RUN,
): Promise<ExpiryRun> {
  const at = now.toISOString();
  let aborts = 0;
  // Oldest first; multipart uploads past the abort budget are left whole for the next run.
  const rows = (await findExpiredUploads(deps.db, at, limit))
    .map(toArtifact)
    .filter((artifact) => artifact.multipartUploadId === null || aborts++ < abortLimit);
  const abortFailures: string[] = [];
  for (const artifact of rows) {
    if (artifact.multipartUploadId === null) continue;
    try {
      await deps.bucket.resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId).abort();
    } catch (error) {
      console.error(`aborting R2 upload of expired artifact ${artifact.id} failed: ${error}`);
      abortFailures.push(artifact.id);
    }
  }
  if (rows.length === 0) return { expired: [], abortFailures };
  const ids = rows.map((artifact) => artifact.id);
  await runBatch(deps.d1, [
    insertExpiryAuditEvents(
      deps.db,
      ids.map((artifactId) => ({ auditId: newId(), artifactId })),
      at,
      nowIso(),
      EXPIRY_REASON,
    ),
    deleteExpiredUploadParts(deps.db, ids, at),
    deleteExpiredUploads(deps.db, ids, at),
  ]);
  return { expired: ids, abortFailures };
}

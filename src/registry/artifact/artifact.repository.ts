import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { ArtifactPartTable, ArtifactTable } from './artifact.table.ts';

export function findArtifactsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('artifact')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

export function findArtifactByVersionAndName(
  db: Db,
  orgId: string,
  versionId: string,
  name: string,
) {
  return db
    .selectFrom('artifact')
    .selectAll()
    .where('version_id', '=', versionId)
    .where('name', '=', name)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** One page of complete artifacts for each of many versions, in one statement (see model pages). */
export function findArtifactPagesByVersionIds(
  db: Db,
  orgId: string,
  versionIds: readonly string[],
  page: PageRequest,
) {
  return selectGroupedPages<ArtifactTable>(
    db,
    db
      .selectFrom('artifact')
      .selectAll()
      .where('version_id', 'in', jsonKeys(versionIds))
      .where('status', '=', 'COMPLETE')
      .where('org_id', '=', orgId),
    { group: 'version_id', id: 'id' },
    page,
  );
}

export function findPartsByArtifactIds(db: Db, orgId: string, artifactIds: readonly string[]) {
  return db
    .selectFrom('artifact_part')
    .selectAll()
    .where('artifact_id', 'in', jsonKeys(artifactIds))
    .where('org_id', '=', orgId)
    .orderBy('artifact_id')
    .orderBy('part_number')
    .execute();
}

export function insertArtifact(db: Db, row: ArtifactTable) {
  return db.insertInto('artifact').values(row);
}

/**
 * Records a received part (replacing an earlier try), only while its upload is still pending and
 * not expired at `now`.
 */
export function upsertArtifactPart(db: Db, row: ArtifactPartTable, now: string) {
  return sql`
    INSERT INTO artifact_part (artifact_id, part_number, org_id, etag, size_bytes, sha256, uploaded_at)
    SELECT ${row.artifact_id}, ${row.part_number}, ${row.org_id}, ${row.etag}, ${row.size_bytes}, ${row.sha256}, ${row.uploaded_at}
    WHERE EXISTS (
      SELECT 1 FROM artifact WHERE id = ${row.artifact_id} AND status = 'PENDING'
        AND (expires_at IS NULL OR expires_at > ${now})
    )
    ON CONFLICT (artifact_id, part_number) DO UPDATE SET
      etag = excluded.etag, size_bytes = excluded.size_bytes, sha256 = excluded.sha256,
      uploaded_at = excluded.uploaded_at
  `.compile(db);
}

/** A part arrived: the pending upload lives on until `expiresAt`, unless it already expired. */
export function extendUploadExpiry(db: Db, id: string, now: string, expiresAt: string) {
  return db
    .updateTable('artifact')
    .set({ expires_at: expiresAt })
    .where('id', '=', id)
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
}

export function deleteArtifactPart(db: Db, artifactId: string, partNumber: number) {
  return db
    .deleteFrom('artifact_part')
    .where('artifact_id', '=', artifactId)
    .where('part_number', '=', partNumber);
}

/** PENDING to COMPLETE; matches nothing when the upload was aborted or completed meanwhile. */
export function markArtifactComplete(
  db: Db,
  id: string,
  now: string,
  compositeSha256: string | null,
) {
  return db
    .updateTable('artifact')
    .set({
      status: 'COMPLETE',
      completed_at: now,
      expires_at: null,
      composite_sha256: compositeSha256,
    })
    .where('id', '=', id)
    .where('status', '=', 'PENDING');
}

/** True while the artifact is still pending: guards the audit row of a completion. */
export function artifactIsPending(id: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM artifact WHERE id = ${id} AND status = 'PENDING')`;
}

export function artifactExists(id: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM artifact WHERE id = ${id})`;
}

export function deleteArtifactParts(db: Db, artifactId: string) {
  return db.deleteFrom('artifact_part').where('artifact_id', '=', artifactId);
}

export function deleteArtifact(db: Db, id: string) {
  return db.deleteFrom('artifact').where('id', '=', id);
}

/** Pending uploads of every organization that expired at `now`, soonest first. */
export function findExpiredUploads(db: Db, now: string, limit: number) {
  return db
    .selectFrom('artifact')
    .selectAll()
    .where('status', '=', 'PENDING')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * The `artifact.expire` audit events of many uploads as ONE statement: the (audit id, artifact id)
 * pairs travel as one JSON parameter (json_each), and each event is written only if its upload is
 * still pending and expired at `now` when the statement runs, so an upload completed or extended
 * by a part meanwhile gets no event (and, by the same guard, is not deleted). The event's `before`
 * is read from the row itself. Sent before the deletes in the same batch.
 */
export function insertExpiryAuditEvents(
  db: Db,
  events: readonly { auditId: string; artifactId: string }[],
  now: string,
  createdAt: string,
  reason: string,
) {
  const pairs = JSON.stringify(events.map((event) => [event.auditId, event.artifactId]));
  return sql`
    INSERT INTO audit_event (id, org_id, actor_id, action, subject_id, subject_kind, before, after, reason, created_at)
    SELECT json_extract(e.value, '$[0]'), a.org_id, NULL, 'artifact.expire', a.id, 'Artifact',
      json_object(
        'versionId', a.version_id, 'name', a.name, 'sizeBytes', a.size_bytes,
        'multipart', json(CASE WHEN a.multipart_upload_id IS NULL THEN 'false' ELSE 'true' END),
        'createdAt', a.created_at, 'expiresAt', a.expires_at
      ),
      NULL, ${reason}, ${createdAt}
    FROM json_each(${pairs}) AS e
    JOIN artifact AS a ON a.id = json_extract(e.value, '$[1]')
    WHERE a.status = 'PENDING' AND a.expires_at <= ${now}
    ORDER BY e.key
  `.compile(db);
}

/** The parts of those of `ids` that are still pending and expired at `now`. */
export function deleteExpiredUploadParts(db: Db, ids: readonly string[], now: string) {
  return db
    .deleteFrom('artifact_part')
    .where('artifact_id', 'in', (eb) =>
      eb
        .selectFrom('artifact')
        .select('id')
        .where('id', 'in', jsonKeys(ids))
        .where('status', '=', 'PENDING')
        .where('expires_at', '<=', now),
    );
}

/** Those of `ids` that are still pending and expired at `now`. */
export function deleteExpiredUploads(db: Db, ids: readonly string[], now: string) {
  return db
    .deleteFrom('artifact')
    .where('id', 'in', jsonKeys(ids))
    .where('status', '=', 'PENDING')
    .where('expires_at', '<=', now);
}

/** Every artifact of these versions, pending or complete. */
export function findArtifactsOfVersions(db: Db, orgId: string, versionIds: readonly string[]) {
  return db
    .selectFrom('artifact')
    .selectAll()
    .where('version_id', 'in', jsonKeys(versionIds))
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

/** Removes the records of these artifacts and their parts (a deletion), when `condition` holds. */
export function deleteArtifactsWhere(
  db: Db,
  ids: readonly string[],
  condition: RawBuilder<boolean>,
) {
  return [
    db.deleteFrom('artifact_part').where('artifact_id', 'in', jsonKeys(ids)).where(condition),
    db.deleteFrom('artifact').where('id', 'in', jsonKeys(ids)).where(condition),
  ];
}

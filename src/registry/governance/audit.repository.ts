import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/client.ts';
import { newId, nowIso } from '../ids.ts';

export interface AuditEntry {
  orgId: string;
  actorId: string | null;
  action: string;
  subjectId: string;
  subjectKind: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * The insert for one audit event, to be sent in the same D1 batch as the change it records, so that
 * the change and its record land together or not at all.
 */
export function insertAuditEvent(db: Db, entry: AuditEntry) {
  return db.insertInto('audit_event').values({
    id: newId(),
    org_id: entry.orgId,
    actor_id: entry.actorId,
    action: entry.action,
    subject_id: entry.subjectId,
    subject_kind: entry.subjectKind,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    reason: entry.reason ?? null,
    created_at: nowIso(),
  });
}

export function findAuditEventsBySubject(
  db: Db,
  orgId: string,
  subjectId: string,
  page: { after: string | null; before: string | null; limit: number; inverted: boolean },
) {
  let query = db
    .selectFrom('audit_event')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

/**
 * The audit insert, written only when `condition` holds when the statement runs. For changes whose
 * own statement may match nothing (ending an edge someone else just ended): no change, no record.
 */
export function insertAuditEventWhere(db: Db, entry: AuditEntry, condition: RawBuilder<unknown>) {
  return sql`
    INSERT INTO audit_event (id, org_id, actor_id, action, subject_id, subject_kind, before, after, reason, created_at)
    SELECT ${newId()}, ${entry.orgId}, ${entry.actorId}, ${entry.action}, ${entry.subjectId}, ${entry.subjectKind},
      ${entry.before === undefined ? null : JSON.stringify(entry.before)},
      ${entry.after === undefined ? null : JSON.stringify(entry.after)},
      ${entry.reason ?? null}, ${nowIso()}
    WHERE ${condition}
  `.compile(db);
}

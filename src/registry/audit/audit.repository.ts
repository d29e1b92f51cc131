import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { newId, nowIso } from '../ids.ts';
import { jsonKeys } from '../keys.ts';
import type { AuditEventTable } from './audit.table.ts';

export interface AuditEntry {
  /** The event's id when the caller needs it (a webhook test names its delivery by it). */
  id?: string;
  orgId: string;
  actorId: string | null;
  action: string;
  subjectId: string;
  subjectKind: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  /** When it happened, if the caller must know (default: now). */
  createdAt?: string;
}

/**
 * The insert for one audit event, to be sent in the same D1 batch as the change it records, so that
 * the change and its record land together or not at all.
 */
export function insertAuditEvent(db: Db, entry: AuditEntry) {
  return db.insertInto('audit_event').values({
    id: entry.id ?? newId(),
    org_id: entry.orgId,
    actor_id: entry.actorId,
    action: entry.action,
    subject_id: entry.subjectId,
    subject_kind: entry.subjectKind,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
    reason: entry.reason ?? null,
    created_at: entry.createdAt ?? nowIso(),
  });
}

/**
 * The inserts of many audit events as ONE statement (the entries travel as one JSON parameter, read
 * back with json_each), for changes that record an event per item: the cost stays one statement.
 */
export function insertAuditEvents(db: Db, entries: readonly AuditEntry[]) {
  if (entries.length === 1) return insertAuditEvent(db, entries[0] as AuditEntry);
  const now = nowIso();
  const payload = JSON.stringify(
    entries.map((entry) => [
      newId(),
      entry.orgId,
      entry.actorId,
      entry.action,
      entry.subjectId,
      entry.subjectKind,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      entry.reason ?? null,
      now,
    ]),
  );
  return sql`
    INSERT INTO audit_event (id, org_id, actor_id, action, subject_id, subject_kind, before, after, reason, created_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
      json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
      json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),
      json_extract(value, '$[9]')
    FROM json_each(${payload})
  `.compile(db);
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
    SELECT ${entry.id ?? newId()}, ${entry.orgId}, ${entry.actorId}, ${entry.action}, ${entry.subjectId}, ${entry.subjectKind},
      ${entry.before === undefined ? null : JSON.stringify(entry.before)},
      ${entry.after === undefined ? null : JSON.stringify(entry.after)},
      ${entry.reason ?? null}, ${entry.createdAt ?? nowIso()}
    WHERE ${condition}
  `.compile(db);
}

/** The audit trail of an organization, or of one subject in it, oldest first. */
export function findAuditEventPage(
  db: Db,
  orgId: string,
  filter: { subjectId: string | null; actions: readonly string[] | null },
  page: { after: string | null; before: string | null; limit: number; inverted: boolean },
) {
  let query = db.selectFrom('audit_event').selectAll().where('org_id', '=', orgId);
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.actions) query = query.where('action', 'in', jsonKeys(filter.actions));
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

/** Audit actions that move an alias; their before/after are { alias, versionId }. */
export const ALIAS_MOVE_ACTIONS = ['model.promote', 'model.aliasSet'] as const;

/** One page of alias moves per model (optionally of one alias), oldest first, for many models. */
export function findAliasMovePages(
  db: Db,
  orgId: string,
  query: { modelIds: readonly string[]; alias: string | null },
  page: { after: string | null; before: string | null; limit: number; inverted: boolean },
) {
  let rows = db
    .selectFrom('audit_event')
    .selectAll()
    .where('subject_id', 'in', jsonKeys(query.modelIds))
    .where('org_id', '=', orgId)
    .where('action', 'in', jsonKeys(ALIAS_MOVE_ACTIONS));
  if (query.alias !== null) {
    rows = rows.where(sql<string>`json_extract(after, '$.alias')`, '=', query.alias);
  }
  return selectGroupedPages<AuditEventTable>(db, rows, { group: 'subject_id', id: 'id' }, page);
}

/**
 * For each model, the last move of `alias` at or before `at`: the move in effect at that time. One
 * statement for many models.
 */
export function findAliasMovesInEffect(
  db: Db,
  orgId: string,
  query: { modelIds: readonly string[]; alias: string; at: string },
) {
  const inner = db
    .selectFrom('audit_event')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy('subject_id').orderBy('id', 'desc'))
        .as('rn'),
    )
    .where('subject_id', 'in', jsonKeys(query.modelIds))
    .where('org_id', '=', orgId)
    .where('action', 'in', jsonKeys(ALIAS_MOVE_ACTIONS))
    .where(sql<string>`json_extract(after, '$.alias')`, '=', query.alias)
    .where('created_at', '<=', query.at);
  return db
    .selectFrom(inner.as('m'))
    .selectAll()
    .where('rn', '=', 1)
    .orderBy('subject_id')
    .orderBy('id')
    .execute();
}

import type { AuditEventTable } from './audit.table.ts';

export interface AuditEvent {
  kind: 'AuditEvent';
  id: string;
  orgId: string;
  actorId: string | null;
  action: string;
  subjectId: string;
  subjectKind: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  createdAt: Date;
}

export function toAuditEvent(row: AuditEventTable): AuditEvent {
  return {
    kind: 'AuditEvent',
    id: row.id,
    orgId: row.org_id,
    actorId: row.actor_id,
    action: row.action,
    subjectId: row.subject_id,
    subjectKind: row.subject_kind,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
    reason: row.reason,
    createdAt: new Date(row.created_at),
  };
}

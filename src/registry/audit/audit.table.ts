export interface AuditEventTable {
  id: string;
  org_id: string;
  actor_id: string | null;
  action: string;
  subject_id: string;
  subject_kind: string;
  before: string | null;
  after: string | null;
  reason: string | null;
  created_at: string;
}

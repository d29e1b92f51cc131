export interface EdgeTable {
  id: string;
  org_id: string;
  type: string;
  src_id: string;
  src_kind: string;
  dst_id: string;
  dst_kind: string;
  properties: string | null;
  created_at: string;
  created_by: string | null;
  removed_at: string | null;
  removed_by: string | null;
}

export interface DatasetTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  uri: string | null;
  format: string | null;
  metadata: string | null;
  created_at: string;
  created_by: string | null;
}

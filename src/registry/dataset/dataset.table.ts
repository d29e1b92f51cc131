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
  updated_at: string;
  /** Set when deleted: the row is a tombstone (migration 0011), renamed; deleted_name is its name. */
  deleted_at?: string | null;
  deleted_name?: string | null;
}

export interface DatasetGovernanceTable {
  dataset_id: string;
  org_id: string;
  contains_personal_data: number;
  lawful_basis: string | null;
  retention_days: number | null;
  columns: string;
  declared_at: string;
  declared_by: string | null;
}

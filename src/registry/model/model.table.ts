export interface ModelTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  tags: string;
  metadata: string | null;
  provider: string | null;
  framework: string | null;
  model_type: string | null;
  status: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  /** Set when deleted: the row is a tombstone (migration 0011), renamed; deleted_name is its name. */
  deleted_at?: string | null;
  deleted_name?: string | null;
}

export interface ModelVersionTable {
  id: string;
  org_id: string;
  model_id: string;
  version: string;
  description: string | null;
  metadata: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  status: string;
  /** Set when deleted: a tombstone (migration 0011), renamed; deleted_version is its version. */
  deleted_at?: string | null;
  deleted_version?: string | null;
  /** The run it was made from and the artifact it names, for versions created through MLflow. */
  run_id?: string | null;
  source?: string | null;
}

export interface ModelAliasTable {
  model_id: string;
  name: string;
  version_id: string;
  org_id: string;
  updated_at: string;
  updated_by: string | null;
}

export interface ExperimentTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  metadata: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  /** MLflow's restorable delete: 'active' or 'deleted'. */
  lifecycle_stage: string;
  artifact_location: string | null;
}

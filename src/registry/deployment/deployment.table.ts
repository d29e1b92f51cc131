export interface DeploymentTable {
  id: string;
  org_id: string;
  name: string;
  environment: string;
  description: string | null;
  endpoint_url: string | null;
  region: string | null;
  metadata: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

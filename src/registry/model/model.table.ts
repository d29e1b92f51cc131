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
}

export interface ModelAliasTable {
  model_id: string;
  name: string;
  version_id: string;
  org_id: string;
  updated_at: string;
  updated_by: string | null;
}

export interface RunTable {
  id: string;
  org_id: string;
  experiment_id: string;
  name: string;
  status: string;
  start_time: number;
  end_time: number | null;
  parent_run_id: string | null;
  mlflow_user: string | null;
  artifact_uri: string;
  lifecycle_stage: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export interface RunParamTable {
  run_id: string;
  key: string;
  value: string;
}

export interface RunTagTable {
  run_id: string;
  key: string;
  value: string;
}

export interface RunMetricTable {
  run_id: string;
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

export interface RunInputTable {
  run_id: string;
  dataset_id: string;
  digest: string;
  context: string | null;
  source_type: string | null;
  source: string | null;
  schema: string | null;
  profile: string | null;
  tags: string | null;
  created_at: string;
}

export interface ExperimentTagTable {
  experiment_id: string;
  key: string;
  value: string;
}

export interface KeyValueTagTable {
  key: string;
  value: string;
}

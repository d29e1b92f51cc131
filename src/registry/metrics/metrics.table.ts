export interface MetricPointTable {
  id: string;
  org_id: string;
  model_id: string;
  version_id: string;
  metric: string;
  value: number;
  context: string | null;
  recorded_at: string;
  created_at: string;
  created_by: string | null;
}

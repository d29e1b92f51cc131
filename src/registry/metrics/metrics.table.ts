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

/** A degradation alert as the scheduled job last found it (migration 0016). */
export interface MetricAlertTable {
  id: string;
  org_id: string;
  model_id: string;
  version_id: string;
  metric: string;
  status: string;
  opened_at: string;
  cleared_at: string | null;
  /** JSON: the MetricAlert statistics of the last evaluation that found it. */
  statistics: string;
  evaluated_at: string;
}

// Experiment runs as MLflow defines them: status, times in epoch milliseconds, parameters written
// once, metric histories, tags. The limits are MLflow's own (mlflow/utils/validation.py), so a
// client that MLflow accepts is accepted here and one it refuses is refused with the same rule.
import type { KeyValue } from '../tracking/entity-keys.ts';
import type { RunInputTable, RunMetricTable, RunTable } from './run.table.ts';

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** MLflow's tag naming the parent run of a nested run (a sweep's trial). */
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
/** MLflow's tag mirroring the run's name. */
export const RUN_NAME_TAG = 'mlflow.runName';

/** What MLflow's SQL store writes for +-Infinity (the largest finite double). */
const MAX_DOUBLE = 1.7976931348623157e308;

export interface Run {
  kind: 'Run';
  id: string;
  orgId: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  parentRunId: string | null;
  mlflowUser: string | null;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
}

export interface MetricValue {
  key: string;
  /** NaN when logged as NaN; +-Infinity come back as +-1.7976931348623157e308, as in MLflow. */
  value: number;
  timestamp: number;
  step: number;
}

/** Where a metric history page ended: its last point. */
export interface HistoryCursor {
  step: number;
  timestamp: number;
  value: number;
  isNan: number;
}

export interface RunData {
  params: KeyValue[];
  tags: KeyValue[];
  /** The latest value of each key. */
  metrics: MetricValue[];
  /** The datasets the run used (runs/log-inputs). */
  inputs: RunInput[];
}

/** A run with its params, tags and latest metrics, as MLflow's Run message holds them. */
export interface RunWithData {
  run: Run;
  data: RunData;
}

export function toRun(row: RunTable): Run {
  return {
    kind: 'Run',
    id: row.id,
    orgId: row.org_id,
    experimentId: row.experiment_id,
    name: row.name,
    status: row.status as RunStatus,
    startTime: row.start_time,
    endTime: row.end_time,
    parentRunId: row.parent_run_id,
    mlflowUser: row.mlflow_user,
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
  };
}

export function toMetricValue(
  row: Pick<RunMetricTable, 'key' | 'value' | 'timestamp' | 'step' | 'is_nan'>,
): MetricValue {
  return {
    key: row.key,
    value: row.is_nan ? Number.NaN : row.value,
    timestamp: row.timestamp,
    step: row.step,
  };
}

/** How a metric value is stored: NaN as 0 with is_nan, +-Infinity clamped (MLflow's SQL store). */
export function storedMetricValue(value: number): { value: number; is_nan: number } {
  if (Number.isNaN(value)) return { value: 0, is_nan: 1 };
  if (value === Number.POSITIVE_INFINITY) return { value: MAX_DOUBLE, is_nan: 0 };
  if (value === Number.NEGATIVE_INFINITY) return { value: -MAX_DOUBLE, is_nan: 0 };
  return { value, is_nan: 0 };
}

/** Run ids as MLflow writes them: 32 hex digits (a UUIDv7 without dashes, so time-ordered). */
export function runIdFrom(uuid: string): string {
  return uuid.replaceAll('-', '');
}

/** Where a run's artifacts live: the mlflow-artifacts proxy path under its experiment. */
export function runArtifactUri(experimentId: string, runId: string): string {
  return `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
}

/** A dataset a run used (MLflow's DatasetInput), linked to one of our datasets by name. */
export interface RunInput {
  runId: string;
  datasetId: string;
  datasetName: string;
  /** MLflow's dataset digest: which version of the data. */
  digest: string;
  /** The mlflow.data.context tag (training, eval...), which says the lineage edge's type. */
  context: string | null;
  sourceType: string | null;
  source: string | null;
  schema: string | null;
  profile: string | null;
  tags: KeyValue[];
  createdAt: Date;
}

/** MLflow's tag saying what a run used a dataset for. */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

export function toRunInput(row: RunInputTable & { dataset_name: string }): RunInput {
  return {
    runId: row.run_id,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    digest: row.digest,
    context: row.context,
    sourceType: row.source_type,
    source: row.source,
    schema: row.schema,
    profile: row.profile,
    tags: row.tags ? (JSON.parse(row.tags) as KeyValue[]) : [],
    createdAt: new Date(row.created_at),
  };
}

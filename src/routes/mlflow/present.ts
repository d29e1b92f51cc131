// Our runs and experiments as MLflow's protobuf messages in JSON: snake_case fields, times in epoch
// milliseconds, unset fields and empty lists left out (as MLflow's server writes them), doubles
// NaN as "NaN" (protobuf's JSON mapping).
import type { TaggedExperiment } from '../../registry/experiment/experiment-tracking.service.ts';
import type { MetricValue, Run, RunInput, RunWithData } from '../../registry/run/run.ts';
import type { KeyValue } from '../../registry/tracking/entity-keys.ts';

function tagsField(tags: readonly KeyValue[]) {
  return tags.length ? { tags: [...tags] } : {};
}

export function experimentJson({ experiment, tags }: TaggedExperiment) {
  return {
    experiment_id: experiment.id,
    name: experiment.name,
    artifact_location: experiment.artifactLocation ?? `mlflow-artifacts:/${experiment.id}`,
    lifecycle_stage: experiment.lifecycleStage,
    last_update_time: experiment.updatedAt.getTime(),
    creation_time: experiment.createdAt.getTime(),
    ...tagsField(tags),
  };
}

export function metricJson(metric: MetricValue) {
  return {
    key: metric.key,
    value: Number.isNaN(metric.value) ? 'NaN' : metric.value,
    timestamp: metric.timestamp,
    step: metric.step,
  };
}

export function runInfoJson(run: Run) {
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: run.experimentId,
    ...(run.mlflowUser ? { user_id: run.mlflowUser } : {}),
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime === null ? {} : { end_time: run.endTime }),
    artifact_uri: run.artifactUri,
    lifecycle_stage: run.lifecycleStage,
  };
}

export function runJson({ run, data }: RunWithData) {
  return {
    info: runInfoJson(run),
    data: {
      ...(data.metrics.length ? { metrics: data.metrics.map(metricJson) } : {}),
      ...(data.params.length ? { params: data.params } : {}),
      ...tagsField(data.tags),
    },
    inputs: data.inputs.length ? { dataset_inputs: data.inputs.map(datasetInputJson) } : {},
  };
}

/** MLflow's DatasetInput: the dataset as the run logged it, under our dataset's name. */
function datasetInputJson(input: RunInput) {
  return {
    ...tagsField(input.tags),
    dataset: {
      name: input.datasetName,
      digest: input.digest,
      ...(input.sourceType === null ? {} : { source_type: input.sourceType }),
      ...(input.source === null ? {} : { source: input.source }),
      ...(input.schema === null ? {} : { schema: input.schema }),
      ...(input.profile === null ? {} : { profile: input.profile }),
    },
  };
}

// MLflow's tracking API (experiments, runs, metrics) over our services: each handler reads
// MLflow's request fields and calls the service the GraphQL twin calls.

import type { Context } from '../../context.ts';
import { createExperiment } from '../../registry/experiment/experiment.service.ts';
import { updateExperiment } from '../../registry/experiment/experiment-lifecycle.service.ts';
import {
  resolveExperimentId,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTag,
  taggedExperiment,
  taggedExperimentByName,
} from '../../registry/experiment/experiment-tracking.service.ts';
import {
  createRun,
  deleteRunTag,
  logRun,
  type MetricInput,
  setRunLifecycle,
  updateRun,
} from '../../registry/run/run.service.ts';
import type { HistoryCursor, RunStatus } from '../../registry/run/run.ts';
import { checkArtifactPath, listRunArtifacts } from '../../registry/run/run-artifacts.service.ts';
import { logRunInputs } from '../../registry/run/run-inputs.service.ts';
import {
  metricHistory,
  runsByIds,
  runWithData,
  sampledHistories,
  searchRuns,
} from '../../registry/run/run-read.service.ts';
import type { KeyValue } from '../../registry/tracking/entity-keys.ts';
import type { ViewType } from '../../registry/tracking/view-type.ts';
import { fileInfoJson } from './artifacts.ts';
import { MlflowError } from './errors.ts';
import { doubleOf, type MlflowParams, offsetOf, offsetToken } from './params.ts';
import { experimentJson, metricJson, runInfoJson, runJson } from './present.ts';
import type { MlflowRoute } from './route.ts';

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

function viewType(params: MlflowParams, name: string): ViewType | null {
  const value = params.string(name);
  if (value === null || value === '') return null;
  if (!VIEW_TYPES.includes(value as ViewType)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${value} for parameter '${name}'`,
    );
  }
  return value as ViewType;
}

function metricsOf(params: MlflowParams): MetricInput[] {
  return params.objects('metrics').map((metric) => ({
    key: metric.key as string,
    value: doubleOf(metric.value) ?? (metric.value as number),
    timestamp: metric.timestamp as number,
    step: metric.step == null ? 0 : Number(metric.step),
  }));
}

/** A get-history page token: base64 of the last point's (step, timestamp, value, isNan). */
function historyCursorOf(token: string | null): HistoryCursor | null {
  if (!token) return null;
  try {
    const cursor = JSON.parse(atob(token)) as Record<string, unknown>;
    const fields = [cursor.step, cursor.timestamp, cursor.value, cursor.isNan];
    if (fields.every((field) => typeof field === 'number' && Number.isFinite(field))) {
      return cursor as unknown as HistoryCursor;
    }
  } catch {
    // answered below
  }
  throw new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid page token, could not base64-decode');
}

const runId = (params: MlflowParams) => params.requiredString('run_id', 'run_uuid');
/** The experiment id a request names; MLflow's "0" is the Default experiment (made by a first run). */
const experimentId = (params: MlflowParams, { deps, viewer }: Context, create = false) =>
  resolveExperimentId(deps, viewer, params.requiredString('experiment_id'), { create });

/** A search answer as MLflow writes it: the list and the token left out when empty or last. */
function pagedAnswer(field: string, items: readonly unknown[], nextOffset: number | null) {
  return {
    ...(items.length ? { [field]: items } : {}),
    ...(nextOffset === null ? {} : { next_page_token: offsetToken(nextOffset) }),
  };
}

async function experimentsAnswer(
  params: MlflowParams,
  { deps, viewer }: Context,
  filtered: boolean,
) {
  const { experiments, nextOffset } = await searchExperiments(deps, viewer, {
    filter: filtered ? params.string('filter') : null,
    orderBy: filtered ? params.strings('order_by') : [],
    viewType: viewType(params, 'view_type'),
    maxResults: params.integer('max_results'),
    offset: offsetOf(params.string('page_token')),
  });
  return pagedAnswer('experiments', experiments.map(experimentJson), nextOffset);
}

/** MLflow's delete and restore endpoints: a soft delete, undone by restore. */
function stageRoute(
  path: string,
  setStage: (
    deps: Context['deps'],
    viewer: Context['viewer'],
    id: string,
    stage: 'active' | 'deleted',
  ) => Promise<unknown>,
  idOf: (params: MlflowParams, context: Context) => string | Promise<string>,
  stage: 'active' | 'deleted',
): MlflowRoute {
  return {
    path,
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      await setStage(context.deps, context.viewer, await idOf(params, context), stage);
      return {};
    },
  };
}

export const TRACKING_ROUTES: readonly MlflowRoute[] = [
  {
    path: 'experiments/create',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      const experiment = await createExperiment(deps, viewer, {
        name: params.requiredString('name'),
        artifactLocation: params.string('artifact_location'),
        tags: params.keyValues('tags'),
      });
      return { experiment_id: experiment.id };
    },
  },
  {
    path: 'experiments/get',
    methods: ['GET'],
    async handle(params, context) {
      const { deps, viewer } = context;
      const experiment = await taggedExperiment(deps, viewer, await experimentId(params, context));
      return { experiment: experimentJson(experiment) };
    },
  },
  {
    path: 'experiments/get-by-name',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const experiment = await taggedExperimentByName(
        deps,
        viewer,
        params.requiredString('experiment_name'),
      );
      return { experiment: experimentJson(experiment) };
    },
  },
  {
    path: 'experiments/search',
    methods: ['POST', 'GET'],
    handle: (params, context) => experimentsAnswer(params, context, true),
  },
  {
    // MLflow 1.x's list, which older clients (the npm `mlflow` package among them) still call.
    path: 'experiments/list',
    methods: ['GET'],
    handle: (params, context) => experimentsAnswer(params, context, false),
  },
  {
    path: 'experiments/update',
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      const id = await experimentId(params, context);
      const name = params.string('new_name');
      if (name) await updateExperiment(deps, viewer, { experimentId: id, name });
      else await taggedExperiment(deps, viewer, id);
      return {};
    },
  },
  stageRoute('experiments/delete', setExperimentLifecycle, experimentId, 'deleted'),
  stageRoute('experiments/restore', setExperimentLifecycle, experimentId, 'active'),
  {
    path: 'experiments/set-experiment-tag',
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      await setExperimentTag(deps, viewer, await experimentId(params, context), {
        key: params.requiredString('key'),
        value: params.string('value') ?? '',
      });
      return {};
    },
  },
  {
    path: 'runs/create',
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      const run = await createRun(deps, viewer, {
        experimentId: await experimentId(params, context, true),
        runName: params.string('run_name'),
        userId: params.string('user_id'),
        startTime: params.integer('start_time'),
        tags: params.keyValues('tags'),
      });
      return { run: runJson(run) };
    },
  },
  {
    path: 'runs/get',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      return { run: runJson(await runWithData(deps, viewer, runId(params))) };
    },
  },
  {
    path: 'runs/update',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      const run = await updateRun(deps, viewer, {
        runId: runId(params),
        status: params.string('status') as RunStatus | null,
        endTime: params.integer('end_time'),
        runName: params.string('run_name'),
      });
      return { run_info: runInfoJson(run) };
    },
  },
  stageRoute('runs/delete', setRunLifecycle, runId, 'deleted'),
  stageRoute('runs/restore', setRunLifecycle, runId, 'active'),
  {
    path: 'runs/search',
    methods: ['POST', 'GET'],
    async handle(params, { deps, viewer }) {
      const experimentIds = await Promise.all(
        params
          .strings('experiment_ids')
          .map((id) => resolveExperimentId(deps, viewer, id, { create: false })),
      );
      const { runs, nextOffset } = await searchRuns(deps, viewer, {
        experimentIds,
        filter: params.string('filter'),
        orderBy: params.strings('order_by'),
        viewType: viewType(params, 'run_view_type'),
        maxResults: params.integer('max_results'),
        offset: offsetOf(params.string('page_token')),
      });
      return pagedAnswer('runs', runs.map(runJson), nextOffset);
    },
  },
  {
    path: 'runs/log-metric',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await logRun(deps, viewer, {
        runId: runId(params),
        metrics: [
          {
            key: params.requiredString('key'),
            value: params.requiredDouble('value'),
            timestamp: params.requiredInteger('timestamp'),
            step: params.integer('step'),
          },
        ],
      });
      return {};
    },
  },
  {
    path: 'runs/log-parameter',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await logRun(deps, viewer, {
        runId: runId(params),
        params: [{ key: params.requiredString('key'), value: params.string('value') ?? '' }],
      });
      return {};
    },
  },
  {
    path: 'runs/set-tag',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await logRun(deps, viewer, {
        runId: runId(params),
        tags: [{ key: params.requiredString('key'), value: params.string('value') ?? '' }],
      });
      return {};
    },
  },
  {
    path: 'runs/delete-tag',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRunTag(deps, viewer, runId(params), params.requiredString('key'));
      return {};
    },
  },
  {
    path: 'runs/log-batch',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await logRun(deps, viewer, {
        runId: runId(params),
        metrics: metricsOf(params),
        params: params.keyValues('params'),
        tags: params.keyValues('tags'),
      });
      return {};
    },
  },
  {
    path: 'runs/log-inputs',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await logRunInputs(deps, viewer, {
        runId: runId(params),
        datasets: params.objects('datasets').map((entry) => {
          const dataset = (entry.dataset ?? {}) as Record<string, unknown>;
          return {
            dataset: {
              name: dataset.name as string,
              digest: dataset.digest as string,
              sourceType: dataset.source_type as string,
              source: dataset.source as string,
              schema: dataset.schema as string | null,
              profile: dataset.profile as string | null,
            },
            tags: Array.isArray(entry.tags) ? (entry.tags as KeyValue[]) : [],
          };
        }),
      });
      return {};
    },
  },
  {
    path: 'metrics/get-history-bulk-interval',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const metrics = await sampledHistories(deps, viewer, {
        runIds: params.strings('run_ids'),
        key: params.requiredString('metric_key'),
        startStep: params.integer('start_step'),
        endStep: params.integer('end_step'),
        maxResults: params.integer('max_results'),
      });
      return metrics.length
        ? { metrics: metrics.map((metric) => ({ ...metricJson(metric), run_id: metric.runId })) }
        : {};
    },
  },
  {
    path: 'artifacts/list',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const id = runId(params);
      const [run] = await runsByIds(deps, viewer, [id]);
      if (!run) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`);
      const path = checkArtifactPath(params.string('path') ?? '', ['path'], true);
      const { files, cursor } = await listRunArtifacts(
        deps,
        viewer,
        { runId: run.id, path },
        params.string('page_token'),
      );
      return {
        root_uri: run.artifactUri,
        ...(files.length ? { files: files.map(fileInfoJson) } : {}),
        ...(cursor ? { next_page_token: cursor } : {}),
      };
    },
  },
  {
    path: 'metrics/get-history',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const after = historyCursorOf(params.string('page_token'));
      const { metrics, next } = await metricHistory(deps, viewer, {
        runId: runId(params),
        key: params.requiredString('metric_key'),
        after,
        maxResults: params.integer('max_results'),
      });
      return {
        ...(metrics.length ? { metrics: metrics.map(metricJson) } : {}),
        ...(next ? { next_page_token: btoa(JSON.stringify(next)) } : {}),
      };
    },
  },
];

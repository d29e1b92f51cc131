// Experiment runs in the graph: the same runs, params, metrics and tags the MLflow API logs
// (src/routes/mlflow), read through the same read service. Run lists take MLflow's filter and
// order_by strings, so a search written for MlflowClient.searchRuns works here unchanged.
import { GraphQLError } from 'graphql';
import type { Context } from '../../context.ts';
import type {
  HistoryCursor,
  MetricValue,
  RUN_STATUSES,
  Run,
  RunInput,
} from '../../registry/run/run.ts';
import {
  bestChildRuns,
  inputsOfRuns,
  latestMetricsOfRuns,
  metricHistory,
  paramsOfRuns,
  type RunSearchInput,
  searchRunsGrouped,
  tagsOfRuns,
} from '../../registry/run/run-read.service.ts';
import type { KeyValue } from '../../registry/tracking/entity-keys.ts';
import { builder } from '../builder.ts';
import {
  type ConnectionArgs,
  type ConnectionShape,
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
} from '../lib/connection.ts';
import { loadRelationPages } from '../lib/edge-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { DatasetRef, ExperimentRef, RunRef, UserRef } from '../objects/refs.ts';
import { ModelVersionConnection } from '../objects/relations.ts';

export const RunStatusEnum = builder.enumType('RunStatus', {
  description: 'Where a run is, as MLflow names it.',
  values: {
    RUNNING: { value: 'RUNNING', description: 'Started, not ended (a new run).' },
    SCHEDULED: { value: 'SCHEDULED', description: 'Queued to run later.' },
    FINISHED: { value: 'FINISHED', description: 'Ended successfully.' },
    FAILED: { value: 'FAILED', description: 'Ended with an error.' },
    KILLED: { value: 'KILLED', description: 'Stopped before it ended.' },
  } as const satisfies Record<(typeof RUN_STATUSES)[number], unknown>,
});

const RunViewEnum = builder.enumType('RunView', {
  description: 'Which runs a list holds, by MLflow lifecycle stage (MLflow’s ViewType).',
  values: {
    ACTIVE_ONLY: { value: 'ACTIVE_ONLY', description: 'Runs not deleted (the default).' },
    DELETED_ONLY: { value: 'DELETED_ONLY', description: 'Deleted runs only (restorable).' },
    ALL: { value: 'ALL', description: 'Both.' },
  },
});

const MetricGoalEnum = builder.enumType('MetricGoal', {
  description: 'Which end of a metric is best.',
  values: {
    MIN: { value: 'MIN', description: 'The lowest value is best (loss, error rate, latency).' },
    MAX: { value: 'MAX', description: 'The highest value is best (accuracy, F1, AUC).' },
  },
});

export const RunKeyValueInput = builder.inputType('RunKeyValueInput', {
  description: 'A run parameter or tag.',
  fields: (t) => ({
    key: t.string({
      required: true,
      description: 'Letters, digits, _ - . space : / (MLflow’s key rule), up to 250 characters.',
    }),
    value: t.string({ required: true, description: 'The value, as a string.' }),
  }),
});

const RunInputRef = builder.objectRef<RunInput>('RunInput');
RunInputRef.implement({
  description:
    'A dataset the run used (MLflow’s runs/log-inputs), with the lineage edge it made: TRAINED_ON, or EVALUATED_ON for an eval, validation or test context.',
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'Our dataset of that name (registered by the first run that logged it).',
      resolve: (input) => input.datasetId,
    }),
    digest: t.exposeString('digest', {
      description: 'MLflow’s digest: which version of the data.',
    }),
    context: t.string({
      nullable: true,
      description: 'The mlflow.data.context tag (training, eval...), when sent.',
      resolve: (input) => input.context,
    }),
    sourceType: t.string({
      nullable: true,
      description: 'MLflow’s source type (http, s3, hugging_face, code...).',
      resolve: (input) => input.sourceType,
    }),
    source: t.string({
      nullable: true,
      description: 'MLflow’s source, a JSON string as the client sent it.',
      resolve: (input) => input.source,
    }),
    schema: t.string({
      nullable: true,
      description: 'The dataset schema as MLflow sent it (a JSON string).',
      resolve: (input) => input.schema,
    }),
    profile: t.string({
      nullable: true,
      description: 'The dataset profile as MLflow sent it (a JSON string).',
      resolve: (input) => input.profile,
    }),
    tags: t.field({
      type: 'JSON',
      description: 'The input’s tags as one object.',
      resolve: (input) => asObject(input.tags),
    }),
  }),
});

const RunMetricRef = builder.objectRef<MetricValue>('RunMetric');
RunMetricRef.implement({
  description: 'One logged point of a run metric.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The metric’s name.' }),
    value: t.float({
      nullable: true,
      description:
        'The value; null when NaN was logged (GraphQL floats have no NaN). +-Infinity is stored as +-1.7976931348623157e308, as MLflow stores it.',
      resolve: (metric) => (Number.isNaN(metric.value) ? null : metric.value),
    }),
    isNaN: t.boolean({
      description: 'Whether NaN was logged.',
      resolve: (metric) => Number.isNaN(metric.value),
    }),
    step: t.field({
      type: 'SafeInt',
      description: 'The step it was logged at (0 unless given).',
      resolve: (metric) => metric.step,
    }),
    timestamp: t.field({
      type: 'DateTime',
      description: 'When it was measured, as the client sent it.',
      resolve: (metric) => new Date(metric.timestamp),
    }),
  }),
});

/** Key/value pairs as one JSON object, as MLflow clients read params and tags. */
const asObject = (pairs: readonly KeyValue[]) =>
  Object.fromEntries(pairs.map((pair) => [pair.key, pair.value]));

// Run lists are pages of an MLflow search, whose order is any metric, param or tag: cursors carry
// the offset, as MLflow's page tokens do. Only forward paging (first/after) is offered.
const RUN_CURSOR_PREFIX = 'run-offset:';

function runOffset(after: string | null | undefined): number {
  if (!after) return 0;
  const key = decodeCursor(after, 'after');
  const offset = Number(key.slice(RUN_CURSOR_PREFIX.length));
  if (!key.startsWith(RUN_CURSOR_PREFIX) || !Number.isSafeInteger(offset) || offset < 0) {
    throw new GraphQLError('"after" is not a cursor of this run list', {
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  }
  return offset;
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new GraphQLError(`"first" must be between 0 and ${MAX_PAGE_SIZE} (the page size cap)`, {
      extensions: { code: 'BAD_USER_INPUT', argument: 'first' },
    });
  }
  return size;
}

interface RunListArgs {
  first?: number | null;
  after?: string | null;
  filter?: string | null;
  orderBy?: readonly string[] | null;
  view?: RunSearchInput['viewType'];
}

/**
 * One page of runs for each of many experiments or parent runs (a list of experiments with their
 * runs, or of runs with their children), all in one search statement.
 */
async function runPages(
  context: Context,
  ids: readonly string[],
  groupBy: 'experiment' | 'parent',
  args: RunListArgs,
): Promise<ConnectionShape<{ cursor: string; node: Run }>[]> {
  const size = pageSize(args.first);
  const offset = runOffset(args.after);
  const pages =
    size === 0
      ? ids.map(() => ({ runs: [], nextOffset: null }))
      : await withUserErrors(
          () =>
            searchRunsGrouped(context.deps, context.viewer, groupBy, ids, {
              filter: args.filter,
              orderBy: args.orderBy,
              viewType: args.view,
              maxResults: size,
              offset,
            }),
          { maxResults: 'first' },
        );
  return pages.map(({ runs, nextOffset }) =>
    forwardPage(
      runs.map((run, index) => ({
        cursor: encodeCursor(`${RUN_CURSOR_PREFIX}${offset + index + 1}`),
        node: run,
      })),
      nextOffset !== null,
      offset > 0,
    ),
  );
}

/** A page of a forward-only list as a connection. */
function forwardPage<Edge extends { cursor: string }>(
  edges: Edge[],
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): ConnectionShape<Edge> {
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const RunConnection = builder.connectionObject(
  { type: RunRef, name: 'RunConnection', description: 'A page of runs.' },
  { name: 'RunEdge', description: 'A Run in a page.' },
);

/** The arguments of every run list: a page, MLflow's filter and order, the lifecycle view. */
const runListArgs = builder.args((t) => ({
  first: t.int({ description: `Page size, at most ${MAX_PAGE_SIZE} (default 20).` }),
  after: t.string({ description: 'The endCursor of the previous page.' }),
  filter: t.string({
    description:
      "An MLflow search filter, e.g. \"metrics.rmse < 0.8 and params.lr = '0.01' and attributes.status = 'FINISHED'\" (AND-joined clauses; metrics, params, tags, attributes).",
  }),
  orderBy: t.stringList({
    description:
      'MLflow order_by clauses, e.g. ["metrics.rmse ASC", "start_time DESC"]; runs without the value come last. Default: newest first.',
  }),
  view: t.field({ type: RunViewEnum, description: 'Active runs (default), deleted ones, or all.' }),
}));

RunRef.implement({
  description:
    'An experiment run, as MLflow tracks it: parameters written once, metric histories, tags, a status; nested runs for sweeps. Logged through runCreate/runLog/runUpdate or the MLflow API (/api/2.0/mlflow/), the same runs either way.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as Run).kind === 'Run',
  fields: (t) => ({
    runId: t.exposeString('id', {
      description: 'The run’s MLflow id (32 hex digits), as MLflow clients name it.',
    }),
    name: t.exposeString('name', { description: 'The run name (the mlflow.runName tag).' }),
    status: t.field({
      type: RunStatusEnum,
      description: 'RUNNING until the run ends (runUpdate sets FINISHED, FAILED or KILLED).',
      resolve: (run) => run.status,
    }),
    startTime: t.field({
      type: 'DateTime',
      description: 'When the run started.',
      resolve: (run) => new Date(run.startTime),
    }),
    endTime: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the run ended; null while it runs.',
      resolve: (run) => (run.endTime === null ? null : new Date(run.endTime)),
    }),
    deleted: t.boolean({
      description: 'Whether the run is deleted (MLflow’s soft delete: restorable, still readable).',
      resolve: (run) => run.lifecycleStage === 'deleted',
    }),
    user: t.string({
      nullable: true,
      description: 'MLflow’s free-text user of the run, as the client sent it.',
      resolve: (run) => run.mlflowUser,
    }),
    artifactUri: t.exposeString('artifactUri', {
      description: 'Where the run’s artifacts live (the mlflow-artifacts proxy).',
    }),
    experiment: t.field({
      type: ExperimentRef,
      description: 'The experiment the run belongs to.',
      resolve: (run) => run.experimentId,
    }),
    parent: t.field({
      type: RunRef,
      nullable: true,
      description: 'The parent run of a nested run (a sweep’s trial): the mlflow.parentRunId tag.',
      resolve: (run) => run.parentRunId,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Whose token created the run.',
      resolve: (run) => run.createdBy,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the run was recorded.',
      resolve: (run) => run.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the run’s status, end or name last changed.',
      resolve: (run) => run.updatedAt,
    }),
    params: t.loadable({
      type: 'JSON',
      description: 'Parameters as one object, name to value (strings, written once).',
      load: async (ids: string[], context) => (await paramsOfRuns(context.deps, ids)).map(asObject),
      resolve: (run) => run.id,
    }),
    tags: t.loadable({
      type: 'JSON',
      description: 'Tags as one object, name to value (MLflow’s system tags start with "mlflow.").',
      load: async (ids: string[], context) => (await tagsOfRuns(context.deps, ids)).map(asObject),
      resolve: (run) => run.id,
    }),
    inputs: t.loadableList({
      type: RunInputRef,
      description: 'The datasets the run used, oldest first.',
      load: (ids: string[], context) => inputsOfRuns(context.deps, ids),
      resolve: (run) => run.id,
    }),
    modelVersions: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions that came out of this run (DERIVED_FROM it).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['DERIVED_FROM'] }, args),
      resolve: (run) => run.id,
    }),
    metrics: t.loadableList({
      type: RunMetricRef,
      description: 'The latest value of each metric (by step, then time), by name.',
      load: (ids: string[], context) => latestMetricsOfRuns(context.deps, ids),
      resolve: (run) => run.id,
    }),
    metricHistory: t.connection(
      {
        type: RunMetricRef,
        description:
          'Every logged point of one metric, by step then time, paged (first/after) without loading the rest.',
        args: { key: t.arg.string({ required: true, description: 'The metric’s name.' }) },
        resolve: (run, args, context) => historyPage(context, run, args),
      },
      { name: 'RunMetricConnection', description: 'A page of a metric’s history.' },
      { name: 'RunMetricEdge', description: 'A logged point in a page.' },
    ),
    children: t.loadable({
      type: RunConnection,
      description:
        'The nested runs of this run (a sweep’s trials), filtered and ordered as runs/search does.',
      byPath: true,
      args: runListArgs,
      load: (ids: string[], context, args) => runPages(context, ids, 'parent', args),
      resolve: (run) => run.id,
    }),
    bestRun: t.loadable({
      type: RunRef,
      nullable: true,
      description:
        'The nested run with the best latest value of a metric (ties: the earlier run); null when no active child logged it. Deleted children and NaN values do not count.',
      byPath: true,
      args: {
        metric: t.arg.string({
          required: true,
          description: 'The metric’s name, e.g. "val_loss".',
        }),
        mode: t.arg({
          type: MetricGoalEnum,
          required: true,
          description: 'MIN for a loss, MAX for an accuracy.',
        }),
      },
      load: (ids: string[], context, args) =>
        bestChildRuns(context.deps, context.viewer, ids, args),
      resolve: (run) => run.id,
    }),
  }),
});

async function historyPage(
  context: Context,
  run: Run,
  args: ConnectionArgs & { key: string },
): Promise<ConnectionShape<{ cursor: string; node: MetricValue }>> {
  if (args.last != null || args.before != null) {
    throw new GraphQLError('A metric history pages forward only: use first and after', {
      extensions: { code: 'BAD_USER_INPUT', argument: args.last != null ? 'last' : 'before' },
    });
  }
  const size = pageSize(args.first);
  const after = args.after ? historyCursor(args.after) : null;
  const { metrics, next } =
    size === 0
      ? { metrics: [], next: null }
      : await withUserErrors(() =>
          metricHistory(context.deps, context.viewer, {
            runId: run.id,
            key: args.key,
            after,
            maxResults: size,
          }),
        );
  // Each point's cursor is the point itself: the keyset (step, timestamp, value, NaN) of the table.
  const edges = metrics.map((metric) => ({
    cursor: encodeCursor(
      JSON.stringify(
        Number.isNaN(metric.value)
          ? [metric.step, metric.timestamp, 0, 1]
          : [metric.step, metric.timestamp, metric.value, 0],
      ),
    ),
    node: metric,
  }));
  return forwardPage(edges, next !== null, after !== null);
}

function historyCursor(cursor: string): HistoryCursor {
  const key = decodeCursor(cursor, 'after');
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    !parsed.every((part) => typeof part === 'number' && Number.isFinite(part))
  ) {
    throw new GraphQLError('"after" is not a cursor of this metric history', {
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  }
  const [step, timestamp, value, isNan] = parsed as number[];
  return { step, timestamp, value, isNan } as HistoryCursor;
}

builder.objectFields(ExperimentRef, (t) => ({
  runs: t.loadable({
    type: RunConnection,
    description:
      'The experiment’s runs (nested ones included), filtered and ordered as MLflow’s runs/search does; newest first by default.',
    byPath: true,
    args: runListArgs,
    load: (ids: string[], context, args) => runPages(context, ids, 'experiment', args),
    resolve: (experiment) => experiment.id,
  }),
}));

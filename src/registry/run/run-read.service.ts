// Reads of runs for both APIs: runs with their data (params, tags, latest metrics) in three
// statements however many runs, runs/search, and metric histories paged by keyset.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { groupRows } from '../paging.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import { parseFilter, parseOrderBy } from '../tracking/search-filter.ts';
import { stagesOf, type ViewType } from '../tracking/view-type.ts';
import {
  findBestChildRuns,
  findLatestMetrics,
  findMetricHistory,
  findRunInputs,
  findRunParams,
  findRunsByIds,
  findRunTags,
  findSampledHistories,
  RUN_SEARCH_ATTRIBUTES,
  searchRunRows,
  searchRunRowsGrouped,
} from './run.repository.ts';
import { requireRun } from './run.service.ts';
import {
  type HistoryCursor,
  type MetricValue,
  type Run,
  type RunInput,
  type RunWithData,
  toMetricValue,
  toRun,
  toRunInput,
} from './run.ts';

type ReadDeps = Pick<Deps, 'db'>;

/** Runs by id in the caller's organization, deleted ones included (they stay readable). */
export async function runsByIds(
  deps: ReadDeps,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Run[]> {
  if (ids.length === 0) return [];
  return (await findRunsByIds(deps.db, viewer.orgId, ids)).map(toRun);
}

/** Rows grouped by run, in the order of `runIds`, each mapped (an empty list for a run without). */
function byRun<Row extends { run_id: string }, T>(
  runIds: readonly string[],
  rows: readonly Row[],
  map: (row: Row) => T,
): T[][] {
  return groupRows(runIds, rows, (row) => row.run_id).map((group) => group.map(map));
}

const keyValue = (row: KeyValue): KeyValue => ({ key: row.key, value: row.value });

// The three parts of a run's data, each one statement for any number of runs. The ids are of
// runs the caller already read (their organization checked), as the GraphQL loaders pass them.
export async function paramsOfRuns(deps: ReadDeps, runIds: readonly string[]) {
  return byRun(runIds, await findRunParams(deps.db, runIds), keyValue);
}
export async function tagsOfRuns(deps: ReadDeps, runIds: readonly string[]) {
  return byRun(runIds, await findRunTags(deps.db, runIds), keyValue);
}
export async function latestMetricsOfRuns(deps: ReadDeps, runIds: readonly string[]) {
  return byRun(runIds, await findLatestMetrics(deps.db, runIds), toMetricValue);
}
export async function inputsOfRuns(deps: ReadDeps, runIds: readonly string[]) {
  return byRun(runIds, await findRunInputs(deps.db, runIds), toRunInput);
}

/** The data of each run, in the runs' order. */
export async function withRunData(deps: ReadDeps, runs: readonly Run[]): Promise<RunWithData[]> {
  if (runs.length === 0) return [];
  const ids = runs.map((run) => run.id);
  const [params, tags, metrics, inputs] = await Promise.all([
    paramsOfRuns(deps, ids),
    tagsOfRuns(deps, ids),
    latestMetricsOfRuns(deps, ids),
    inputsOfRuns(deps, ids),
  ]);
  return runs.map((run, index) => ({
    run,
    data: {
      params: params[index] as KeyValue[],
      tags: tags[index] as KeyValue[],
      metrics: metrics[index] as MetricValue[],
      inputs: inputs[index] as RunInput[],
    },
  }));
}

/**
 * The best nested run of each parent by the latest value of `metric` (MIN: lowest, MAX: highest),
 * in the parents' order; null for a parent with no active child that logged it (NaN is no value).
 */
export async function bestChildRuns(
  deps: ReadDeps,
  viewer: Viewer,
  parentIds: readonly string[],
  input: { metric: string; mode: 'MIN' | 'MAX' },
): Promise<(Run | null)[]> {
  const { rows } = await findBestChildRuns(deps.db, viewer.orgId, {
    parentIds,
    key: input.metric,
    ascending: input.mode === 'MIN',
  });
  const best = new Map(rows.map((row) => [row.parent_run_id, toRun(row)]));
  return parentIds.map((id) => best.get(id) ?? null);
}

/** One run with its data; deleted runs are readable (MLflow's runs/get returns them). */
export async function runWithData(
  deps: ReadDeps,
  viewer: Viewer,
  runId: string,
): Promise<RunWithData> {
  const row = await requireRun(deps, viewer, runId, ['runId'], true);
  const [found] = await withRunData(deps, [toRun(row)]);
  return found as RunWithData;
}

export interface RunSearchInput {
  experimentIds: readonly string[];
  filter?: string | null;
  orderBy?: readonly string[] | null;
  viewType?: ViewType | null;
  maxResults?: number | null;
  /** Offset into the result, as MLflow's page tokens carry it. */
  offset?: number | null;
  /** Only the nested runs of this run (a sweep's trials). */
  parentRunId?: string | null;
}

export const MAX_RUNS_PER_SEARCH = 50_000;
const DEFAULT_RUNS_PER_SEARCH = 1000;

const RUN_GRAMMAR = {
  types: ['metric', 'param', 'tag', 'attribute'],
  ...RUN_SEARCH_ATTRIBUTES,
} as const;

/**
 * runs/search: the caller's runs of the experiments matching the filter, ordered, one page; the
 * next offset is null on the last page. Another organization's experiment ids match nothing.
 */
export async function searchRuns(
  deps: ReadDeps,
  viewer: Viewer,
  input: RunSearchInput,
): Promise<{ runs: RunWithData[]; nextOffset: number | null }> {
  const search = searchOf(input);
  const { rows } = await searchRunRows(deps.db, viewer.orgId, {
    ...search,
    experimentIds: input.experimentIds,
    parentRunId: input.parentRunId,
    limit: search.limit + 1,
  });
  const page = rows.slice(0, search.limit).map(toRun);
  return {
    runs: await withRunData(deps, page),
    nextOffset: rows.length > search.limit ? search.offset + search.limit : null,
  };
}

/**
 * The same search over many lists, one page each, in one statement: the runs of each experiment
 * (`experiment`) or the nested runs of each parent run (`parent`), in the order of `ids`. Runs
 * only (GraphQL reads params, tags and metrics through loaders of their own, when asked).
 */
export async function searchRunsGrouped(
  deps: ReadDeps,
  viewer: Viewer,
  groupBy: 'experiment' | 'parent',
  ids: readonly string[],
  input: Omit<RunSearchInput, 'experimentIds' | 'parentRunId'>,
): Promise<{ runs: Run[]; nextOffset: number | null }[]> {
  const search = searchOf(input);
  const { rows } =
    ids.length === 0
      ? { rows: [] }
      : await searchRunRowsGrouped(deps.db, viewer.orgId, {
          ...search,
          groupBy: groupBy === 'experiment' ? 'experiment_id' : 'parent_run_id',
          groupIds: ids,
          limit: search.limit + 1,
        });
  return groupRows(ids, rows, (row) => row.group_id).map((group) => ({
    runs: group.slice(0, search.limit).map(toRun),
    nextOffset: group.length > search.limit ? search.offset + search.limit : null,
  }));
}

/** The parsed, checked parts every run search takes (errors name MLflow's parameters). */
function searchOf(input: Omit<RunSearchInput, 'experimentIds' | 'parentRunId'>) {
  const limit = input.maxResults ?? DEFAULT_RUNS_PER_SEARCH;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUNS_PER_SEARCH) {
    throw new ValidationError(
      `Invalid value ${limit} for parameter 'max_results' supplied. It must be at most ${MAX_RUNS_PER_SEARCH}`,
      ['maxResults'],
    );
  }
  return {
    clauses: parseFilter(input.filter, RUN_GRAMMAR, 'filter'),
    orderBy: parseOrderBy(input.orderBy, RUN_GRAMMAR, 'orderBy'),
    stages: stagesOf(input.viewType),
    offset: input.offset ?? 0,
    limit,
  };
}

export const MAX_HISTORY_PAGE = 25_000;

/** One page of a metric's history, in (step, timestamp) order; `next` continues it. */
export async function metricHistory(
  deps: ReadDeps,
  viewer: Viewer,
  input: { runId: string; key: string; after?: HistoryCursor | null; maxResults?: number | null },
): Promise<{ metrics: MetricValue[]; next: HistoryCursor | null }> {
  const limit = input.maxResults ?? MAX_HISTORY_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) {
    throw new ValidationError(`max_results must be between 1 and ${MAX_HISTORY_PAGE}`, [
      'maxResults',
    ]);
  }
  const run = await requireRun(deps, viewer, input.runId, ['runId'], true);
  const rows = await findMetricHistory(deps.db, run.id, input.key, input.after ?? null, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    metrics: page.map(toMetricValue),
    next:
      rows.length > limit && last
        ? { step: last.step, timestamp: last.timestamp, value: last.value, isNan: last.is_nan }
        : null,
  };
}

// MLflow's limits for get-history-bulk-interval (mlflow/server/handlers.py).
export const MAX_BULK_INTERVAL_RUNS = 100;
export const MAX_BULK_INTERVAL_RESULTS = 2500;

/**
 * Sampled histories of one metric across runs, for charts: at most `maxResults` steps per run
 * within [startStep, endStep], evenly spaced, first and last kept (MLflow's sampling).
 */
export async function sampledHistories(
  deps: ReadDeps,
  viewer: Viewer,
  input: {
    runIds: readonly string[];
    key: string;
    startStep?: number | null;
    endStep?: number | null;
    maxResults?: number | null;
  },
): Promise<(MetricValue & { runId: string })[]> {
  if (input.runIds.length === 0 || input.runIds.length > MAX_BULK_INTERVAL_RUNS) {
    throw new ValidationError(
      `GetMetricHistoryBulkInterval request must specify between 1 and ${MAX_BULK_INTERVAL_RUNS} run_ids. Received ${input.runIds.length} run_ids.`,
      ['runIds'],
    );
  }
  const maxResults = input.maxResults ?? MAX_BULK_INTERVAL_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_BULK_INTERVAL_RESULTS) {
    throw new ValidationError(`max_results must be between 1 and ${MAX_BULK_INTERVAL_RESULTS}`, [
      'maxResults',
    ]);
  }
  const start = input.startStep ?? Number.MIN_SAFE_INTEGER;
  const end = input.endStep ?? Number.MAX_SAFE_INTEGER;
  if (start > end) {
    throw new ValidationError('end_step must be greater than start_step', ['endStep']);
  }
  const runs = await runsByIds(deps, viewer, [...new Set(input.runIds)]);
  const missing = input.runIds.find((id) => !runs.some((run) => run.id === id));
  if (missing !== undefined) {
    throw new NotFoundError(`Run with id=${missing} not found`, ['runIds'], missing, 'Run');
  }
  const { rows } = await findSampledHistories(deps.db, viewer.orgId, {
    runIds: input.runIds,
    key: input.key,
    start,
    end,
    maxResults,
  });
  return rows.map((row) => ({ ...toMetricValue(row), runId: row.run_id }));
}

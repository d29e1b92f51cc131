// Writes of experiment runs, shared by the MLflow routes and GraphQL: create, update, delete and
// restore (audited), and logging (params, metrics, tags) in one D1 batch per call, with MLflow's
// rules: params are written once, a batch is all or nothing, a deleted run takes no writes.
// Logged values are telemetry and are not audited one by one; the run's creation and its status
// changes are.
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import {
  checkKey,
  checkTags,
  checkValue,
  type KeyValue,
  MAX_ENTITIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
} from '../tracking/entity-keys.ts';
import {
  deleteRunTag as deleteRunTagRow,
  findRunParams,
  findRunsByIds,
  insertRun,
  insertRunMetrics,
  insertRunParams,
  updateRunRow,
  upsertLatestMetrics,
  upsertRunTags,
} from './run.repository.ts';
import type { RunTable } from './run.table.ts';
import {
  PARENT_RUN_TAG,
  RUN_NAME_TAG,
  RUN_STATUSES,
  type Run,
  type RunStatus,
  type RunWithData,
  runArtifactUri,
  runIdFrom,
  storedMetricValue,
  toRun,
} from './run.ts';

type WriteDeps = Pick<Deps, 'db' | 'd1'>;
type StoredMetric = ReturnType<typeof storedMetricValue> & {
  key: string;
  timestamp: number;
  step: number;
};

export interface RunCreateInput {
  experimentId: string;
  runName?: string | null;
  /** MLflow's free-text user_id. */
  userId?: string | null;
  startTime?: number | null;
  tags?: readonly KeyValue[] | null;
  /** The parent of a nested run; MLflow clients send it as the mlflow.parentRunId tag instead. */
  parentRunId?: string | null;
}

export interface MetricInput {
  key: string;
  value: number;
  timestamp: number;
  step?: number | null;
}

export interface RunLogInput {
  runId: string;
  metrics?: readonly MetricInput[] | null;
  params?: readonly KeyValue[] | null;
  tags?: readonly KeyValue[] | null;
}

export interface RunUpdateInput {
  runId: string;
  status?: RunStatus | null;
  endTime?: number | null;
  runName?: string | null;
}

function checkMillis(value: unknown, path: readonly string[]): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError('Must be a whole number of milliseconds since the epoch', path);
  }
  return value;
}

/** The caller's run, active unless `allowDeleted`; another organization's is RESOURCE_DOES_NOT_EXIST. */
export async function requireRun(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  runId: string,
  path: readonly string[] = ['runId'],
  allowDeleted = false,
): Promise<RunTable> {
  const [row] = await findRunsByIds(deps.db, viewer.orgId, [runId]);
  if (!row) throw new NotFoundError(`Run with id=${runId} not found`, path, runId, 'Run');
  if (!allowDeleted && row.lifecycle_stage !== 'active') {
    throw new ValidationError(
      `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      path,
    );
  }
  return row;
}

export async function createRun(
  deps: WriteDeps,
  viewer: Viewer,
  input: RunCreateInput,
  claim?: IdempotencyClaim,
): Promise<RunWithData> {
  const [experiment] = await findExperimentsByIds(deps.db, viewer.orgId, [input.experimentId]);
  if (!experiment) {
    throw new NotFoundError(
      `No Experiment with id=${input.experimentId} exists`,
      ['experimentId'],
      input.experimentId,
      'Experiment',
    );
  }
  if (experiment.lifecycle_stage !== 'active') {
    throw new ValidationError(
      `The experiment ${experiment.id} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
      ['experimentId'],
    );
  }
  const tags = checkTags(input.tags ?? [], 'tags');
  const tagged = new Map(tags.map((tag) => [tag.key, tag.value]));
  const name = (input.runName ?? tagged.get(RUN_NAME_TAG) ?? '').trim() || generatedRunName();
  const taggedParent = tagged.get(PARENT_RUN_TAG) ?? null;
  if (input.parentRunId != null && taggedParent !== null && taggedParent !== input.parentRunId) {
    throw new ValidationError(
      `parentRunId ${input.parentRunId} and the ${PARENT_RUN_TAG} tag ${taggedParent} name different runs`,
      ['parentRunId'],
    );
  }
  const parentId = input.parentRunId ?? taggedParent;
  if (parentId !== null) {
    const path = input.parentRunId != null ? ['parentRunId'] : ['tags', PARENT_RUN_TAG];
    const parent = await requireRun(deps, viewer, parentId, path, true);
    if (parent.experiment_id !== experiment.id) {
      throw new ValidationError(
        `The parent run ${parentId} belongs to another experiment (${parent.experiment_id})`,
        path,
      );
    }
    tagged.set(PARENT_RUN_TAG, parentId);
  }
  const id = runIdFrom(newId());
  const now = nowIso();
  const row: RunTable = {
    id,
    org_id: viewer.orgId,
    experiment_id: experiment.id,
    name: checkValue(name, 250, ['runName'], 'Run name'),
    status: 'RUNNING',
    start_time: input.startTime == null ? Date.now() : checkMillis(input.startTime, ['startTime']),
    end_time: null,
    parent_run_id: parentId,
    mlflow_user: input.userId ? checkValue(input.userId, 250, ['userId'], 'User') : null,
    artifact_uri: runArtifactUri(experiment.id, id),
    lifecycle_stage: 'active',
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
  };
  tagged.set(RUN_NAME_TAG, row.name);
  const allTags = [...tagged].map(([key, value]) => ({ key, value }));
  const created: RunWithData = {
    run: toRun(row),
    data: { params: [], metrics: [], tags: allTags, inputs: [] },
  };
  await runBatch(deps.d1, [
    insertRun(deps.db, row),
    upsertRunTags(deps.db, id, allTags),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'run.create',
      subjectId: id,
      subjectKind: 'Run',
      after: { experimentId: experiment.id, name: row.name, parentRunId: parentId },
    }),
    ...claimWrites(deps.db, claim, created),
  ]);
  return created;
}

// MLflow names unnamed runs with two random words and a number; ours are shorter and as unique.
function generatedRunName(): string {
  return `run-${crypto.getRandomValues(new Uint32Array(1))[0]?.toString(36)}`;
}

export async function updateRun(
  deps: WriteDeps,
  viewer: Viewer,
  input: RunUpdateInput,
): Promise<Run> {
  const row = await requireRun(deps, viewer, input.runId);
  const changes: Partial<RunTable> = {};
  if (input.status != null) {
    if (!RUN_STATUSES.includes(input.status)) {
      throw new ValidationError(`Invalid value ${input.status} for parameter 'status'`, ['status']);
    }
    changes.status = input.status;
  }
  if (input.endTime != null) changes.end_time = checkMillis(input.endTime, ['endTime']);
  if (input.runName != null && input.runName.trim() !== '') {
    changes.name = checkValue(input.runName.trim(), 250, ['runName'], 'Run name');
  }
  if (Object.keys(changes).length === 0) return toRun(row);
  const updated: RunTable = { ...row, ...changes, updated_at: nowIso() };
  await runBatch(deps.d1, [
    updateRunRow(deps.db, row.id, { ...changes, updated_at: updated.updated_at }),
    ...(changes.name
      ? [upsertRunTags(deps.db, row.id, [{ key: RUN_NAME_TAG, value: changes.name }])]
      : []),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'run.update',
      subjectId: row.id,
      subjectKind: 'Run',
      before: { status: row.status, endTime: row.end_time, name: row.name },
      after: { status: updated.status, endTime: updated.end_time, name: updated.name },
    }),
  ]);
  return toRun(updated);
}

/** MLflow's delete-run / restore-run: the run is kept, marked deleted, and restorable. */
export async function setRunLifecycle(
  deps: WriteDeps,
  viewer: Viewer,
  runId: string,
  stage: 'active' | 'deleted',
): Promise<Run> {
  const row = await requireRun(deps, viewer, runId, ['runId'], true);
  if (row.lifecycle_stage === stage) return toRun(row);
  const updated: RunTable = { ...row, lifecycle_stage: stage, updated_at: nowIso() };
  await runBatch(deps.d1, [
    updateRunRow(deps.db, row.id, { lifecycle_stage: stage, updated_at: updated.updated_at }),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: stage === 'deleted' ? 'run.delete' : 'run.restore',
      subjectId: row.id,
      subjectKind: 'Run',
    }),
  ]);
  return toRun(updated);
}

/**
 * MLflow's log-batch (and log-metric, log-parameter, set-tag, which are batches of one): checked
 * whole first, then written in one D1 batch of at most five statements, whatever the counts.
 */
export async function logRun(deps: WriteDeps, viewer: Viewer, input: RunLogInput): Promise<void> {
  const metrics = input.metrics ?? [];
  const params = input.params ?? [];
  const tags = input.tags ?? [];
  if (metrics.length > MAX_METRICS_PER_BATCH) {
    throw new ValidationError(
      `A batch logging request can contain at most ${MAX_METRICS_PER_BATCH} metrics. Got ${metrics.length} metrics.`,
      ['metrics'],
    );
  }
  for (const [list, field] of [
    [params, 'params'],
    [tags, 'tags'],
  ] as const) {
    if (list.length > MAX_PARAMS_TAGS_PER_BATCH) {
      throw new ValidationError(
        `A batch logging request can contain at most ${MAX_PARAMS_TAGS_PER_BATCH} ${field}. Got ${list.length} ${field}.`,
        [field],
      );
    }
  }
  const total = metrics.length + params.length + tags.length;
  if (total > MAX_ENTITIES_PER_BATCH) {
    throw new ValidationError(
      `A batch logging request can contain at most ${MAX_ENTITIES_PER_BATCH} total metrics, params, and tags. Got ${total}.`,
      [],
    );
  }
  const storedMetrics = metrics.map((metric, index) => {
    const path = ['metrics', String(index)];
    if (typeof metric.value !== 'number') {
      throw new ValidationError(
        `Got invalid value ${String(metric.value)} for metric '${metric.key}'`,
        [...path, 'value'],
      );
    }
    const step = metric.step ?? 0;
    if (!Number.isSafeInteger(step)) {
      throw new ValidationError('Must be a whole number', [...path, 'step']);
    }
    return {
      key: checkKey(metric.key, [...path, 'key'], 'metric'),
      timestamp: checkMillis(metric.timestamp, [...path, 'timestamp']),
      step,
      ...storedMetricValue(metric.value),
    };
  });
  const checkedParams = params.map((param, index) => ({
    key: checkKey(param.key, ['params', String(index), 'key'], 'parameter'),
    value: checkValue(
      param.value,
      MAX_PARAM_VAL_LENGTH,
      ['params', String(index), 'value'],
      'Param',
    ),
  }));
  const checkedTags = checkTags(tags, 'tags');
  const seen = new Map<string, string>();
  for (const [index, param] of checkedParams.entries()) {
    const earlier = seen.get(param.key);
    if (earlier !== undefined && earlier !== param.value) {
      throw new ValidationError(
        `Duplicate parameter keys have been submitted: [${param.key}]. Please ensure the request contains only one param value per param key.`,
        ['params', String(index), 'key'],
      );
    }
    seen.set(param.key, param.value);
  }

  // A concurrent call that logged one of the new params first fails this batch whole on the
  // primary key: read again, so the key is then either the same value (accepted) or refused.
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeRunLog(deps, viewer, input.runId, seen, storedMetrics, checkedTags);
    } catch (error) {
      if (attempt >= 2 || !String(error).includes('UNIQUE constraint failed: run_param'))
        throw error;
    }
  }
}

async function writeRunLog(
  deps: WriteDeps,
  viewer: Viewer,
  runId: string,
  seen: ReadonlyMap<string, string>,
  storedMetrics: readonly StoredMetric[],
  checkedTags: readonly KeyValue[],
): Promise<void> {
  const run = await requireRun(deps, viewer, runId);
  const existing = new Map(
    (await findRunParams(deps.db, [run.id])).map((param) => [param.key, param.value]),
  );
  const newParams: KeyValue[] = [];
  for (const [key, value] of seen) {
    const stored = existing.get(key);
    if (stored === undefined) newParams.push({ key, value });
    else if (stored !== value) {
      throw new ValidationError(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${stored}' for run ID='${run.id}'. Attempted logging new value '${value}'.`,
        ['params'],
      );
    }
  }
  const statements = [
    ...(newParams.length ? [insertRunParams(deps.db, run.id, newParams)] : []),
    ...(storedMetrics.length
      ? [
          insertRunMetrics(deps.db, run.id, storedMetrics),
          upsertLatestMetrics(deps.db, run.id, storedMetrics),
        ]
      : []),
    ...(checkedTags.length ? [upsertRunTags(deps.db, run.id, checkedTags)] : []),
  ];
  const renamed = checkedTags.findLast((tag) => tag.key === RUN_NAME_TAG);
  if (renamed)
    statements.push(
      updateRunRow(deps.db, run.id, { name: renamed.value, updated_at: nowIso() }).compile(),
    );
  await runBatch(deps.d1, statements);
}

export async function deleteRunTag(
  deps: WriteDeps,
  viewer: Viewer,
  runId: string,
  key: string,
): Promise<void> {
  const run = await requireRun(deps, viewer, runId);
  const result = await deleteRunTagRow(deps.db, run.id, key).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw new NotFoundError(`No tag with name: ${key} in run with id ${runId}`, ['key'], key, null);
  }
}

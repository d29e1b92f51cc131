// What MLflow does with experiments beyond our create and rename: tags, its restorable delete,
// look-up by name and experiments/search. Shared by the MLflow routes and GraphQL.
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { nowIso } from '../ids.ts';
import { groupRows } from '../paging.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import { parseFilter, parseOrderBy } from '../tracking/search-filter.ts';
import { stagesOf, type ViewType } from '../tracking/view-type.ts';
import {
  EXPERIMENT_ORDER_ATTRIBUTES,
  EXPERIMENT_SEARCH_ATTRIBUTES,
  findExperimentByName,
  findExperimentsByIds,
  findExperimentTags,
  searchExperimentRows,
  setExperimentStage,
  upsertExperimentTags,
} from './experiment.repository.ts';
import { createExperiment } from './experiment.service.ts';
import type { ExperimentTable } from './experiment.table.ts';
import { type Experiment, toExperiment } from './experiment.ts';
import { checkExperimentTags } from './experiment-tags.ts';

export interface TaggedExperiment {
  experiment: Experiment;
  tags: KeyValue[];
}

async function requireExperiment(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  experimentId: string,
): Promise<ExperimentTable> {
  const [row] = await findExperimentsByIds(deps.db, viewer.orgId, [experimentId]);
  if (!row) {
    throw new NotFoundError(
      `No Experiment with id=${experimentId} exists`,
      ['experimentId'],
      experimentId,
      'Experiment',
    );
  }
  return row;
}

/** Each experiment with its tags, in the given order. */
export async function withExperimentTags(
  deps: Pick<Deps, 'db'>,
  experiments: readonly Experiment[],
): Promise<TaggedExperiment[]> {
  if (experiments.length === 0) return [];
  const rows = await findExperimentTags(
    deps.db,
    experiments.map((experiment) => experiment.id),
  );
  const groups = groupRows(
    experiments.map((experiment) => experiment.id),
    rows,
    (row) => row.experiment_id,
  );
  return experiments.map((experiment, index) => ({
    experiment,
    tags: (groups[index] ?? []).map(({ key, value }) => ({ key, value })),
  }));
}

/** MLflow's Default experiment: id "0", which every MLflow install has and clients fall back to. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/**
 * The experiment an MLflow experiment id names: "0" is the organization's experiment named
 * "Default", created on first use by a write (`create`), as MLflow's own always exists; reads of
 * "0" before then find nothing.
 */
export async function resolveExperimentId(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  experimentId: string,
  options: { create: boolean },
): Promise<string> {
  if (experimentId !== DEFAULT_EXPERIMENT_ID) return experimentId;
  const existing = await findExperimentByName(deps.db, viewer.orgId, DEFAULT_EXPERIMENT_NAME);
  if (existing) return existing.id;
  if (!options.create) return experimentId;
  try {
    return (
      await createExperiment(deps, viewer, {
        name: DEFAULT_EXPERIMENT_NAME,
        description: 'MLflow’s Default experiment (id 0), made by the first run logged to it.',
      })
    ).id;
  } catch (error) {
    // A concurrent first run made it meanwhile.
    if (!(error instanceof ConflictError)) throw error;
    const made = await findExperimentByName(deps.db, viewer.orgId, DEFAULT_EXPERIMENT_NAME);
    if (!made) throw error;
    return made.id;
  }
}

export async function taggedExperiment(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  experimentId: string,
): Promise<TaggedExperiment> {
  const row = await requireExperiment(deps, viewer, experimentId);
  return (await withExperimentTags(deps, [toExperiment(row)]))[0] as TaggedExperiment;
}

export async function taggedExperimentByName(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  name: string,
): Promise<TaggedExperiment> {
  const row = await findExperimentByName(deps.db, viewer.orgId, name);
  if (!row) {
    throw new NotFoundError(`Could not find experiment with name '${name}'`, ['name'], name, null);
  }
  return (await withExperimentTags(deps, [toExperiment(row)]))[0] as TaggedExperiment;
}

/** MLflow's delete-experiment / restore-experiment, audited; the name stays taken while deleted. */
export async function setExperimentLifecycle(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  experimentId: string,
  stage: 'active' | 'deleted',
): Promise<Experiment> {
  const row = await requireExperiment(deps, viewer, experimentId);
  if (row.lifecycle_stage === stage) return toExperiment(row);
  const updatedAt = nowIso();
  await runBatch(deps.d1, [
    setExperimentStage(deps.db, row.id, stage, updatedAt),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: stage === 'deleted' ? 'experiment.delete' : 'experiment.restore',
      subjectId: row.id,
      subjectKind: 'Experiment',
    }),
  ]);
  return toExperiment({ ...row, lifecycle_stage: stage, updated_at: updatedAt });
}

export async function setExperimentTag(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  experimentId: string,
  tag: KeyValue,
): Promise<void> {
  const checked = checkExperimentTags([tag], [])[0] as KeyValue;
  const row = await requireExperiment(deps, viewer, experimentId);
  if (row.lifecycle_stage !== 'active') {
    throw new ValidationError(
      `The experiment ${row.id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      ['experimentId'],
    );
  }
  await runBatch(deps.d1, [upsertExperimentTags(deps.db, row.id, [checked])]);
}

const FILTER_GRAMMAR = { types: ['attribute', 'tag'], ...EXPERIMENT_SEARCH_ATTRIBUTES } as const;
const ORDER_GRAMMAR = {
  types: ['attribute'],
  stringAttributes: EXPERIMENT_ORDER_ATTRIBUTES,
  numericAttributes: [],
} as const;
const MAX_EXPERIMENTS_PER_SEARCH = 50_000;

export async function searchExperiments(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  input: {
    filter?: string | null;
    orderBy?: readonly string[] | null;
    viewType?: ViewType | null;
    maxResults?: number | null;
    offset?: number | null;
  },
): Promise<{ experiments: TaggedExperiment[]; nextOffset: number | null }> {
  const limit = input.maxResults ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPERIMENTS_PER_SEARCH) {
    throw new ValidationError(
      `Invalid value ${limit} for parameter 'max_results' supplied. It must be at most ${MAX_EXPERIMENTS_PER_SEARCH}`,
      ['maxResults'],
    );
  }
  const offset = input.offset ?? 0;
  const { rows } = await searchExperimentRows(deps.db, viewer.orgId, {
    clauses: parseFilter(input.filter, FILTER_GRAMMAR, 'filter'),
    orderBy: parseOrderBy(input.orderBy, ORDER_GRAMMAR, 'orderBy'),
    stages: stagesOf(input.viewType),
    offset,
    limit: limit + 1,
  });
  return {
    experiments: await withExperimentTags(deps, rows.slice(0, limit).map(toExperiment)),
    nextOffset: rows.length > limit ? offset + limit : null,
  };
}

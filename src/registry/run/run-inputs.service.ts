// MLflow's runs/log-inputs, in the graph: each dataset a run used becomes (or is matched by name to)
// one of our datasets, and the run gets a TRAINED_ON or EVALUATED_ON edge to it, so lineage and
// impact walk from a dataset through the runs that used it to the versions they produced.
// Everything - new datasets, the inputs, the edges and their audit events - is one D1 batch.
import type { Viewer } from '../../auth/viewer.ts';
import type { AuditEntry } from '../audit/audit.repository.ts';
import { findDatasetsByNames, insertDataset } from '../dataset/dataset.repository.ts';
import type { DatasetTable } from '../dataset/dataset.table.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { newId, nowIso } from '../ids.ts';
import { findEdgesByEndpoint } from '../lineage/lineage.repository.ts';
import { edgeRow, writeEdges } from '../lineage/lineage.service.ts';
import type { EdgeTable } from '../lineage/lineage.table.ts';
import type { EdgeType } from '../lineage/lineage.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import { requireName } from '../validate.ts';
import { insertRunInputs } from './run.repository.ts';
import { requireRun } from './run.service.ts';
import type { RunInputTable } from './run.table.ts';
import { DATASET_CONTEXT_TAG } from './run.ts';

type WriteDeps = Pick<Deps, 'db' | 'd1'>;

export interface DatasetInputEntry {
  dataset: {
    name: string;
    digest: string;
    sourceType: string;
    source: string;
    schema?: string | null;
    profile?: string | null;
  };
  tags?: readonly KeyValue[] | null;
}

// MLflow's limits (mlflow/utils/validation.py), and ours on how many inputs one call holds.
const MAX_DIGEST = 36;
const MAX_SOURCE = 65_535;
const MAX_SCHEMA = 1_048_575;
const MAX_PROFILE = 16_384;
const MAX_INPUT_TAG_KEY = 255;
const MAX_INPUT_TAG_VALUE = 500;
export const MAX_INPUTS_PER_CALL = 100;

/** Contexts that mean evaluation; any other (training, none) is what the run trained on. */
const EVALUATION_CONTEXTS = new Set(['eval', 'evaluation', 'validation', 'val', 'test', 'testing']);

function edgeTypeOf(context: string | null): EdgeType {
  return context !== null && EVALUATION_CONTEXTS.has(context.toLowerCase())
    ? 'EVALUATED_ON'
    : 'TRAINED_ON';
}

function text(
  value: unknown,
  path: readonly string[],
  max: number,
  options: { required: boolean },
): string | null {
  const field = `'${path.join('.')}'`;
  if (value === undefined || value === null || value === '') {
    if (options.required) throw new ValidationError(`Missing value for ${field}`, path);
    return null;
  }
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`, path);
  if (value.length > max) {
    throw new ValidationError(`${field} must be at most ${max} characters (MLflow's limit)`, path);
  }
  return value;
}

/** Where MLflow's source JSON says the data lives ({"url": ...}, {"uri": ...}, {"path": ...}). */
function uriOf(source: string): string | null {
  try {
    const parsed = JSON.parse(source) as Record<string, unknown>;
    for (const key of ['uri', 'url', 'path']) {
      const value = parsed?.[key];
      if (typeof value === 'string' && value.length > 0 && value.length <= 2048) return value;
    }
  } catch {
    // Not JSON: a source of another shape names no location we can show.
  }
  return null;
}

interface CheckedInput {
  name: string;
  row: Omit<RunInputTable, 'dataset_id'>;
  type: EdgeType;
}

function checkEntries(runId: string, entries: readonly DatasetInputEntry[]): CheckedInput[] {
  if (entries.length > MAX_INPUTS_PER_CALL) {
    throw new ValidationError(
      `A log-inputs request can contain at most ${MAX_INPUTS_PER_CALL} datasets. Got ${entries.length}.`,
      ['datasets'],
    );
  }
  const createdAt = nowIso();
  return entries.map((entry, index) => {
    const path = ['datasets', String(index)];
    const dataset = entry.dataset ?? ({} as DatasetInputEntry['dataset']);
    const at = (field: string) => [...path, 'dataset', field];
    const name = requireName(
      text(dataset.name, at('name'), 500, { required: true }) as string,
      at('name'),
    );
    const tags = (entry.tags ?? []).map((tag, tagIndex) => ({
      key: text(tag.key, [...path, 'tags', String(tagIndex), 'key'], MAX_INPUT_TAG_KEY, {
        required: true,
      }) as string,
      value: text(tag.value, [...path, 'tags', String(tagIndex), 'value'], MAX_INPUT_TAG_VALUE, {
        required: true,
      }) as string,
    }));
    const context = tags.findLast((tag) => tag.key === DATASET_CONTEXT_TAG)?.value ?? null;
    return {
      name,
      type: edgeTypeOf(context),
      row: {
        run_id: runId,
        digest: text(dataset.digest, at('digest'), MAX_DIGEST, { required: true }) as string,
        context,
        source_type: text(dataset.sourceType, at('source_type'), 64, { required: true }),
        source: text(dataset.source, at('source'), MAX_SOURCE, { required: true }),
        schema: text(dataset.schema, at('schema'), MAX_SCHEMA, { required: false }),
        profile: text(dataset.profile, at('profile'), MAX_PROFILE, { required: false }),
        tags: tags.length ? JSON.stringify(tags) : null,
        created_at: createdAt,
      },
    };
  });
}

/**
 * Logs the datasets a run used. A dataset is ours by name: an existing one is linked, a new name
 * registers a dataset (its location from MLflow's source). Inputs and edges logged before are kept
 * once. A concurrent call that registered the same name or added the same edge first fails this
 * batch whole; it is then read again once.
 */
export async function logRunInputs(
  deps: WriteDeps,
  viewer: Viewer,
  input: { runId: string; datasets: readonly DatasetInputEntry[] },
): Promise<void> {
  const run = await requireRun(deps, viewer, input.runId);
  const checked = checkEntries(run.id, input.datasets);
  if (checked.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeInputs(deps, viewer, run.id, checked);
    } catch (error) {
      const message = String(error);
      const raced =
        message.includes('UNIQUE constraint failed: dataset.org_id, dataset.name') ||
        message.includes('already exists');
      if (attempt >= 2 || !raced) throw error;
    }
  }
}

async function writeInputs(
  deps: WriteDeps,
  viewer: Viewer,
  runId: string,
  checked: readonly CheckedInput[],
): Promise<void> {
  const names = [...new Set(checked.map((entry) => entry.name))];
  const [existing, liveEdges] = await Promise.all([
    findDatasetsByNames(deps.db, viewer.orgId, names),
    findEdgesByEndpoint(deps.db, viewer.orgId, 'src', ['TRAINED_ON', 'EVALUATED_ON'], [runId]),
  ]);
  const datasetIds = new Map(existing.map((row) => [row.name, row.id]));
  const now = nowIso();
  const newDatasets: DatasetTable[] = [];
  for (const entry of checked) {
    if (datasetIds.has(entry.name)) continue;
    const row: DatasetTable = {
      id: newId(),
      org_id: viewer.orgId,
      name: entry.name,
      description: `Logged by MLflow run ${runId}.`,
      uri: uriOf(entry.row.source ?? ''),
      format: null,
      metadata: JSON.stringify({
        mlflow: { sourceType: entry.row.source_type, digest: entry.row.digest },
      }),
      created_at: now,
      created_by: viewer.userId,
      updated_at: now,
    };
    datasetIds.set(entry.name, row.id);
    newDatasets.push(row);
  }

  const linked = new Set(liveEdges.map((edge) => `${edge.type}:${edge.dst_id}`));
  const edges: EdgeTable[] = [];
  const audits: AuditEntry[] = [];
  for (const entry of checked) {
    const datasetId = datasetIds.get(entry.name) as string;
    const key = `${entry.type}:${datasetId}`;
    if (linked.has(key)) continue;
    linked.add(key);
    const properties = JSON.stringify({ digest: entry.row.digest, context: entry.row.context });
    const row = edgeRow(
      viewer,
      {
        type: entry.type,
        from: { kind: 'Run', id: runId },
        to: { kind: 'Dataset', id: datasetId },
      },
      properties,
      now,
    );
    edges.push(row);
    audits.push({
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'lineage.edgeAdd',
      subjectId: runId,
      subjectKind: 'Run',
      after: { edgeId: row.id, type: row.type, toId: datasetId, toKind: 'Dataset', properties },
    });
  }

  for (const row of newDatasets) {
    audits.push({
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'dataset.register',
      subjectId: row.id,
      subjectKind: 'Dataset',
      after: { name: row.name, uri: row.uri, loggedByRun: runId },
    });
  }
  const inputs: RunInputTable[] = checked.map((entry) => ({
    ...entry.row,
    dataset_id: datasetIds.get(entry.name) as string,
  }));
  await writeEdges(
    deps,
    edges,
    audits,
    { type: ['datasets'], from: ['runId'], to: ['datasets'], properties: ['datasets'] },
    [...newDatasets.map((row) => insertDataset(deps.db, row)), insertRunInputs(deps.db, inputs)],
  );
}

// What happens to a registered model after registration: edits, archiving and restoring, and
// removing an alias. Every change is one guarded batch with its audit event: a concurrent edit
// (or a stale expectedUpdatedAt) is a ConflictError with nothing written. Error paths are relative
// to each function's input.
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWritesWhere, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { findLiveOutgoing } from '../lineage/lineage.repository.ts';
import { mergePatch } from '../merge-patch.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  aliasPointsAt,
  deleteAliasIfAt,
  findAliasesByModelIds,
  findLiveDeploymentsOfModel,
  findModelsByIds,
  findModelsByNames,
  findVersionsByIds,
  modelUnchangedSince,
  touchModel,
  updateModelIfUnchanged,
} from './model.repository.ts';
import { DESCRIPTOR_MAX, normalizeTags } from './model.service.ts';
import type { ModelTable } from './model.table.ts';
import { type Model, type ModelStatus, PRODUCTION_ALIAS, toModel } from './model.ts';

/** How a metadata edit applies: merged into what is there (RFC 7386), or replacing it. */
export type MetadataMode = 'MERGE' | 'REPLACE';

export interface ModelUpdateInput {
  modelId: string;
  /** A new name, unique in the organization; the old one is free afterwards. */
  name?: string | null;
  /** Undefined keeps it; null or "" clears it. */
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  metadataMode?: MetadataMode | null;
  addTags?: readonly string[] | null;
  removeTags?: readonly string[] | null;
  /** Undefined keeps it; null clears it. */
  provider?: string | null;
  framework?: string | null;
  modelType?: string | null;
  /** Optimistic concurrency: refused unless the model was last changed at exactly this time. */
  expectedUpdatedAt?: Date | null;
  reason?: string | null;
}

/** The model of `modelId` in the viewer's organization, as stored, or NotFoundError on modelId. */
async function loadModel(deps: Pick<Deps, 'db'>, viewer: Viewer, modelId: string) {
  const [row] = await findModelsByIds(deps.db, viewer.orgId, [modelId]);
  if (!row) throw new NotFoundError('No model with this id', ['modelId'], modelId, 'Model');
  return row;
}

function requireFresh(row: ModelTable, expected: Date | null | undefined) {
  if (expected && expected.toISOString() !== row.updated_at) {
    throw new ConflictError(
      `The model was changed at ${row.updated_at}, after ${expected.toISOString()}: read it again`,
      ['expectedUpdatedAt'],
    );
  }
}

function descriptor(value: string | null | undefined, path: readonly string[]) {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  return requireName(value, path, { max: DESCRIPTOR_MAX });
}

/** Changes what describes a model: name, description, metadata, tags, provider... */
export async function updateModel(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ModelUpdateInput,
  claim?: IdempotencyClaim,
): Promise<Model> {
  const name = input.name == null ? undefined : requireName(input.name, ['name']);
  const description =
    input.description === undefined
      ? undefined
      : optionalText(input.description === '' ? null : input.description, ['description']);
  const patch =
    input.metadata === undefined ? undefined : serializeJsonObject(input.metadata, ['metadata']);
  if (input.metadataMode && input.metadata === undefined) {
    throw new ValidationError('metadataMode needs metadata', ['metadataMode']);
  }
  const addTags = normalizeTags(input.addTags ?? [], ['addTags']);
  const removeTags = normalizeTags(input.removeTags ?? [], ['removeTags']);
  const both = addTags.findIndex((tag) => removeTags.includes(tag));
  if (both >= 0) throw new ValidationError('Both added and removed', ['addTags', String(both)]);
  const provider = descriptor(input.provider, ['provider']);
  const framework = descriptor(input.framework, ['framework']);
  const modelType = descriptor(input.modelType, ['modelType']);
  const reason = optionalText(input.reason, ['reason'], 2000);

  const row = await loadModel(deps, viewer, input.modelId);
  if (row.status === 'ARCHIVED') {
    throw new ConflictError(`"${row.name}" is archived: restore it before editing`, ['modelId']);
  }
  requireFresh(row, input.expectedUpdatedAt);
  if (name !== undefined && name !== row.name) {
    const [taken] = await findModelsByNames(deps.db, viewer.orgId, [name]);
    if (taken) throw new AlreadyExistsError(`A model named "${name}" already exists`, ['name']);
  }

  const oldMetadata = row.metadata === null ? null : JSON.parse(row.metadata);
  const metadata =
    patch === undefined
      ? undefined
      : input.metadataMode === 'REPLACE' || patch === null
        ? patch
        : serializeJsonObject(mergePatch(oldMetadata, JSON.parse(patch)), ['metadata']);
  const oldTags = JSON.parse(row.tags) as string[];
  const tags = normalizeTags(
    [...oldTags.filter((tag) => !removeTags.includes(tag)), ...addTags],
    ['addTags'],
  );
  const changes: Partial<ModelTable> = {};
  if (name !== undefined && name !== row.name) changes.name = name;
  if (description !== undefined && description !== row.description)
    changes.description = description;
  if (metadata !== undefined && metadata !== row.metadata) changes.metadata = metadata;
  if (JSON.stringify(tags) !== row.tags) changes.tags = JSON.stringify(tags);
  for (const [column, value] of [
    ['provider', provider],
    ['framework', framework],
    ['model_type', modelType],
  ] as const) {
    if (value !== undefined && value !== row[column]) changes[column] = value;
  }
  const changed = Object.keys(changes) as (keyof ModelTable)[];
  // Nothing to change is not an error, and writes nothing: the model as it is.
  if (changed.length === 0) return toModel(row);

  const now = nowIso();
  const updated = { ...row, ...changes, updated_at: now };
  const model = toModel(updated);
  const unchanged = modelUnchangedSince(row.id, row.updated_at);
  const pick = (source: ModelTable) =>
    Object.fromEntries(
      changed.map((column) => [
        column,
        column === 'tags' || column === 'metadata'
          ? source[column] === null
            ? null
            : JSON.parse(source[column] as string)
          : source[column],
      ]),
    );
  try {
    const results = await runBatch(deps.d1, [
      insertAuditEventWhere(
        deps.db,
        {
          orgId: viewer.orgId,
          actorId: viewer.userId,
          action: 'model.update',
          subjectId: row.id,
          subjectKind: 'Model',
          before: pick(row),
          after: pick(updated),
          reason,
        },
        unchanged,
      ),
      ...claimWritesWhere(deps.db, claim, model, unchanged),
      updateModelIfUnchanged(deps.db, row.id, row.updated_at, { ...changes, updated_at: now }),
    ]);
    if (results[0]?.meta.changes === 0) {
      throw new ConflictError('The model was changed by another request meanwhile: read it again', [
        'modelId',
      ]);
    }
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: model.org_id, model.name')) {
      throw new AlreadyExistsError(`A model named "${name}" already exists`, ['name']);
    }
    throw error;
  }
  return model;
}

/**
 * What keeps a model from being archived or deleted: its production alias and the deployments
 * serving its versions, in words (empty when nothing does).
 */
export async function modelHolds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  modelId: string,
): Promise<string[]> {
  const [aliases, deployments] = await Promise.all([
    findAliasesByModelIds(deps.db, viewer.orgId, [modelId], PRODUCTION_ALIAS),
    findLiveDeploymentsOfModel(deps.db, viewer.orgId, modelId),
  ]);
  const holds: string[] = [];
  const [production] = aliases;
  if (production) {
    const [version] = await findVersionsByIds(deps.db, viewer.orgId, [production.version_id]);
    holds.push(`version ${version?.version ?? production.version_id} is in production`);
  }
  for (const live of deployments) {
    holds.push(`deployment "${live.deployment_name}" serves version ${live.version}`);
  }
  return holds;
}

/**
 * Archives a model (hidden from default lists and searches, still readable by id, never promoted)
 * or restores it (ACTIVE, or DEPRECATED while a REPLACED_BY edge leaves it). A model in production
 * or deployed cannot be archived: the ConflictError names what holds it.
 */
export async function setModelArchived(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: {
    modelId: string;
    archived: boolean;
    reason?: string | null;
    expectedUpdatedAt?: Date | null;
  },
  claim?: IdempotencyClaim,
): Promise<Model> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const row = await loadModel(deps, viewer, input.modelId);
  requireFresh(row, input.expectedUpdatedAt);
  if ((row.status === 'ARCHIVED') === input.archived) {
    throw new ConflictError(
      `"${row.name}" is ${input.archived ? 'already archived' : 'not archived'}`,
      ['modelId'],
    );
  }
  let status: ModelStatus = 'ARCHIVED';
  if (input.archived) {
    const holds = await modelHolds(deps, viewer, row.id);
    if (holds.length > 0) {
      throw new ConflictError(
        `"${row.name}" cannot be archived while ${holds.join('; ')}: demote it and end its deployments first`,
        ['modelId'],
      );
    }
  } else {
    const replaced = await findLiveOutgoing(deps.db, viewer.orgId, 'REPLACED_BY', row.id);
    status = replaced ? 'DEPRECATED' : 'ACTIVE';
  }
  const now = nowIso();
  const model = toModel({ ...row, status, updated_at: now });
  const unchanged = modelUnchangedSince(row.id, row.updated_at);
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: input.archived ? 'model.archive' : 'model.restore',
        subjectId: row.id,
        subjectKind: 'Model',
        before: { status: row.status },
        after: { status },
        reason,
      },
      unchanged,
    ),
    ...claimWritesWhere(deps.db, claim, model, unchanged),
    updateModelIfUnchanged(deps.db, row.id, row.updated_at, { status, updated_at: now }),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError('The model was changed by another request meanwhile: read it again', [
      'modelId',
    ]);
  }
  return model;
}

/**
 * Removes an alias from a model (the production one too: that takes the model out of production,
 * audited like a promotion). Guarded on where the alias pointed when read.
 */
export async function deleteModelAlias(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: { modelId: string; alias: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<{ model: Model; previousVersionId: string }> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const row = await loadModel(deps, viewer, input.modelId);
  const [current] = await findAliasesByModelIds(deps.db, viewer.orgId, [row.id], input.alias);
  if (!current) {
    throw new NotFoundError(`"${row.name}" has no alias "${input.alias}"`, ['alias']);
  }
  const now = nowIso();
  const result = {
    model: toModel({ ...row, updated_at: now }),
    previousVersionId: current.version_id,
  };
  const unmoved = aliasPointsAt(row.id, input.alias, current.version_id);
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'model.aliasDelete',
        subjectId: row.id,
        subjectKind: 'Model',
        before: { alias: input.alias, versionId: current.version_id },
        after: { alias: input.alias, versionId: null },
        reason,
      },
      unmoved,
    ),
    ...claimWritesWhere(deps.db, claim, result, unmoved),
    touchModel(deps.db, row.id, now, unmoved),
    deleteAliasIfAt(deps.db, row.id, input.alias, current.version_id),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      `The alias "${input.alias}" was moved by another request meanwhile; read it and try again`,
      ['alias'],
    );
  }
  return result;
}

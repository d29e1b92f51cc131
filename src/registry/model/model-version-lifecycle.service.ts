// What happens to a model version after creation: edits of what describes it, archiving and
// restoring. What identifies it
// stays as created: its version string, its lineage (edges change through their own mutations and
// keep their history), its artifacts and the `artifact` key of its metadata, which the security
// check reads as the external artifact's uri and digest. Every change is one guarded batch with its
// audit event, as in model-lifecycle.service.ts; error paths are relative to each function's input.

import { sql } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWritesWhere, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { mergePatch } from '../merge-patch.ts';
import { optionalText } from '../validate.ts';
import {
  findAliasesByVersionIds,
  findLiveDeploymentsOfVersion,
  findModelsByIds,
  findVersionsByIds,
  touchModel,
  updateVersionIfUnchanged,
  versionUnchangedSince,
  versionUnheld,
} from './model.repository.ts';
import type { ModelVersionTable } from './model.table.ts';
import {
  type ModelVersion,
  type ModelVersionStatus,
  PRODUCTION_ALIAS,
  toModelVersion,
} from './model.ts';
import type { MetadataMode } from './model-lifecycle.service.ts';

/** The metadata key that records an artifact kept outside the registry; immutable once set. */
export const ARTIFACT_METADATA_KEY = 'artifact';

export interface ModelVersionUpdateInput {
  versionId: string;
  /** Undefined keeps it; null or "" clears it. */
  description?: string | null;
  /** Merged (RFC 7386) or replacing, per metadataMode; its `artifact` key must stay as it is. */
  metadata?: Record<string, unknown> | null;
  metadataMode?: MetadataMode | null;
  /** Optimistic concurrency: refused unless the version was last changed at exactly this time. */
  expectedUpdatedAt?: Date | null;
  reason?: string | null;
}

/** The version of `versionId` in the viewer's organization with its model, or NotFoundError. */
async function loadVersion(deps: Pick<Deps, 'db'>, viewer: Viewer, versionId: string) {
  const [row] = await findVersionsByIds(deps.db, viewer.orgId, [versionId]);
  if (!row) {
    throw new NotFoundError(
      'No model version with this id',
      ['versionId'],
      versionId,
      'ModelVersion',
    );
  }
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [row.model_id]);
  if (!model) throw new Error(`Version ${row.id} has no model`);
  return { row, model };
}

function requireFresh(row: ModelVersionTable, expected: Date | null | undefined) {
  if (expected && expected.toISOString() !== row.updated_at) {
    throw new ConflictError(
      `The version was changed at ${row.updated_at}, after ${expected.toISOString()}: read it again`,
      ['expectedUpdatedAt'],
    );
  }
}

/** Structural equality of two JSON values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** Changes what describes a version: its description and metadata (its `artifact` key aside). */
export async function updateModelVersion(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ModelVersionUpdateInput,
  claim?: IdempotencyClaim,
): Promise<ModelVersion> {
  const description =
    input.description === undefined
      ? undefined
      : optionalText(input.description === '' ? null : input.description, ['description']);
  const patch =
    input.metadata === undefined ? undefined : serializeJsonObject(input.metadata, ['metadata']);
  if (input.metadataMode && input.metadata === undefined) {
    throw new ValidationError('metadataMode needs metadata', ['metadataMode']);
  }
  const reason = optionalText(input.reason, ['reason'], 2000);

  const { row, model } = await loadVersion(deps, viewer, input.versionId);
  if (model.status === 'ARCHIVED') {
    throw new ConflictError(`"${model.name}" is archived: restore it before editing its versions`, [
      'versionId',
    ]);
  }
  if (row.status === 'ARCHIVED') {
    throw new ConflictError(
      `Version ${row.version} of "${model.name}" is archived: restore it before editing`,
      ['versionId'],
    );
  }
  requireFresh(row, input.expectedUpdatedAt);

  const oldMetadata = row.metadata === null ? null : JSON.parse(row.metadata);
  const newMetadata =
    patch === undefined
      ? undefined
      : input.metadataMode === 'REPLACE' || patch === null
        ? (JSON.parse(patch ?? 'null') as Record<string, unknown> | null)
        : (mergePatch(oldMetadata, JSON.parse(patch)) as Record<string, unknown>);
  if (
    newMetadata !== undefined &&
    !sameJson(oldMetadata?.[ARTIFACT_METADATA_KEY], newMetadata?.[ARTIFACT_METADATA_KEY])
  ) {
    throw new ValidationError(
      'metadata.artifact identifies the version’s artifact and cannot change: register a new version instead',
      ['metadata', ARTIFACT_METADATA_KEY],
    );
  }
  const metadata =
    newMetadata === undefined ? undefined : serializeJsonObject(newMetadata, ['metadata']);
  const changes: Partial<Pick<ModelVersionTable, 'description' | 'metadata'>> = {};
  if (description !== undefined && description !== row.description)
    changes.description = description;
  if (metadata !== undefined && !sameJson(oldMetadata, newMetadata)) changes.metadata = metadata;
  const changed = Object.keys(changes) as ('description' | 'metadata')[];
  // Nothing to change is not an error, and writes nothing: the version as it is.
  if (changed.length === 0) return toModelVersion(row);

  const now = nowIso();
  const updated = { ...row, ...changes, updated_at: now };
  const version = toModelVersion(updated);
  const unchanged = versionUnchangedSince(row.id, row.updated_at);
  const pick = (source: ModelVersionTable) =>
    Object.fromEntries(
      changed.map((column) => [
        column,
        column === 'metadata' && source.metadata !== null
          ? JSON.parse(source.metadata)
          : source[column],
      ]),
    );
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'modelVersion.update',
        subjectId: row.id,
        subjectKind: 'ModelVersion',
        before: pick(row),
        after: pick(updated),
        reason,
      },
      unchanged,
    ),
    ...claimWritesWhere(deps.db, claim, version, unchanged),
    // The model's updatedAt covers its versions too (see Model.updatedAt).
    touchModel(deps.db, row.model_id, now, unchanged),
    updateVersionIfUnchanged(deps.db, row.id, row.updated_at, { ...changes, updated_at: now }),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError('The version was changed by another request meanwhile: read it again', [
      'versionId',
    ]);
  }
  return version;
}

/**
 * What keeps a version from being archived: the production alias and the deployments serving it,
 * in words (empty when nothing does).
 */
export async function versionHolds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  versionId: string,
): Promise<string[]> {
  const [aliases, deployments] = await Promise.all([
    findAliasesByVersionIds(deps.db, viewer.orgId, [versionId]),
    findLiveDeploymentsOfVersion(deps.db, viewer.orgId, versionId),
  ]);
  const holds: string[] = [];
  if (aliases.some((alias) => alias.name === PRODUCTION_ALIAS)) holds.push('it is in production');
  for (const live of deployments) holds.push(`deployment "${live.deployment_name}" serves it`);
  return holds;
}

/**
 * Archives a version (hidden from default version lists and search, still readable by id, never
 * promoted or given an alias, not editable) or restores it to ACTIVE. A version in production or
 * deployed cannot be archived: the ConflictError names what holds it. Versions of an archived
 * model are left as they are until the model is restored.
 */
export async function setModelVersionArchived(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: {
    versionId: string;
    archived: boolean;
    reason?: string | null;
    expectedUpdatedAt?: Date | null;
  },
  claim?: IdempotencyClaim,
): Promise<ModelVersion> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const { row, model } = await loadVersion(deps, viewer, input.versionId);
  if (model.status === 'ARCHIVED') {
    throw new ConflictError(
      `"${model.name}" is archived: restore it before archiving or restoring its versions`,
      ['versionId'],
    );
  }
  requireFresh(row, input.expectedUpdatedAt);
  const label = `Version ${row.version} of "${model.name}"`;
  if ((row.status === 'ARCHIVED') === input.archived) {
    throw new ConflictError(`${label} is ${input.archived ? 'already archived' : 'not archived'}`, [
      'versionId',
    ]);
  }
  if (input.archived) {
    const holds = await versionHolds(deps, viewer, row.id);
    if (holds.length > 0) {
      throw new ConflictError(
        `${label} cannot be archived while ${holds.join('; ')}: promote another version and end its deployments first`,
        ['versionId'],
      );
    }
  }
  const status: ModelVersionStatus = input.archived ? 'ARCHIVED' : 'ACTIVE';
  const now = nowIso();
  const version = toModelVersion({ ...row, status, updated_at: now });
  const unheld = input.archived ? versionUnheld(row.id) : sql<boolean>`1`;
  const unchanged = sql<boolean>`(${versionUnchangedSince(row.id, row.updated_at)} AND ${unheld})`;
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: input.archived ? 'modelVersion.archive' : 'modelVersion.restore',
        subjectId: row.id,
        subjectKind: 'ModelVersion',
        before: { status: row.status },
        after: { status },
        reason,
      },
      unchanged,
    ),
    ...claimWritesWhere(deps.db, claim, version, unchanged),
    touchModel(deps.db, row.model_id, now, unchanged),
    // Last: it changes updated_at, which the guard of the statements above reads.
    updateVersionIfUnchanged(deps.db, row.id, row.updated_at, { status, updated_at: now }, unheld),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      `${label} was changed, promoted or deployed by another request meanwhile: read it again`,
      ['versionId'],
    );
  }
  return version;
}

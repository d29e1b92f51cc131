// The per-organization map from provider model names to registered models, which GenAI spans
// without registry.model are attributed through (span-ingest.service.ts).
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId } from '../ids.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import { requireName } from '../validate.ts';
import {
  deleteProviderModelMap,
  findProviderModelMap,
  findProviderModelMapById,
  findProviderModelMaps,
  upsertProviderModelMap,
} from './provider-model-map.repository.ts';
import type { ProviderModelMapTable } from './usage.table.ts';
import { type ProviderModelMap, toProviderModelMap } from './usage.ts';

/** Mappings one organization may hold: each costs a GLOB test per span of its provider. */
export const MAX_PROVIDER_MODEL_MAPS = 500;

export interface ProviderModelMapSetInput {
  provider: string;
  providerModel: string;
  modelId: string;
  versionId?: string | null;
}

/**
 * Maps a provider model name (exact or a GLOB) to a registered model and optionally one of its
 * versions; the same provider and name again changes the target. Audited in the same batch.
 * Spans already kept as unmatched stay so (unmatchedUsage still shows them).
 */
export async function setProviderModelMap(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ProviderModelMapSetInput,
  claim?: IdempotencyClaim,
): Promise<ProviderModelMap> {
  const provider = requireName(input.provider, ['provider'], { max: 100 }).toLowerCase();
  const providerModel = requireName(input.providerModel, ['providerModel']);
  const [models, versions, before, existing] = await Promise.all([
    findModelsByIds(deps.db, viewer.orgId, [input.modelId]),
    input.versionId ? findVersionsByIds(deps.db, viewer.orgId, [input.versionId]) : [],
    findProviderModelMap(deps.db, viewer.orgId, { provider, providerModel }),
    findProviderModelMaps(deps.db, viewer.orgId, MAX_PROVIDER_MODEL_MAPS),
  ]);
  if (models.length === 0) {
    throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  }
  if (input.versionId && versions[0]?.model_id !== input.modelId) {
    throw new NotFoundError(
      'No version of this model with this id',
      ['versionId'],
      input.versionId,
      'ModelVersion',
    );
  }
  if (!before && existing.length >= MAX_PROVIDER_MODEL_MAPS) {
    throw new ValidationError(
      `At most ${MAX_PROVIDER_MODEL_MAPS} provider model mappings per organization`,
      [],
    );
  }
  const row: ProviderModelMapTable = {
    id: before?.id ?? newId(),
    org_id: viewer.orgId,
    provider,
    provider_model: providerModel,
    model_id: input.modelId,
    version_id: input.versionId ?? null,
    created_at: new Date().toISOString(),
    created_by: viewer.userId,
  };
  const snapshot = (map: ProviderModelMapTable) => ({
    provider: map.provider,
    providerModel: map.provider_model,
    modelId: map.model_id,
    versionId: map.version_id,
  });
  const saved = toProviderModelMap(row);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, saved),
    upsertProviderModelMap(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'providerModelMap.set',
      subjectId: row.id,
      subjectKind: 'ProviderModelMap',
      before: before ? snapshot(before) : null,
      after: snapshot(row),
    }),
  ]);
  return saved;
}

/** Removes a mapping (audited); later spans of that name are unmatched again. */
export async function removeProviderModelMap(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  id: string,
  claim?: IdempotencyClaim,
): Promise<ProviderModelMap> {
  const before = await findProviderModelMapById(deps.db, viewer.orgId, id);
  if (!before) {
    throw new NotFoundError(
      'No provider model mapping with this id',
      ['id'],
      id,
      'ProviderModelMap',
    );
  }
  const removed = toProviderModelMap(before);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, removed),
    deleteProviderModelMap(deps.db, viewer.orgId, id),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'providerModelMap.delete',
      subjectId: id,
      subjectKind: 'ProviderModelMap',
      before: {
        provider: before.provider,
        providerModel: before.provider_model,
        modelId: before.model_id,
        versionId: before.version_id,
      },
      after: null,
    }),
  ]);
  return removed;
}

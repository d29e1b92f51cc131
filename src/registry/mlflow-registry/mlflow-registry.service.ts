// MLflow's model registry writes, each through the service our GraphQL mutation of the same change
// uses (so the same rules, gates and audit events apply): registered models are our models,
// versions are ours numbered 1, 2, 3..., aliases are our aliases, and stages are aliases and
// statuses: Production is the production alias (moved only through the promotion gate), Staging
// the staging alias, Archived an archived version, None none of these.
import { sql } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import { deleteModel, deleteModelVersion } from '../deletion/deletion.service.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { promoteModelVersion } from '../governance/promotion.service.ts';
import { createModelVersion, registerModel, setModelAlias } from '../model/model.service.ts';
import { type Model, type ModelVersion, PRODUCTION_ALIAS } from '../model/model.ts';
import { deleteModelAlias, updateModel } from '../model/model-lifecycle.service.ts';
import {
  setModelVersionArchived,
  updateModelVersion,
  versionHolds,
} from '../model/model-version-lifecycle.service.ts';
import { checkTags, type KeyValue } from '../tracking/entity-keys.ts';
import {
  deleteModelTag,
  deleteVersionTag,
  findMaxIntegerVersion,
  upsertModelTags,
  upsertVersionTags,
} from './mlflow-registry.repository.ts';
import {
  type MlflowStage,
  parseStage,
  type RegistryVersion,
  registryVersion,
  requireRegisteredModel,
  STAGING_ALIAS,
  versionByAlias,
} from './mlflow-registry-read.service.ts';

type WriteDeps = Pick<Deps, 'db' | 'd1'>;
type DeletionDeps = Pick<Deps, 'db' | 'd1' | 'bucket' | 'vectorIndex'>;

/** MLflow's limit on registered model and version tag values. */
const MAX_TAG_VALUE = 5000;

const checkRegistryTags = (tags: readonly KeyValue[] | null | undefined) =>
  checkTags(tags ?? [], 'tags', MAX_TAG_VALUE);

export async function createRegisteredModel(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; description?: string | null; tags?: readonly KeyValue[] | null },
): Promise<Model> {
  const tags = checkRegistryTags(input.tags);
  return registerModel(
    deps,
    viewer,
    { name: input.name, description: input.description },
    undefined,
    (model) => (tags.length ? [upsertModelTags(deps.db, model.id, tags)] : []),
  );
}

export async function renameRegisteredModel(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; newName: string },
): Promise<Model> {
  const model = await requireRegisteredModel(deps, viewer, input.name);
  return updateModel(deps, viewer, { modelId: model.id, name: input.newName });
}

export async function describeRegisteredModel(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; description: string | null },
): Promise<Model> {
  const model = await requireRegisteredModel(deps, viewer, input.name);
  return updateModel(deps, viewer, { modelId: model.id, description: input.description ?? null });
}

export async function deleteRegisteredModel(deps: DeletionDeps, viewer: Viewer, name: string) {
  const model = await requireRegisteredModel(deps, viewer, name);
  return deleteModel(deps, viewer, {
    modelId: model.id,
    reason: 'MLflow registered-models/delete',
  });
}

/** An MLflow key/value tag of a model or version, set or removed, audited with the change. */
export async function setRegistryTag(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; version?: string | null; key: string; value?: string | null },
): Promise<void> {
  const target = await tagTarget(deps, viewer, input);
  const [tag] = checkRegistryTags([{ key: input.key, value: input.value ?? '' }]) as [KeyValue];
  await runBatch(deps.d1, [
    target.kind === 'Model'
      ? upsertModelTags(deps.db, target.id, [tag])
      : upsertVersionTags(deps.db, target.id, [tag]),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: target.kind === 'Model' ? 'model.tagSet' : 'modelVersion.tagSet',
      subjectId: target.id,
      subjectKind: target.kind,
      after: { key: tag.key, value: tag.value },
    }),
  ]);
}

export async function deleteRegistryTag(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; version?: string | null; key: string },
): Promise<void> {
  const target = await tagTarget(deps, viewer, input);
  const [result] = await runBatch(deps.d1, [
    (target.kind === 'Model'
      ? deleteModelTag(deps.db, target.id, input.key)
      : deleteVersionTag(deps.db, target.id, input.key)
    ).compile(),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: target.kind === 'Model' ? 'model.tagDelete' : 'modelVersion.tagDelete',
      subjectId: target.id,
      subjectKind: target.kind,
      before: { key: input.key },
    }),
  ]);
  if (result?.meta.changes === 0) {
    // Nothing was removed: the audit row must not claim otherwise.
    throw new NotFoundError(`No tag with name: ${input.key}`, ['key'], input.key, null);
  }
}

async function tagTarget(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; version?: string | null },
): Promise<{ kind: 'Model' | 'ModelVersion'; id: string }> {
  if (input.version == null) {
    return { kind: 'Model', id: (await requireRegisteredModel(deps, viewer, input.name)).id };
  }
  const found = await registryVersion(deps, viewer, { name: input.name, version: input.version });
  return { kind: 'ModelVersion', id: found.version.id };
}

/**
 * model-versions/create: the next number after the model's greatest whole-number version (never
 * reused, deleted ones count). Two creates at once may pick the same number: the loser's batch
 * fails on the version's unique key, and it picks again.
 */
export async function createRegistryVersion(
  deps: WriteDeps,
  viewer: Viewer,
  input: {
    name: string;
    source?: string | null;
    runId?: string | null;
    description?: string | null;
    tags?: readonly KeyValue[] | null;
  },
): Promise<ModelVersion> {
  const tags = checkRegistryTags(input.tags);
  const model = await requireRegisteredModel(deps, viewer, input.name);
  for (let attempt = 1; ; attempt++) {
    const next = (await findMaxIntegerVersion(deps.db, model.id)) + 1;
    try {
      return await createModelVersion(
        deps,
        viewer,
        {
          modelId: model.id,
          version: String(next),
          scheme: 'integer',
          description: input.description,
          source: input.source,
          runId: input.runId || null,
        },
        undefined,
        async () => ({
          onlyIf: trueCondition,
          statements: (version) =>
            tags.length ? [upsertVersionTags(deps.db, version.id, tags)] : [],
        }),
      );
    } catch (error) {
      const taken = error instanceof ConflictError && error.path.at(-1) === 'version';
      if (!taken || attempt >= 5) throw error;
    }
  }
}

const trueCondition = sql<boolean>`1`;

export async function describeRegistryVersion(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; version: string; description: string | null },
): Promise<void> {
  const found = await registryVersion(deps, viewer, input);
  await updateModelVersion(deps, viewer, {
    versionId: found.version.id,
    description: input.description ?? null,
  });
}

export async function deleteRegistryVersion(
  deps: DeletionDeps,
  viewer: Viewer,
  input: { name: string; version: string },
) {
  const found = await registryVersion(deps, viewer, input);
  return deleteModelVersion(deps, viewer, {
    versionId: found.version.id,
    reason: 'MLflow model-versions/delete',
  });
}

/** registered-models/alias: production goes through the promotion gate, like modelVersionPromote. */
export async function setRegistryAlias(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; alias: string; version: string },
): Promise<void> {
  const found = await registryVersion(deps, viewer, input);
  if (input.alias === PRODUCTION_ALIAS) {
    await promoteModelVersion(deps, viewer, {
      versionId: found.version.id,
      reason: 'MLflow alias',
    });
  } else {
    await setModelAlias(deps, viewer, { versionId: found.version.id, alias: input.alias });
  }
}

export async function deleteRegistryAlias(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; alias: string },
): Promise<void> {
  const model = await requireRegisteredModel(deps, viewer, input.name);
  await deleteModelAlias(deps, viewer, { modelId: model.id, alias: input.alias });
}

/**
 * model-versions/transition-stage. Each step is the service of its GraphQL twin, each its own
 * batch: to Production, the promotion gate; to Staging, the staging alias; to Archived, archiving
 * (refused for a production or deployed version); to None, the version leaves Production and
 * Staging (audited as alias removals) and an archived one is restored. With
 * archive_existing_versions, the version that held the stage before is archived after the move;
 * that it can be (not deployed) is checked before anything is written.
 */
export async function transitionStage(
  deps: WriteDeps,
  viewer: Viewer,
  input: { name: string; version: string; stage: string; archiveExisting?: boolean | null },
): Promise<RegistryVersion> {
  const stage = parseStage(input.stage, ['stage']);
  const found = await registryVersion(deps, viewer, input);
  if (found.stage === stage) return found;
  const versionId = found.version.id;
  const reason = `MLflow transition-stage to ${stage}`;
  const holder =
    input.archiveExisting && (stage === 'Production' || stage === 'Staging')
      ? await stageHolder(deps, viewer, input.name, stage)
      : null;
  if (holder && holder.id !== versionId) {
    // Promoting this version takes production from the holder, so that hold goes away.
    const holds = (await versionHolds(deps, viewer, holder.id)).filter(
      (hold) => stage !== 'Production' || hold !== 'it is in production',
    );
    if (holds.length > 0) {
      throw new ConflictError(`Version ${holder.version} cannot be archived: ${holds.join(', ')}`, [
        'archiveExistingVersions',
      ]);
    }
  }
  if (stage === 'Archived') {
    // Leaving production is part of this change; a deployment serving the version refuses it
    // before anything moves.
    const holds = (await versionHolds(deps, viewer, versionId)).filter(
      (hold) => hold !== 'it is in production',
    );
    if (holds.length > 0) {
      throw new ConflictError(
        `Version ${found.version.version} cannot be archived: ${holds.join(', ')}`,
        ['stage'],
      );
    }
  }
  if (found.stage === 'Archived') {
    await setModelVersionArchived(deps, viewer, { versionId, archived: false, reason });
  }
  if (stage === 'Production') {
    await promoteModelVersion(deps, viewer, { versionId, reason });
  } else if (stage === 'Staging') {
    if (found.stage === 'Production') await leaveStage(deps, viewer, found, PRODUCTION_ALIAS);
    await setModelAlias(deps, viewer, { versionId, alias: STAGING_ALIAS, reason });
  } else {
    for (const alias of [PRODUCTION_ALIAS, STAGING_ALIAS]) {
      if (found.aliases.includes(alias)) await leaveStage(deps, viewer, found, alias);
    }
    if (stage === 'Archived') {
      await setModelVersionArchived(deps, viewer, { versionId, archived: true, reason });
    }
  }
  if (holder && holder.id !== versionId) {
    await setModelVersionArchived(deps, viewer, {
      versionId: holder.id,
      archived: true,
      reason: `MLflow archive_existing_versions (${input.name} version ${input.version} to ${stage})`,
    });
  }
  return registryVersion(deps, viewer, input);
}

async function leaveStage(deps: WriteDeps, viewer: Viewer, found: RegistryVersion, alias: string) {
  await deleteModelAlias(deps, viewer, {
    modelId: found.version.modelId,
    alias,
    reason: `MLflow transition-stage of version ${found.version.version}`,
  });
}

async function stageHolder(
  deps: WriteDeps,
  viewer: Viewer,
  name: string,
  stage: MlflowStage,
): Promise<ModelVersion | null> {
  const alias = stage === 'Production' ? PRODUCTION_ALIAS : STAGING_ALIAS;
  try {
    return (await versionByAlias(deps, viewer, { name, alias })).version;
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

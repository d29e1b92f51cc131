// Deleting a model, a version or a dataset. Nothing that holds it may be live (a production alias, a
// live deployment, a live version trained on the dataset): the ConflictError names what does. A
// deletion is one guarded batch: its audit event (with what was removed), the lineage edges at the
// node ended (so lineage as of an earlier time still shows them), the version's aliases and artifact
// records removed, and the row turned into a tombstone (migration 0011) whose name is free again;
// then the artifacts' bytes leave R2 and the vectors leave the search index. Approvals, checks,
// metric points and tracked requests stay, pointing at the tombstone. Error paths are relative to
// each function's input.

import { type RawBuilder, sql } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import { deleteArtifactsWhere, findArtifactsOfVersions } from '../artifact/artifact.repository.ts';
import { type Artifact, toArtifact } from '../artifact/artifact.ts';
import { type AuditEntry, insertAuditEventWhere } from '../audit/audit.repository.ts';
import {
  datasetDeletable,
  findDatasetsByIds,
  findLiveVersionsTrainedOn,
  tombstoneDataset,
} from '../dataset/dataset.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { claimWritesWhere, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import { countLiveEdgesAt, endLiveEdgesAt } from '../lineage/lineage.repository.ts';
import {
  deleteAliasesOfVersions,
  findAliasesByModelIds,
  findAliasesByVersionIds,
  findLiveVersionsOfModel,
  findModelsByIds,
  findVersionsByIds,
  modelDeletedAt,
  modelUnchangedSince,
  modelUnheld,
  tombstoneModel,
  tombstoneVersions,
  touchModel,
  versionDeletedAt,
  versionUnchangedSince,
  versionUnheld,
} from '../model/model.repository.ts';
import { modelHolds } from '../model/model-lifecycle.service.ts';
import { versionHolds } from '../model/model-version-lifecycle.service.ts';
import { deleteEmbeddings } from '../search/search.repository.ts';
import { optionalText } from '../validate.ts';

/** What a deletion removed, as both APIs report it. */
export interface Deletion {
  kind: 'Model' | 'ModelVersion' | 'Dataset';
  id: string;
  /** The name (or "model@version") it had. */
  name: string;
  /** Lineage edges ended. */
  endedEdges: number;
  /** Versions deleted with it (a model's), itself included for a version. */
  deletedVersions: number;
  /** Artifacts whose records and bytes were removed. */
  removedArtifacts: number;
}

type DeletionDeps = Pick<Deps, 'db' | 'd1' | 'bucket' | 'vectorIndex'>;

/** Removes the bytes of deleted artifacts: pending multipart uploads aborted, objects deleted. */
async function removeBytes(deps: DeletionDeps, artifacts: readonly Artifact[]) {
  for (const artifact of artifacts) {
    if (artifact.multipartUploadId !== null && artifact.status === 'PENDING') {
      await deps.bucket
        .resumeMultipartUpload(artifact.r2Key, artifact.multipartUploadId)
        .abort()
        .catch(() => undefined);
    }
  }
  if (artifacts.length > 0) await deps.bucket.delete(artifacts.map((a) => a.r2Key));
}

/** What deleting versions (one, or a model's all) writes, besides the shared steps. */
interface VersionsDeletion {
  audit: AuditEntry;
  /** Holds while nothing changed since the read; every write but the embeddings' is under it. */
  guard: RawBuilder<boolean>;
  now: string;
  result: Deletion;
  versionIds: readonly string[];
  /** The nodes whose live lineage edges end. */
  edgeNodeIds: readonly string[];
  artifacts: readonly Artifact[];
  /** The tombstoning updates, the one that changes what the guard reads last. */
  tombstones: readonly BatchQuery[];
  /** True once the batch tombstoned: the embeddings go only then. */
  committed: RawBuilder<boolean>;
  /** The answer when the guard failed (another request changed the rows meanwhile). */
  conflict: ConflictError;
}

/**
 * The guarded batch deleteModelVersion and deleteModel share (audit event, idempotency claim,
 * aliases, lineage edges, artifact records, tombstones, embeddings), then the R2 bytes and vectors,
 * which only go once the batch committed.
 */
async function deleteVersionsGuarded(
  deps: DeletionDeps,
  viewer: Viewer,
  claim: IdempotencyClaim | undefined,
  deletion: VersionsDeletion,
): Promise<Deletion> {
  const { guard, now, versionIds, artifacts } = deletion;
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(deps.db, deletion.audit, guard),
    ...claimWritesWhere(deps.db, claim, deletion.result, guard),
    deleteAliasesOfVersions(deps.db, versionIds, guard),
    endLiveEdgesAt(deps.db, viewer.orgId, deletion.edgeNodeIds, now, viewer.userId, guard),
    ...deleteArtifactsWhere(
      deps.db,
      artifacts.map((a) => a.id),
      guard,
    ),
    ...deletion.tombstones,
    deleteEmbeddings(deps.db, versionIds).where(deletion.committed),
  ]);
  if (results[0]?.meta.changes === 0) throw deletion.conflict;
  await removeBytes(deps, artifacts);
  if (versionIds.length > 0) await deps.vectorIndex.delete(viewer.orgId, [...versionIds]);
  return deletion.result;
}

/** Deletes a version that is neither in production nor deployed; its other aliases go with it. */
export async function deleteModelVersion(
  deps: DeletionDeps,
  viewer: Viewer,
  input: { versionId: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<Deletion> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const [row] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  if (!row) {
    throw new NotFoundError(
      'No model version with this id',
      ['versionId'],
      input.versionId,
      'ModelVersion',
    );
  }
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [row.model_id]);
  if (!model) throw new Error(`Version ${row.id} has no model`);
  const label = `${model.name}@${row.version}`;
  const holds = await versionHolds(deps, viewer, row.id);
  if (holds.length > 0) {
    throw new ConflictError(
      `${label} cannot be deleted while ${holds.join('; ')}: promote another version and end its deployments first`,
      ['versionId'],
    );
  }
  const [aliases, artifactRows, endedEdges] = await Promise.all([
    findAliasesByVersionIds(deps.db, viewer.orgId, [row.id]),
    findArtifactsOfVersions(deps.db, viewer.orgId, [row.id]),
    countLiveEdgesAt(deps.db, viewer.orgId, [row.id]),
  ]);
  const artifacts = artifactRows.map(toArtifact);
  const result: Deletion = {
    kind: 'ModelVersion',
    id: row.id,
    name: label,
    endedEdges,
    deletedVersions: 1,
    removedArtifacts: artifacts.length,
  };
  const now = nowIso();
  const guard = sql<boolean>`(${versionUnchangedSince(row.id, row.updated_at)} AND ${versionUnheld(row.id)})`;
  return deleteVersionsGuarded(deps, viewer, claim, {
    audit: {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'modelVersion.delete',
      subjectId: row.id,
      subjectKind: 'ModelVersion',
      before: {
        modelId: row.model_id,
        version: row.version,
        status: row.status,
        aliases: aliases.map((alias) => alias.name),
        artifacts: artifacts.map((a) => ({ name: a.name, sha256: a.sha256 })),
        endedEdges,
      },
      reason,
    },
    guard,
    now,
    result,
    versionIds: [row.id],
    edgeNodeIds: [row.id],
    artifacts,
    // Last of the guarded statements: it changes updated_at, which the guard reads.
    tombstones: [
      touchModel(deps.db, row.model_id, now, guard),
      tombstoneVersions(deps.db, [row.id], now, guard),
    ],
    committed: versionDeletedAt(row.id, now),
    conflict: new ConflictError(
      `${label} was changed, promoted or deployed by another request meanwhile: read it again`,
      ['versionId'],
    ),
  });
}

/** Deletes a model none of whose versions is in production or deployed, with all its versions. */
export async function deleteModel(
  deps: DeletionDeps,
  viewer: Viewer,
  input: { modelId: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<Deletion> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const [row] = await findModelsByIds(deps.db, viewer.orgId, [input.modelId]);
  if (!row) throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  const holds = await modelHolds(deps, viewer, row.id);
  if (holds.length > 0) {
    throw new ConflictError(
      `"${row.name}" cannot be deleted while ${holds.join('; ')}: demote it and end its deployments first`,
      ['modelId'],
    );
  }
  const versions = await findLiveVersionsOfModel(deps.db, viewer.orgId, row.id);
  const versionIds = versions.map((version) => version.id);
  const [aliases, artifactRows, endedEdges] = await Promise.all([
    findAliasesByModelIds(deps.db, viewer.orgId, [row.id], null),
    versionIds.length ? findArtifactsOfVersions(deps.db, viewer.orgId, versionIds) : [],
    countLiveEdgesAt(deps.db, viewer.orgId, [row.id, ...versionIds]),
  ]);
  const artifacts = artifactRows.map(toArtifact);
  const result: Deletion = {
    kind: 'Model',
    id: row.id,
    name: row.name,
    endedEdges,
    deletedVersions: versions.length,
    removedArtifacts: artifacts.length,
  };
  const now = nowIso();
  const guard = sql<boolean>`(${modelUnchangedSince(row.id, row.updated_at)} AND ${modelUnheld(row.id)})`;
  return deleteVersionsGuarded(deps, viewer, claim, {
    audit: {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'model.delete',
      subjectId: row.id,
      subjectKind: 'Model',
      before: {
        name: row.name,
        status: row.status,
        versions: versions.map((version) => version.version),
        aliases: aliases.map((alias) => alias.name),
        artifacts: artifacts.map((a) => ({ name: a.name, sha256: a.sha256 })),
        endedEdges,
      },
      reason,
    },
    guard,
    now,
    result,
    versionIds,
    edgeNodeIds: [row.id, ...versionIds],
    artifacts,
    // Last of the guarded statements: it changes updated_at, which the guard reads.
    tombstones: [
      tombstoneVersions(deps.db, versionIds, now, guard),
      tombstoneModel(deps.db, row.id, now, guard),
    ],
    committed: modelDeletedAt(row.id, now),
    conflict: new ConflictError(
      `"${row.name}" was changed, promoted or deployed by another request meanwhile: read it again`,
      ['modelId'],
    ),
  });
}

/** Deletes a dataset no live version is trained on; its lineage edges end. */
export async function deleteDataset(
  deps: DeletionDeps,
  viewer: Viewer,
  input: { datasetId: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<Deletion> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const [row] = await findDatasetsByIds(deps.db, viewer.orgId, [input.datasetId]);
  if (!row) {
    throw new NotFoundError('No dataset with this id', ['datasetId'], input.datasetId, 'Dataset');
  }
  const trained = await findLiveVersionsTrainedOn(deps.db, viewer.orgId, row.id);
  if (trained.length > 0) {
    const names = trained.map((version) => `${version.model_name}@${version.version}`);
    throw new ConflictError(
      `"${row.name}" cannot be deleted while live versions are trained on it: ${names.join(', ')}. Archive or delete them first`,
      ['datasetId'],
    );
  }
  const endedEdges = await countLiveEdgesAt(deps.db, viewer.orgId, [row.id]);
  const result: Deletion = {
    kind: 'Dataset',
    id: row.id,
    name: row.name,
    endedEdges,
    deletedVersions: 0,
    removedArtifacts: 0,
  };
  const now = nowIso();
  const guard = datasetDeletable(row.id, row.updated_at);
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'dataset.delete',
        subjectId: row.id,
        subjectKind: 'Dataset',
        before: { name: row.name, uri: row.uri, endedEdges },
        reason,
      },
      guard,
    ),
    ...claimWritesWhere(deps.db, claim, result, guard),
    endLiveEdgesAt(deps.db, viewer.orgId, [row.id], now, viewer.userId, guard),
    // Last: it changes updated_at, which the guard reads.
    tombstoneDataset(deps.db, row.id, now, guard),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      `"${row.name}" was changed, or a live version was trained on it, by another request meanwhile: read it again`,
      ['datasetId'],
    );
  }
  return result;
}

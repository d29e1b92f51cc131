import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../audit/audit.repository.ts';
import { findDatasetsByIds } from '../dataset/dataset.repository.ts';
import { type Dataset, toDataset } from '../dataset/dataset.ts';
import {
  type DatasetGovernanceInput,
  datasetGovernanceRow,
} from '../dataset/dataset-governance.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import {
  claimWrites,
  claimWritesWhere,
  type IdempotencyClaim,
} from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { analyzeImpact } from '../impact/impact.service.ts';
import { optionalText } from '../validate.ts';
import {
  datasetGovernanceUnchangedSince,
  findDatasetGovernanceByIds,
  findErasureRequestsByDatasetIds,
  insertErasureRequest,
  upsertDatasetGovernanceWhere,
} from './governance.repository.ts';
import {
  type DatasetGovernance,
  type ErasureRequest,
  toDatasetGovernance,
  toErasureRequest,
} from './governance.ts';

/**
 * What the audit trail keeps of a declaration: the facts and the column names, never the sample
 * values (they may be personal data, and audit rows can never be erased).
 */
function auditedDeclaration(governance: DatasetGovernance | null) {
  return (
    governance && {
      containsPersonalData: governance.containsPersonalData,
      lawfulBasis: governance.lawfulBasis,
      retentionDays: governance.retentionDays,
      columns: governance.columns.map((column) => column.name),
    }
  );
}

export interface DatasetGovernanceChange {
  dataset: Dataset;
  governance: DatasetGovernance;
  previous: DatasetGovernance | null;
}

/**
 * Declares or re-declares the GDPR facts of an existing dataset, replacing the declaration whole
 * (omitted columns mean none). The declaration and its audit row (before and after) land in one
 * batch, and only if no other declaration landed since this one read the current state.
 */
export async function setDatasetGovernance(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: { datasetId: string; governance: DatasetGovernanceInput; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<DatasetGovernanceChange> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const now = nowIso();
  const row = datasetGovernanceRow(viewer, input.datasetId, input.governance, ['governance'], now);
  const [dataset] = await findDatasetsByIds(deps.db, viewer.orgId, [input.datasetId]);
  if (!dataset) {
    throw new NotFoundError('No dataset with this id', ['datasetId'], input.datasetId, 'Dataset');
  }
  const [current] = await findDatasetGovernanceByIds(deps.db, viewer.orgId, [dataset.id]);
  const previous = current ? toDatasetGovernance(current) : null;
  const governance = toDatasetGovernance(row);
  const unchanged = datasetGovernanceUnchangedSince(dataset.id, current?.declared_at ?? null);
  const change = { dataset: toDataset(dataset), governance, previous };
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'dataset.governanceSet',
        subjectId: dataset.id,
        subjectKind: 'Dataset',
        before: auditedDeclaration(previous),
        after: auditedDeclaration(governance),
        reason,
      },
      unchanged,
    ),
    // Under the same guard, before the upsert that ends it: the key is stored with the declaration.
    ...claimWritesWhere(deps.db, claim, change, unchanged),
    upsertDatasetGovernanceWhere(deps.db, row, unchanged),
  ]);
  // The audit row goes first under the guard: no row, no change (nothing else applied either).
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      `The declaration of "${dataset.name}" changed while this one was being written; read it again`,
      ['datasetId'],
    );
  }
  return change;
}

export interface ErasureWorkList {
  erasureRequest: ErasureRequest;
  affectedVersionIds: string[];
  affectedModelIds: string[];
  affectedDeploymentIds: string[];
  isTruncated: boolean;
}

/**
 * Right to be forgotten (GDPR Art. 17): marks a dataset as under erasure, so that the GDPR check
 * fails every version trained on it, and returns, by impact analysis, every version (any depth,
 * through derivedFrom) and deployment to retrain or withdraw.
 */
export async function requestDatasetErasure(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: { datasetId: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<ErasureWorkList> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const [dataset] = await findDatasetsByIds(deps.db, viewer.orgId, [input.datasetId]);
  if (!dataset) {
    throw new NotFoundError('No dataset with this id', ['datasetId'], input.datasetId, 'Dataset');
  }
  const conflict = () =>
    new ConflictError(`"${dataset.name}" is already under an erasure request`, ['datasetId']);
  if ((await findErasureRequestsByDatasetIds(deps.db, viewer.orgId, [dataset.id])).length) {
    throw conflict();
  }
  const impact = await analyzeImpact(deps, viewer, {
    root: { kind: 'Dataset', id: dataset.id },
  });
  const deploymentIds = impact.affectedDeployments.map((entry) => entry.deploymentId);
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    dataset_id: dataset.id,
    reason,
    affected_version_ids: JSON.stringify(impact.affectedVersionIds),
    affected_deployment_ids: JSON.stringify(deploymentIds),
    requested_by: viewer.userId,
    created_at: nowIso(),
  };
  const workList = {
    erasureRequest: toErasureRequest(row),
    affectedVersionIds: impact.affectedVersionIds,
    affectedModelIds: impact.affectedModelIds,
    affectedDeploymentIds: deploymentIds,
    isTruncated: impact.walk.isTruncated,
  };
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, workList),
      insertErasureRequest(deps.db, row),
      insertAuditEvent(deps.db, {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'dataset.erasureRequest',
        subjectId: dataset.id,
        subjectKind: 'Dataset',
        after: {
          erasureRequestId: row.id,
          affectedVersionIds: impact.affectedVersionIds,
          affectedDeploymentIds: deploymentIds,
        },
        reason,
      }),
    ]);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: erasure_request.dataset_id')) {
      throw conflict();
    }
    throw error;
  }
  return workList;
}

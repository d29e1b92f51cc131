import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import { AlreadyExistsError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { optionalText, requireName } from '../validate.ts';
import { findDatasetByName, insertDataset, upsertDatasetGovernance } from './dataset.repository.ts';
import { type Dataset, toDataset } from './dataset.ts';
import { type DatasetGovernanceInput, datasetGovernanceRow } from './dataset-governance.ts';

export interface DatasetRegisterInput {
  name: string;
  description?: string | null;
  uri?: string | null;
  format?: string | null;
  metadata?: unknown;
  /** GDPR declarations; a dataset without them fails the GDPR check of versions trained on it. */
  governance?: DatasetGovernanceInput | null;
}

export async function registerDataset(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: DatasetRegisterInput,
  claim?: IdempotencyClaim,
): Promise<Dataset> {
  const name = requireName(input.name, ['name']);
  const now = nowIso();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    name,
    description: optionalText(input.description, ['description']),
    uri: optionalText(input.uri, ['uri'], 2048),
    format: input.format ? requireName(input.format, ['format'], { max: 64 }) : null,
    metadata: serializeJsonObject(input.metadata, ['metadata']),
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
  };
  const governance = input.governance
    ? datasetGovernanceRow(viewer, row.id, input.governance, ['governance'], row.created_at)
    : null;
  if (await findDatasetByName(deps.db, viewer.orgId, name)) {
    throw new AlreadyExistsError(`A dataset named "${name}" already exists`, ['name']);
  }
  const dataset = toDataset(row);
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, dataset),
      insertDataset(deps.db, row),
      insertAuditEvent(deps.db, {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'dataset.register',
        subjectId: row.id,
        subjectKind: 'Dataset',
        after: {
          name,
          uri: row.uri,
          ...(governance && {
            containsPersonalData: governance.contains_personal_data === 1,
            lawfulBasis: governance.lawful_basis,
            retentionDays: governance.retention_days,
          }),
        },
      }),
      ...(governance ? [upsertDatasetGovernance(deps.db, governance)] : []),
    ]);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: dataset.org_id, dataset.name')) {
      throw new AlreadyExistsError(`A dataset named "${name}" already exists`, ['name']);
    }
    throw error;
  }
  return dataset;
}

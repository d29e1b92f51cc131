import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import { AlreadyExistsError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  findExperimentByName,
  insertExperiment,
  upsertExperimentTags,
} from './experiment.repository.ts';
import { type Experiment, toExperiment } from './experiment.ts';
import { checkExperimentTags } from './experiment-tags.ts';

export interface ExperimentCreateInput {
  name: string;
  description?: string | null;
  metadata?: unknown;
  /** MLflow's artifact_location; null: the mlflow-artifacts default under the experiment's id. */
  artifactLocation?: string | null;
  /** MLflow's experiment tags, written with the experiment. */
  tags?: readonly { key: string; value: string }[] | null;
}

export async function createExperiment(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: ExperimentCreateInput,
  claim?: IdempotencyClaim,
): Promise<Experiment> {
  const name = requireName(input.name, ['name']);
  const now = nowIso();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    name,
    description: optionalText(input.description, ['description']),
    metadata: serializeJsonObject(input.metadata, ['metadata']),
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
    lifecycle_stage: 'active',
    artifact_location: optionalText(input.artifactLocation || null, ['artifactLocation'], 2048),
  };
  const tags = checkExperimentTags(input.tags ?? [], ['tags']);
  if (await findExperimentByName(deps.db, viewer.orgId, name)) {
    throw new AlreadyExistsError(`An experiment named "${name}" already exists`, ['name']);
  }
  const experiment = toExperiment(row);
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, experiment),
      insertExperiment(deps.db, row),
      ...(tags.length ? [upsertExperimentTags(deps.db, row.id, tags)] : []),
      insertAuditEvent(deps.db, {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'experiment.create',
        subjectId: row.id,
        subjectKind: 'Experiment',
        after: { name },
      }),
    ]);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: experiment.org_id, experiment.name')) {
      throw new AlreadyExistsError(`An experiment named "${name}" already exists`, ['name']);
    }
    throw error;
  }
  return experiment;
}

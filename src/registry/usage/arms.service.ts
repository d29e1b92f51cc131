// Which requests an A/B comparison compares: an experiment's (arms by model or by version), or
// those of given models or versions. Shared by the GraphQL abTestCompare and POST /api/vibe/compare.
import type { Db } from '../../db/db.ts';
import { ValidationError } from '../errors.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import type { ArmSelection } from './usage-scope.ts';

/** Arms (models or versions) in one comparison. */
export const MAX_ARMS = 20;

export type ArmKind = 'MODEL' | 'VERSION';

export interface ArmRequest {
  /** Ids as sent; `decode` turns them into row ids (and reports a malformed one). */
  experimentId?: string | null;
  modelIds?: readonly string[] | null;
  versionIds?: readonly string[] | null;
  /** With experimentId: whether models or versions are the arms. */
  armsBy: ArmKind;
  decode: (
    id: string,
    kind: 'Experiment' | 'Model' | 'ModelVersion',
    path: readonly string[],
  ) => string;
}

/**
 * Resolves the arms of a comparison in the caller's organization: an experiment's, some models' or
 * some versions'; with an experiment, modelIds or versionIds keep only those arms of it (as the
 * seed's `experiment_id` with `model_ids` asks). Error paths are relative to the request
 * (`experimentId`, `modelIds.<index>`, `versionIds`), the index that of the id as given; an id
 * nobody in the organization has is refused like a malformed one.
 */
export async function resolveArms(
  db: Db,
  orgId: string,
  request: ArmRequest,
): Promise<{ arms: ArmSelection; kind: ArmKind }> {
  const given = [request.experimentId, request.modelIds, request.versionIds].filter(
    (value) => value !== null && value !== undefined,
  );
  if (given.length === 0) {
    throw new ValidationError('Give exactly one of experimentId, modelIds or versionIds', []);
  }
  if (request.modelIds != null && request.versionIds != null) {
    throw new ValidationError('Give modelIds or versionIds, not both', ['versionIds']);
  }
  if (request.experimentId) {
    const id = request.decode(request.experimentId, 'Experiment', ['experimentId']);
    const [experiment] = await findExperimentsByIds(db, orgId, [id]);
    if (!experiment) throw new ValidationError('No Experiment with this id', ['experimentId']);
    const kind: ArmKind = request.versionIds
      ? 'VERSION'
      : request.modelIds
        ? 'MODEL'
        : request.armsBy;
    const only = request.modelIds ?? request.versionIds;
    const ids = only
      ? await requireVisibleIds(
          db,
          orgId,
          {
            ids: only,
            kind: request.modelIds ? 'Model' : 'ModelVersion',
            argument: request.modelIds ? 'modelIds' : 'versionIds',
            max: MAX_ARMS,
          },
          request.decode,
        )
      : null;
    return {
      kind,
      arms: {
        kind: 'experiment',
        experimentId: id,
        armColumn: kind === 'MODEL' ? 'model_id' : 'version_id',
        modelIds: request.modelIds ? ids : null,
        versionIds: request.versionIds ? ids : null,
      },
    };
  }
  if (request.modelIds) {
    const ids = await requireVisibleIds(
      db,
      orgId,
      { ids: request.modelIds, kind: 'Model', argument: 'modelIds', max: MAX_ARMS },
      request.decode,
    );
    return { kind: 'MODEL', arms: { kind: 'models', ids } };
  }
  const ids = await requireVisibleIds(
    db,
    orgId,
    { ids: request.versionIds ?? [], kind: 'ModelVersion', argument: 'versionIds', max: MAX_ARMS },
    request.decode,
  );
  return { kind: 'VERSION', arms: { kind: 'versions', modelId: null, ids } };
}

/** Ids of one kind, decoded, deduplicated, and checked to be visible, in one statement. */
export async function requireVisibleIds(
  db: Db,
  orgId: string,
  list: { ids: readonly string[]; kind: 'Model' | 'ModelVersion'; argument: string; max: number },
  decode: ArmRequest['decode'],
): Promise<string[]> {
  const { ids, kind, argument, max } = list;
  if (ids.length === 0 || ids.length > max) {
    throw new ValidationError(`Give 1 to ${max} ids`, [argument]);
  }
  const given = ids.map((id, index) => decode(id, kind, [argument, String(index)]));
  const decoded = [...new Set(given)];
  const rows = await (kind === 'Model' ? findModelsByIds : findVersionsByIds)(db, orgId, decoded);
  const visible = new Set(rows.map((row) => row.id));
  // The index in the list as given, not in the deduplicated one.
  const missing = given.findIndex((id) => !visible.has(id));
  if (missing >= 0) {
    throw new ValidationError(`No ${kind} with this id`, [argument, String(missing)]);
  }
  return decoded;
}

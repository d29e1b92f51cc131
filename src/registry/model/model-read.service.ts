// Reads of models, versions and aliases for both APIs, as domain objects; lists of many parents are
// one statement each, answered in the order of the ids asked for.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { findLinkedVersions } from '../lineage/lineage.repository.ts';
import type { EdgeEndpoint, EdgeType } from '../lineage/lineage.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findAliasesByModelIds,
  findAliasesByVersionIds,
  findModelsByIds,
  findModelsByNames,
  findVersionPagesByModelIds,
  findVersionsByIds,
  findVersionsByModelIdsAndVersion,
} from './model.repository.ts';
import {
  type Model,
  type ModelAlias,
  type ModelVersion,
  toModel,
  toModelAlias,
  toModelVersion,
} from './model.ts';

/**
 * The caller's models among `ids` (others are missing), in id order; deleted ones (tombstones,
 * with deletedAt) only with `withTombstones`, for what history still points at.
 */
export async function modelsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
): Promise<Model[]> {
  return (await findModelsByIds(deps.db, viewer.orgId, ids, options)).map(toModel);
}

/** The caller's model with this name, or null. */
export async function modelByName(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  name: string,
): Promise<Model | null> {
  const [row] = await findModelsByNames(deps.db, viewer.orgId, [name]);
  return row ? toModel(row) : null;
}

/** The caller's versions among `ids` (others are missing); tombstones as for modelsByIds. */
export async function versionsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
): Promise<ModelVersion[]> {
  return (await findVersionsByIds(deps.db, viewer.orgId, ids, options)).map(toModelVersion);
}

/** One page of versions of each model, oldest first; archived ones only when asked for. */
export async function versionPagesOfModels(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  modelIds: readonly string[],
  page: PageRequest,
  options: { includeArchived?: boolean } = {},
): Promise<ModelVersion[][]> {
  const rows = await findVersionPagesByModelIds(deps.db, viewer.orgId, modelIds, page, options);
  return groupRows(modelIds, rows, (row) => row.model_id).map((group) => group.map(toModelVersion));
}

/** For each model, the id of its version with this version string, or null. */
export async function versionIdsByString(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  modelIds: readonly string[],
  version: string,
): Promise<(string | null)[]> {
  const rows = await findVersionsByModelIdsAndVersion(deps.db, viewer.orgId, modelIds, version);
  const byModel = new Map(rows.map((row) => [row.model_id, row.id]));
  return modelIds.map((id) => byModel.get(id) ?? null);
}

/** Every alias of each model, by name. */
export async function aliasesOfModels(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  modelIds: readonly string[],
): Promise<ModelAlias[][]> {
  const rows = await findAliasesByModelIds(deps.db, viewer.orgId, modelIds, null);
  return groupRows(modelIds, rows, (row) => row.model_id).map((group) => group.map(toModelAlias));
}

/** Every alias pointing at each version, by name. */
export async function aliasesOfVersions(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  versionIds: readonly string[],
): Promise<ModelAlias[][]> {
  if (versionIds.length === 0) return [];
  const rows = await findAliasesByVersionIds(deps.db, viewer.orgId, versionIds);
  return groupRows(versionIds, rows, (row) => row.version_id).map((group) =>
    group.map(toModelAlias),
  );
}

/** The versions at the other end of each node's live edges of these types. */
export async function linkedVersionsOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  endpoint: EdgeEndpoint,
  types: readonly EdgeType[],
  ids: readonly string[],
): Promise<ModelVersion[][]> {
  const rows = await findLinkedVersions(deps.db, viewer.orgId, endpoint, types, ids);
  return groupRows(ids, rows, (row) => row.group_id).map((group) =>
    group.map(({ group_id: _group, ...row }) => toModelVersion(row)),
  );
}

import { type ExpressionBuilder, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { Db } from '../../db/db.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { jsonKeys } from '../keys.ts';
import { findOrgRowsByIds } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type { ModelAliasTable, ModelTable, ModelVersionTable } from './model.table.ts';
import { type ModelSortColumn, PRODUCTION_ALIAS } from './model.ts';

export function findModelsByIds(
  db: Db,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
) {
  return findOrgRowsByIds(db, 'model', orgId, ids, options);
}

export function findModelsByNames(db: Db, orgId: string, names: readonly string[]) {
  return db
    .selectFrom('model')
    .selectAll()
    .where('name', 'in', jsonKeys(names))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .execute();
}

export interface ModelSearch {
  tagsAny: readonly string[] | null;
  tagsAll: readonly string[] | null;
  statuses: readonly string[] | null;
  providers: readonly string[] | null;
  frameworks: readonly string[] | null;
  modelTypes: readonly string[] | null;
  text: string | null;
  createdAfter: string | null;
  createdBefore: string | null;
}

/** Keyset boundary for a sorted model list: the sort column's value and the id that breaks ties. */
export interface ModelKey {
  value: string;
  id: string;
}

export function searchModels(
  db: Db,
  orgId: string,
  search: ModelSearch,
  sort: { column: ModelSortColumn; descending: boolean },
  page: { after: ModelKey | null; before: ModelKey | null; limit: number; inverted: boolean },
) {
  let query = db
    .selectFrom('model')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null);
  if (search.statuses) query = query.where('status', 'in', jsonKeys(search.statuses));
  if (search.providers) query = query.where('provider', 'in', jsonKeys(search.providers));
  if (search.frameworks) query = query.where('framework', 'in', jsonKeys(search.frameworks));
  if (search.modelTypes) query = query.where('model_type', 'in', jsonKeys(search.modelTypes));
  if (search.createdAfter) query = query.where('created_at', '>=', search.createdAfter);
  if (search.createdBefore) query = query.where('created_at', '<', search.createdBefore);
  if (search.text) {
    const pattern = `%${search.text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query = query.where(
      sql<boolean>`(model.name LIKE ${pattern} ESCAPE '\\' OR model.description LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (search.tagsAny) {
    const tags = JSON.stringify(search.tagsAny);
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM json_each(model.tags) AS t WHERE t.value IN (SELECT value FROM json_each(${tags})))`,
    );
  }
  if (search.tagsAll) {
    const tags = [...new Set(search.tagsAll)];
    query = query.where(
      sql<boolean>`(SELECT count(DISTINCT t.value) FROM json_each(model.tags) AS t WHERE t.value IN (SELECT value FROM json_each(${JSON.stringify(tags)}))) = ${tags.length}`,
    );
  }
  // Rows come in sort order, then id, so that equal sort values still page stably. `last` reads
  // from the end of the list, so it fetches in the opposite order (the page is reversed later).
  const ascending = sort.descending === page.inverted;
  const column = sort.column;
  const beyond = (key: ModelKey, direction: 'after' | 'before') => {
    const greater = (direction === 'after') !== sort.descending;
    const op = greater ? '>' : '<';
    return (eb: ExpressionBuilder<Database, 'model'>) =>
      eb.or([
        eb(column, op, key.value),
        eb.and([eb(column, '=', key.value), eb('id', op, key.id)]),
      ]);
  };
  if (page.after) query = query.where(beyond(page.after, 'after'));
  if (page.before) query = query.where(beyond(page.before, 'before'));
  return query
    .orderBy(column, ascending ? 'asc' : 'desc')
    .orderBy('id', ascending ? 'asc' : 'desc')
    .limit(page.limit)
    .execute();
}

/** Versions with these ids in the organization; tombstones too with `withTombstones`. */
export function findVersionsByIds(
  db: Db,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
) {
  return versionsByIdsQuery(db, orgId, ids, options).execute();
}

/** findVersionsByIds' select, not yet run (for src/db/json-sets.ts readJsonSets). */
export function versionsByIdsQuery(
  db: Db,
  orgId: string,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
) {
  const query = db
    .selectFrom('model_version')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId);
  return options.withTombstones ? query : query.where('deleted_at', 'is', null);
}

/**
 * One page of versions for each of many models, in one statement: a window numbers each model's
 * versions and the outer query keeps the first `limit` of each.
 */
export function findVersionPagesByModelIds(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  page: PageRequest,
  options: { includeArchived?: boolean } = {},
) {
  let query = db
    .selectFrom('model_version')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null);
  if (!options.includeArchived) query = query.where('status', '<>', 'ARCHIVED');
  return selectGroupedPages<ModelVersionTable>(db, query, { group: 'model_id', id: 'id' }, page);
}

export function findVersionsByModelIdsAndVersion(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  version: string,
) {
  return db
    .selectFrom('model_version')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .where('version', '=', version)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .execute();
}

export function findVersionByModelAndVersion(
  db: Db,
  orgId: string,
  modelId: string,
  version: string,
) {
  return db
    .selectFrom('model_version')
    .select('id')
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The version a request naming only the model means: the production one, else the newest (ids
 * are UUIDv7, so the greatest id is the last created). One statement; undefined without versions.
 */
export function findVersionForModel(db: Db, orgId: string, modelId: string) {
  return db
    .selectFrom('model_version as v')
    .leftJoin('model_alias as a', (join) =>
      join
        .onRef('a.version_id', '=', 'v.id')
        .on('a.model_id', '=', modelId)
        .on('a.name', '=', PRODUCTION_ALIAS),
    )
    .selectAll('v')
    .select((eb) => eb('a.version_id', 'is not', null).as('is_production'))
    .where('v.model_id', '=', modelId)
    .where('v.org_id', '=', orgId)
    .where('v.deleted_at', 'is', null)
    .where('v.status', '<>', 'ARCHIVED')
    .orderBy('is_production', 'desc')
    .orderBy('v.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function findAliasesByVersionIds(db: Db, orgId: string, versionIds: readonly string[]) {
  return db
    .selectFrom('model_alias')
    .selectAll()
    .where('version_id', 'in', jsonKeys(versionIds))
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
}

export function findAliasesByModelIds(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  name: string | null,
) {
  let query = db
    .selectFrom('model_alias')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .where('org_id', '=', orgId);
  if (name !== null) query = query.where('name', '=', name);
  return query.orderBy('model_id').orderBy('name').execute();
}

export function insertModel(db: Db, row: ModelTable) {
  return db.insertInto('model').values(row);
}

/**
 * With `onlyIf`, the insert fails (and so does its batch) with VERSION_GUARD_FAILURE when the
 * condition no longer holds as the statement runs: a version created straight into production
 * lands only if the alias it moves is still where it was read.
 */
export function insertModelVersion(db: Db, row: ModelVersionTable, onlyIf?: RawBuilder<boolean>) {
  return db
    .insertInto('model_version')
    .values(
      onlyIf
        ? { ...row, model_id: sql<string>`CASE WHEN ${onlyIf} THEN ${row.model_id} END` }
        : row,
    );
}

/** The error D1 reports when insertModelVersion's `onlyIf` did not hold. */
export const VERSION_GUARD_FAILURE = 'NOT NULL constraint failed: model_version.model_id';

/**
 * Points an alias at `row.version_id`, provided it still points at `expectedVersionId` (null: the
 * model has no such alias yet); otherwise changes nothing. See aliasPointsAt.
 */
export function upsertAlias(db: Db, row: ModelAliasTable, expectedVersionId: string | null) {
  return db
    .insertInto('model_alias')
    .values(row)
    .onConflict((conflict) =>
      conflict
        .columns(['model_id', 'name'])
        .doUpdateSet({
          version_id: row.version_id,
          updated_at: row.updated_at,
          updated_by: row.updated_by,
        })
        // version_id is NOT NULL, so "IS NULL" (no alias expected) never updates an existing one.
        .where(
          'model_alias.version_id',
          expectedVersionId === null ? 'is' : '=',
          expectedVersionId,
        ),
    );
}

/**
 * True while a model's alias points at `versionId` (null: while the model has no such alias). An
 * alias move reads the alias, then writes in a batch; guarding the batch's statements with this
 * makes the move compare-and-set, so two moves at once cannot both record the same "before".
 */
export function aliasPointsAt(modelId: string, name: string, versionId: string | null) {
  return versionId === null
    ? sql<boolean>`NOT EXISTS (SELECT 1 FROM model_alias WHERE model_id = ${modelId} AND name = ${name})`
    : sql<boolean>`EXISTS (SELECT 1 FROM model_alias WHERE model_id = ${modelId} AND name = ${name} AND version_id = ${versionId})`;
}

export function deleteAlias(db: Db, modelId: string, name: string) {
  return db.deleteFrom('model_alias').where('model_id', '=', modelId).where('name', '=', name);
}

export function updateModelStatus(db: Db, modelId: string, status: string, now: string) {
  return db.updateTable('model').set({ status, updated_at: now }).where('id', '=', modelId);
}

export function touchModel(
  db: Db,
  modelId: string,
  now: string,
  condition: RawBuilder<boolean> = sql<boolean>`1`,
) {
  return db
    .updateTable('model')
    .set({ updated_at: now })
    .where('id', '=', modelId)
    .where(condition);
}

/** True while the model's row is as it was read (its updated_at unchanged): the edit guard. */
export function modelUnchangedSince(modelId: string, updatedAt: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM model WHERE id = ${modelId} AND updated_at = ${updatedAt})`;
}

/** Changes a model's row, only if nobody changed it since it was read (compare-and-set). */
export function updateModelIfUnchanged(
  db: Db,
  modelId: string,
  readUpdatedAt: string,
  set: Partial<Omit<ModelTable, 'id' | 'org_id' | 'created_at' | 'created_by'>>,
) {
  return db
    .updateTable('model')
    .set(set)
    .where('id', '=', modelId)
    .where('updated_at', '=', readUpdatedAt);
}

/** The deployments that serve one of the model's versions now (live DEPLOYED_TO edges). */
export function findLiveDeploymentsOfModel(db: Db, orgId: string, modelId: string) {
  return db
    .selectFrom('edge as e')
    .innerJoin('model_version as v', 'v.id', 'e.src_id')
    .innerJoin('deployment as d', 'd.id', 'e.dst_id')
    .select(['d.id as deployment_id', 'd.name as deployment_name', 'v.version'])
    .where('e.type', '=', 'DEPLOYED_TO')
    .where('e.removed_at', 'is', null)
    .where('e.org_id', '=', orgId)
    .where('v.model_id', '=', modelId)
    .orderBy('d.name')
    .execute();
}

/** Removes an alias, only if it still points at `versionId`. */
export function deleteAliasIfAt(db: Db, modelId: string, name: string, versionId: string) {
  return db
    .deleteFrom('model_alias')
    .where('model_id', '=', modelId)
    .where('name', '=', name)
    .where('version_id', '=', versionId);
}

/** findVersionsByIds, leaving out archived versions and those of archived models (search). */
export function findUnarchivedVersionsByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('model_version as v')
    .innerJoin('model as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .where('v.id', 'in', jsonKeys(ids))
    .where('v.org_id', '=', orgId)
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null)
    .where('m.status', '<>', 'ARCHIVED')
    .where('v.status', '<>', 'ARCHIVED')
    .execute();
}

/** True while the version's row is as it was read (its updated_at unchanged): the edit guard. */
export function versionUnchangedSince(versionId: string, updatedAt: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM model_version WHERE id = ${versionId} AND updated_at = ${updatedAt})`;
}

/** Changes a version's row, only if nobody changed it since it was read (compare-and-set). */
export function updateVersionIfUnchanged(
  db: Db,
  versionId: string,
  readUpdatedAt: string,
  set: Partial<Pick<ModelVersionTable, 'description' | 'metadata' | 'status' | 'updated_at'>>,
  condition: RawBuilder<boolean> = sql<boolean>`1`,
) {
  return db
    .updateTable('model_version')
    .set(set)
    .where('id', '=', versionId)
    .where('updated_at', '=', readUpdatedAt)
    .where(condition);
}

/** The deployments that serve the version now (live DEPLOYED_TO edges). */
export function findLiveDeploymentsOfVersion(db: Db, orgId: string, versionId: string) {
  return db
    .selectFrom('edge as e')
    .innerJoin('deployment as d', 'd.id', 'e.dst_id')
    .select(['d.id as deployment_id', 'd.name as deployment_name'])
    .where('e.type', '=', 'DEPLOYED_TO')
    .where('e.removed_at', 'is', null)
    .where('e.org_id', '=', orgId)
    .where('e.src_id', '=', versionId)
    .orderBy('d.name')
    .execute();
}

/**
 * True while nothing holds the version: no production alias points at it and no live deployment
 * serves it. Guards an archive against a promotion or deployment landing between read and write.
 */
export function versionUnheld(versionId: string) {
  return sql<boolean>`(NOT EXISTS (SELECT 1 FROM model_alias WHERE version_id = ${versionId} AND name = ${PRODUCTION_ALIAS})
    AND NOT EXISTS (SELECT 1 FROM edge WHERE src_id = ${versionId} AND type = 'DEPLOYED_TO' AND removed_at IS NULL))`;
}

/**
 * Turns versions into tombstones (migration 0011): deleted_at set, the version string given up so
 * that it can be registered again, when `condition` holds.
 */
export function tombstoneVersions(
  db: Db,
  versionIds: readonly string[],
  now: string,
  condition: RawBuilder<boolean>,
) {
  return db
    .updateTable('model_version')
    .set({
      deleted_at: now,
      updated_at: now,
      deleted_version: sql<string>`version`,
      version: sql<string>`'deleted:' || id`,
    })
    .where('id', 'in', jsonKeys(versionIds))
    .where('deleted_at', 'is', null)
    .where(condition);
}

/** Turns a model into a tombstone, its name given up, when `condition` holds. */
export function tombstoneModel(
  db: Db,
  modelId: string,
  now: string,
  condition: RawBuilder<boolean>,
) {
  return db
    .updateTable('model')
    .set({
      deleted_at: now,
      updated_at: now,
      deleted_name: sql<string>`name`,
      name: sql<string>`'deleted:' || id`,
    })
    .where('id', '=', modelId)
    .where('deleted_at', 'is', null)
    .where(condition);
}

/** Removes every alias of a model pointing at these versions, when `condition` holds. */
export function deleteAliasesOfVersions(
  db: Db,
  versionIds: readonly string[],
  condition: RawBuilder<boolean>,
) {
  return db
    .deleteFrom('model_alias')
    .where('version_id', 'in', jsonKeys(versionIds))
    .where(condition);
}

/** Every version of a model that is not deleted, archived ones included. */
export function findLiveVersionsOfModel(db: Db, orgId: string, modelId: string) {
  return db
    .selectFrom('model_version')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
}

/** True while no version of the model is in production or served by a live deployment. */
export function modelUnheld(modelId: string) {
  return sql<boolean>`(NOT EXISTS (SELECT 1 FROM model_alias WHERE model_id = ${modelId} AND name = ${PRODUCTION_ALIAS})
    AND NOT EXISTS (SELECT 1 FROM edge AS e JOIN model_version AS v ON v.id = e.src_id
      WHERE v.model_id = ${modelId} AND e.type = 'DEPLOYED_TO' AND e.removed_at IS NULL))`;
}

/** True once the model was deleted at `now` (what follows its tombstone in the same batch). */
export function modelDeletedAt(modelId: string, now: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM model WHERE id = ${modelId} AND deleted_at = ${now})`;
}

/** True once the version was deleted at `now`. */
export function versionDeletedAt(versionId: string, now: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM model_version WHERE id = ${versionId} AND deleted_at = ${now})`;
}

/** Versions of these models with these version strings; the caller keeps the pairs it asked for. */
export function findVersionsByModelIdsAndVersions(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  versions: readonly string[],
) {
  return db
    .selectFrom('model_version')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .where('version', 'in', jsonKeys(versions))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .execute();
}

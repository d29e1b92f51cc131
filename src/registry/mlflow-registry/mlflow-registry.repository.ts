import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { ModelTable, ModelVersionTable } from '../model/model.table.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import type { FilterClause, OrderClause } from '../tracking/search-filter.ts';
import { comparison } from '../tracking/search-sql.ts';

/** MLflow tags of a model set (inserted or overwritten), from one JSON parameter. */
export function upsertModelTags(db: Db, modelId: string, tags: readonly KeyValue[]) {
  return sql`
    INSERT INTO model_tag (model_id, key, value)
    SELECT ${modelId}, t.value ->> '$.key', t.value ->> '$.value' FROM json_each(${JSON.stringify(tags)}) AS t WHERE true
    ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value
  `.compile(db);
}

export function upsertVersionTags(db: Db, versionId: string, tags: readonly KeyValue[]) {
  return sql`
    INSERT INTO model_version_tag (version_id, key, value)
    SELECT ${versionId}, t.value ->> '$.key', t.value ->> '$.value' FROM json_each(${JSON.stringify(tags)}) AS t WHERE true
    ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value
  `.compile(db);
}

export function deleteModelTag(db: Db, modelId: string, key: string) {
  return db.deleteFrom('model_tag').where('model_id', '=', modelId).where('key', '=', key);
}

export function deleteVersionTag(db: Db, versionId: string, key: string) {
  return db
    .deleteFrom('model_version_tag')
    .where('version_id', '=', versionId)
    .where('key', '=', key);
}

export function findModelTags(db: Db, modelIds: readonly string[]) {
  return db
    .selectFrom('model_tag')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .orderBy('model_id')
    .orderBy('key')
    .execute();
}

export function findVersionTags(db: Db, versionIds: readonly string[]) {
  return db
    .selectFrom('model_version_tag')
    .selectAll()
    .where('version_id', 'in', jsonKeys(versionIds))
    .orderBy('version_id')
    .orderBy('key')
    .execute();
}

/** Every live version (archived ones too) of each model, oldest first. */
export function findAllVersionsOfModels(db: Db, orgId: string, modelIds: readonly string[]) {
  return db
    .selectFrom('model_version')
    .selectAll()
    .where('model_id', 'in', jsonKeys(modelIds))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .orderBy('model_id')
    .orderBy('id')
    .execute();
}

/** The greatest whole-number version string of the model (tombstones count: numbers are never reused). */
export async function findMaxIntegerVersion(db: Db, modelId: string): Promise<number> {
  const row = await sql<{ top: number | null }>`
    SELECT max(CAST(coalesce(deleted_version, version) AS INTEGER)) AS top FROM model_version
    WHERE model_id = ${modelId} AND coalesce(deleted_version, version) NOT GLOB '*[^0-9]*'
  `.execute(db);
  return row.rows[0]?.top ?? 0;
}

/** One page of a registry search: parsed clauses and order, from an offset (MLflow's page tokens). */
export interface SearchPage {
  clauses: readonly FilterClause[];
  orderBy: readonly OrderClause[];
  offset: number;
  limit: number;
}

const MODEL_COLUMNS: Readonly<Record<string, string>> = {
  name: 'm.name',
  creation_timestamp: 'm.created_at',
  last_updated_timestamp: 'm.updated_at',
};

function modelClause(clause: FilterClause) {
  if (clause.type === 'tag') {
    return sql<boolean>`EXISTS (SELECT 1 FROM model_tag AS t WHERE t.model_id = m.id
      AND t.key = ${clause.key} AND ${comparison(sql`t.value`, clause)})`;
  }
  return comparison(sql.ref(MODEL_COLUMNS[clause.key] as string), clause);
}

function orderTerm(order: OrderClause, columns: Readonly<Record<string, string>>) {
  return sql`${sql.ref(columns[order.key] as string)} ${sql.raw(order.ascending ? 'ASC' : 'DESC')}`;
}

/** registered-models/search: live models matching every clause, ordered, from an offset. */
export function searchModelRows(db: Db, orgId: string, input: SearchPage) {
  const where = [
    sql<boolean>`m.org_id = ${orgId}`,
    sql<boolean>`m.deleted_at IS NULL`,
    ...input.clauses.map(modelClause),
  ];
  const order = [...input.orderBy.map((term) => orderTerm(term, MODEL_COLUMNS)), sql`m.name ASC`];
  return sql<ModelTable>`
    SELECT m.* FROM model AS m WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order)} LIMIT ${input.limit} OFFSET ${input.offset}
  `.execute(db);
}

const VERSION_COLUMNS: Readonly<Record<string, string>> = {
  name: 'm.name',
  version_number: 'v.version',
  run_id: 'v.run_id',
  source_path: 'v.source',
  creation_timestamp: 'v.created_at',
  last_updated_timestamp: 'v.updated_at',
};

function versionClause(clause: FilterClause) {
  if (clause.type === 'tag') {
    return sql<boolean>`EXISTS (SELECT 1 FROM model_version_tag AS t WHERE t.version_id = v.id
      AND t.key = ${clause.key} AND ${comparison(sql`t.value`, clause)})`;
  }
  if (clause.key === 'version_number') {
    return comparison(sql`CAST(v.version AS INTEGER)`, clause);
  }
  return comparison(sql.ref(VERSION_COLUMNS[clause.key] as string), clause);
}

/** model-versions/search: live versions (with their model's name) matching every clause. */
export function searchVersionRows(db: Db, orgId: string, input: SearchPage) {
  const where = [
    sql<boolean>`v.org_id = ${orgId}`,
    sql<boolean>`v.deleted_at IS NULL`,
    sql<boolean>`m.deleted_at IS NULL`,
    ...input.clauses.map(versionClause),
  ];
  const order = [
    ...input.orderBy.map((term) => orderTerm(term, VERSION_COLUMNS)),
    sql`m.name ASC`,
    sql`v.id DESC`,
  ];
  return sql<ModelVersionTable & { model_name: string }>`
    SELECT v.*, m.name AS model_name FROM model_version AS v JOIN model AS m ON m.id = v.model_id
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${sql.join(order)} LIMIT ${input.limit} OFFSET ${input.offset}
  `.execute(db);
}

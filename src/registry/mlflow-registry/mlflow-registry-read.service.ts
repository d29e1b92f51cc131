// Our models and versions as MLflow's model registry reads them: registered models with their
// latest version per stage, aliases and key/value tags; versions with their stage, which is where
// our aliases and statuses put them (see stageOf). A list of any length costs the same statements.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import {
  findAliasesByModelIds,
  findModelsByNames,
  findVersionsByIds,
  findVersionsByModelIdsAndVersion,
} from '../model/model.repository.ts';
import type { ModelVersionTable } from '../model/model.table.ts';
import {
  type Model,
  type ModelAlias,
  type ModelVersion,
  PRODUCTION_ALIAS,
  toModel,
  toModelAlias,
  toModelVersion,
} from '../model/model.ts';
import { groupRows } from '../paging.ts';
import type { KeyValue } from '../tracking/entity-keys.ts';
import { parseFilter, parseOrderBy, type SearchGrammar } from '../tracking/search-filter.ts';
import {
  findAllVersionsOfModels,
  findModelTags,
  findVersionTags,
  type SearchPage,
  searchModelRows,
  searchVersionRows,
} from './mlflow-registry.repository.ts';

type ReadDeps = Pick<Deps, 'db'>;

export const MLFLOW_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type MlflowStage = (typeof MLFLOW_STAGES)[number];
export const STAGING_ALIAS = 'staging';

export interface RegistryVersion {
  version: ModelVersion;
  modelName: string;
  stage: MlflowStage;
  aliases: string[];
  tags: KeyValue[];
}

export interface RegistryModel {
  model: Model;
  /** The latest version in each stage that has one, as MLflow's latest_versions. */
  latest: RegistryVersion[];
  aliases: { alias: string; version: string }[];
  tags: KeyValue[];
}

/**
 * MLflow's stage of a version: Archived when archived, Production when the production alias points
 * at it, Staging for the staging alias, None otherwise.
 */
export function stageOf(version: ModelVersion, aliases: readonly ModelAlias[]): MlflowStage {
  if (version.status === 'ARCHIVED') return 'Archived';
  const names = aliases.filter((alias) => alias.versionId === version.id).map((a) => a.name);
  if (names.includes(PRODUCTION_ALIAS)) return 'Production';
  if (names.includes(STAGING_ALIAS)) return 'Staging';
  return 'None';
}

/** MLflow's stage names are case-insensitive ("production", "Production"). */
export function parseStage(value: string, path: readonly string[]): MlflowStage {
  const stage = MLFLOW_STAGES.find((name) => name.toLowerCase() === value.trim().toLowerCase());
  if (!stage) {
    throw new ValidationError(
      `Invalid Model Version stage: ${value}. Value must be one of ${MLFLOW_STAGES.join(', ')}.`,
      path,
    );
  }
  return stage;
}

/** The caller's live model of this name, or RESOURCE_DOES_NOT_EXIST as MLflow words it. */
export async function requireRegisteredModel(
  deps: ReadDeps,
  viewer: Viewer,
  name: string,
): Promise<Model> {
  const [row] = await findModelsByNames(deps.db, viewer.orgId, [name]);
  if (!row)
    throw new NotFoundError(
      `Registered Model with name=${name} not found`,
      ['name'],
      name,
      'Model',
    );
  return toModel(row);
}

/** Versions, aliases and tags of models, in four statements whatever their number. */
async function modelParts(deps: ReadDeps, viewer: Viewer, models: readonly Model[]) {
  const ids = models.map((model) => model.id);
  const [versionRows, aliasRows, tagRows] = await Promise.all([
    findAllVersionsOfModels(deps.db, viewer.orgId, ids),
    findAliasesByModelIds(deps.db, viewer.orgId, ids, null),
    findModelTags(deps.db, ids),
  ]);
  return {
    versions: groupRows(ids, versionRows, (row) => row.model_id).map((rows) =>
      rows.map(toModelVersion),
    ),
    aliases: groupRows(ids, aliasRows, (row) => row.model_id).map((rows) => rows.map(toModelAlias)),
    tags: groupRows(ids, tagRows, (row) => row.model_id).map((rows) =>
      rows.map((row) => ({ key: row.key, value: row.value })),
    ),
  };
}

async function withVersionTags(
  deps: ReadDeps,
  entries: readonly Omit<RegistryVersion, 'tags'>[],
): Promise<RegistryVersion[]> {
  if (entries.length === 0) return [];
  const ids = entries.map((entry) => entry.version.id);
  const rows = await findVersionTags(deps.db, ids);
  const tags = groupRows(ids, rows, (row) => row.version_id);
  return entries.map((entry, index) => ({
    ...entry,
    tags: (tags[index] ?? []).map((row) => ({ key: row.key, value: row.value })),
  }));
}

function versionEntry(model: Model, version: ModelVersion, aliases: readonly ModelAlias[]) {
  return {
    version,
    modelName: model.name,
    stage: stageOf(version, aliases),
    aliases: aliases.filter((alias) => alias.versionId === version.id).map((a) => a.name),
  };
}

/** The latest version of each of `stages` (all stages when empty) that has one. */
function latestByStage(
  model: Model,
  versions: readonly ModelVersion[],
  aliases: readonly ModelAlias[],
  stages: readonly MlflowStage[],
) {
  const wanted = stages.length ? stages : MLFLOW_STAGES;
  const latest = new Map<MlflowStage, ModelVersion>();
  for (const version of versions) latest.set(stageOf(version, aliases), version);
  return wanted.flatMap((stage) => {
    const version = latest.get(stage);
    return version ? [versionEntry(model, version, aliases)] : [];
  });
}

/** Registered models as MLflow answers them. */
export async function registryModels(
  deps: ReadDeps,
  viewer: Viewer,
  models: readonly Model[],
): Promise<RegistryModel[]> {
  if (models.length === 0) return [];
  const parts = await modelParts(deps, viewer, models);
  const latest = models.map((model, index) =>
    latestByStage(model, parts.versions[index] ?? [], parts.aliases[index] ?? [], []),
  );
  const tagged = new Map(
    (await withVersionTags(deps, latest.flat())).map((entry) => [entry.version.id, entry]),
  );
  return models.map((model, index) => {
    const versionsById = new Map((parts.versions[index] ?? []).map((v) => [v.id, v.version]));
    return {
      model,
      latest: (latest[index] ?? []).map((entry) => tagged.get(entry.version.id) as RegistryVersion),
      aliases: (parts.aliases[index] ?? []).map((alias) => ({
        alias: alias.name,
        version: versionsById.get(alias.versionId) ?? '',
      })),
      tags: parts.tags[index] ?? [],
    };
  });
}

export async function registryModel(deps: ReadDeps, viewer: Viewer, name: string) {
  const [entry] = await registryModels(deps, viewer, [
    await requireRegisteredModel(deps, viewer, name),
  ]);
  return entry as RegistryModel;
}

/** get-latest-versions: the latest version in each asked stage (every stage by default). */
export async function latestVersions(
  deps: ReadDeps,
  viewer: Viewer,
  input: { name: string; stages: readonly string[] },
): Promise<RegistryVersion[]> {
  const stages = input.stages.map((stage, index) => parseStage(stage, ['stages', String(index)]));
  const model = await requireRegisteredModel(deps, viewer, input.name);
  const parts = await modelParts(deps, viewer, [model]);
  return withVersionTags(
    deps,
    latestByStage(model, parts.versions[0] ?? [], parts.aliases[0] ?? [], stages),
  );
}

/** A version of the model with its stage, aliases and tags: three statements, whatever the model's size. */
async function oneVersion(
  deps: ReadDeps,
  viewer: Viewer,
  model: Model,
  find: (aliases: readonly ModelAlias[]) => Promise<ModelVersionTable | undefined>,
  missing: () => NotFoundError,
): Promise<RegistryVersion> {
  const aliases = (await findAliasesByModelIds(deps.db, viewer.orgId, [model.id], null)).map(
    toModelAlias,
  );
  const row = await find(aliases);
  if (!row) throw missing();
  const [entry] = await withVersionTags(deps, [versionEntry(model, toModelVersion(row), aliases)]);
  return entry as RegistryVersion;
}

/** One version by model name and version string, with its stage, aliases and tags. */
export async function registryVersion(
  deps: ReadDeps,
  viewer: Viewer,
  input: { name: string; version: string },
): Promise<RegistryVersion> {
  const model = await requireRegisteredModel(deps, viewer, input.name);
  return oneVersion(
    deps,
    viewer,
    model,
    async () =>
      (await findVersionsByModelIdsAndVersion(deps.db, viewer.orgId, [model.id], input.version))[0],
    () =>
      new NotFoundError(
        `Model Version (name=${input.name}, version=${input.version}) not found`,
        ['version'],
        input.version,
        'ModelVersion',
      ),
  );
}

/** The version an alias of a registered model points at. */
export async function versionByAlias(
  deps: ReadDeps,
  viewer: Viewer,
  input: { name: string; alias: string },
): Promise<RegistryVersion> {
  const model = await requireRegisteredModel(deps, viewer, input.name);
  return oneVersion(
    deps,
    viewer,
    model,
    async (aliases) => {
      const alias = aliases.find((entry) => entry.name === input.alias);
      if (!alias) return undefined;
      return (await findVersionsByIds(deps.db, viewer.orgId, [alias.versionId]))[0];
    },
    () =>
      new NotFoundError(
        `Registered model alias ${input.alias} not found.`,
        ['alias'],
        input.alias,
        null,
      ),
  );
}

export const MAX_REGISTRY_SEARCH = 1000;

/**
 * Runs one page of a search with MLflow's limits: the rows of the page and the offset of the next
 * one (null on the last page), fetched with one row more than the page to know.
 */
async function searchPage<Row>(
  input: RegistrySearchInput,
  grammar: { filter: SearchGrammar; order: SearchGrammar; defaultLimit: number },
  search: (page: SearchPage) => Promise<{ rows: Row[] }>,
): Promise<{ rows: Row[]; nextOffset: number | null }> {
  const limit = pageLimit(input.maxResults, grammar.defaultLimit);
  const offset = input.offset ?? 0;
  const { rows } = await search({
    clauses: parseFilter(input.filter, grammar.filter, 'filter'),
    orderBy: parseOrderBy(input.orderBy, grammar.order, 'orderBy'),
    offset,
    limit: limit + 1,
  });
  return { rows: rows.slice(0, limit), nextOffset: rows.length > limit ? offset + limit : null };
}

function pageLimit(value: number | null | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REGISTRY_SEARCH) {
    throw new ValidationError(
      `Invalid value for request parameter max_results. It must be at most ${MAX_REGISTRY_SEARCH}, but got value ${limit}`,
      ['maxResults'],
    );
  }
  return limit;
}

const MODEL_FILTER = {
  types: ['attribute', 'tag'],
  stringAttributes: ['name'],
  numericAttributes: [],
} as const;
const MODEL_ORDER = {
  types: ['attribute'],
  stringAttributes: ['name', 'creation_timestamp', 'last_updated_timestamp'],
  numericAttributes: [],
} as const;

export interface RegistrySearchInput {
  filter?: string | null;
  orderBy?: readonly string[] | null;
  maxResults?: number | null;
  offset?: number | null;
}

export async function searchRegistryModels(
  deps: ReadDeps,
  viewer: Viewer,
  input: RegistrySearchInput,
): Promise<{ models: RegistryModel[]; nextOffset: number | null }> {
  const { rows, nextOffset } = await searchPage(
    input,
    { filter: MODEL_FILTER, order: MODEL_ORDER, defaultLimit: 100 },
    (page) => searchModelRows(deps.db, viewer.orgId, page),
  );
  return { models: await registryModels(deps, viewer, rows.map(toModel)), nextOffset };
}

const VERSION_FILTER = {
  types: ['attribute', 'tag'],
  stringAttributes: ['name', 'run_id', 'source_path'],
  numericAttributes: ['version_number'],
  listAttributes: ['run_id'],
} as const;
const VERSION_ORDER = {
  types: ['attribute'],
  stringAttributes: ['name', 'creation_timestamp', 'last_updated_timestamp'],
  numericAttributes: ['version_number'],
} as const;

export async function searchRegistryVersions(
  deps: ReadDeps,
  viewer: Viewer,
  input: RegistrySearchInput,
): Promise<{ versions: RegistryVersion[]; nextOffset: number | null }> {
  const { rows: page, nextOffset } = await searchPage(
    input,
    { filter: VERSION_FILTER, order: VERSION_ORDER, defaultLimit: 1000 },
    (request) => searchVersionRows(deps.db, viewer.orgId, request),
  );
  const modelIds = [...new Set(page.map((row) => row.model_id))];
  const aliasRows = modelIds.length
    ? await findAliasesByModelIds(deps.db, viewer.orgId, modelIds, null)
    : [];
  const aliases = aliasRows.map(toModelAlias);
  const entries = page.map((row) => {
    const version = toModelVersion(row);
    return {
      version,
      modelName: row.model_name,
      stage: stageOf(version, aliases),
      aliases: aliases.filter((alias) => alias.versionId === version.id).map((a) => a.name),
    };
  });
  return {
    versions: await withVersionTags(deps, entries),
    nextOffset,
  };
}

import { parseJson } from '../json.ts';
import type { ModelAliasTable, ModelTable, ModelVersionTable } from './model.table.ts';

export const MODEL_STATUSES = ['ACTIVE', 'DEPRECATED', 'ARCHIVED'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const MODEL_VERSION_STATUSES = ['ACTIVE', 'ARCHIVED'] as const;
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

/** The alias that marks the production version; only modelVersionPromote moves it. */
export const PRODUCTION_ALIAS = 'production';

export interface Model {
  kind: 'Model';
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  tags: string[];
  metadata: Record<string, unknown> | null;
  provider: string | null;
  framework: string | null;
  modelType: string | null;
  status: ModelStatus;
  createdAt: Date;
  createdById: string | null;
  updatedAt: Date;
  /** Only on a tombstone (a deleted model, still pointed at by history); its name is the old one. */
  deletedAt?: Date;
}

export interface ModelVersion {
  kind: 'ModelVersion';
  id: string;
  orgId: string;
  modelId: string;
  version: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  createdById: string | null;
  updatedAt: Date;
  status: ModelVersionStatus;
  /** Only on a tombstone (a deleted version); its version string is the old one. */
  deletedAt?: Date;
  /** Only on a version made from an experiment run (MLflow's run_id), which it DERIVED_FROM. */
  runId?: string;
  /** Only when given: where the version's files came from (MLflow's source URI). */
  source?: string;
}

export interface ModelAlias {
  modelId: string;
  name: string;
  versionId: string;
  updatedAt: Date;
  updatedById: string | null;
}

export function toModel(row: ModelTable): Model {
  return {
    kind: 'Model',
    id: row.id,
    orgId: row.org_id,
    name: row.deleted_name ?? row.name,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    metadata: parseJson(row.metadata),
    provider: row.provider,
    framework: row.framework,
    modelType: row.model_type,
    status: row.status as ModelStatus,
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    updatedAt: new Date(row.updated_at),
    ...(row.deleted_at ? { deletedAt: new Date(row.deleted_at) } : {}),
  };
}

export function toModelVersion(row: ModelVersionTable): ModelVersion {
  return {
    kind: 'ModelVersion',
    id: row.id,
    orgId: row.org_id,
    modelId: row.model_id,
    version: row.deleted_version ?? row.version,
    description: row.description,
    metadata: parseJson(row.metadata),
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    updatedAt: new Date(row.updated_at),
    status: row.status as ModelVersionStatus,
    ...(row.deleted_at ? { deletedAt: new Date(row.deleted_at) } : {}),
    ...(row.run_id ? { runId: row.run_id } : {}),
    ...(row.source ? { source: row.source } : {}),
  };
}

export function toModelAlias(row: ModelAliasTable): ModelAlias {
  return {
    modelId: row.model_id,
    name: row.name,
    versionId: row.version_id,
    updatedAt: new Date(row.updated_at),
    updatedById: row.updated_by,
  };
}

/** Semantic Versioning 2.0.0, the regular expression published at semver.org. */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** The columns a model list can be sorted by. */
export type ModelSortColumn = 'created_at' | 'updated_at' | 'name';

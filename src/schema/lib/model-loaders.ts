import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import {
  findAliasesByModelIds,
  findAliasesByVersionIds,
  findVersionPagesByModelIds,
  findVersionsByModelIdsAndVersion,
} from '../../registry/model/model.repository.ts';
import { type ModelAlias, toModelAlias, toModelVersion } from '../../registry/model/model.ts';
import type { ModelVersionListEdge } from '../objects/relations.ts';
import {
  type ConnectionArgs,
  encodeCursor,
  groupRows,
  parsePageArgs,
  toConnection,
} from './connection.ts';

const loaders = createContextCache((context: Context) => {
  const { db } = context;
  const orgId = context.viewer.orgId;
  return {
    aliasesByModel: new DataLoader(async (modelIds: readonly string[]) => {
      const rows = await findAliasesByModelIds(db, orgId, modelIds, null);
      return groupRows(modelIds, rows, (row) => row.model_id).map((group) =>
        group.map(toModelAlias),
      );
    }),
    aliasesByVersion: new DataLoader(async (versionIds: readonly string[]) => {
      const rows = await findAliasesByVersionIds(db, orgId, versionIds);
      return groupRows(versionIds, rows, (row) => row.version_id).map((group) =>
        group.map(toModelAlias),
      );
    }),
    versionByString: new Map<string, DataLoader<string, string | null>>(),
  };
});

/** Every alias of a model; one statement per level of the query. */
export function aliasesOfModel(context: Context, modelId: string): Promise<ModelAlias[]> {
  return loaders(context).aliasesByModel.load(modelId);
}

/** Every alias pointing at a version. */
export function aliasesOfVersion(context: Context, versionId: string): Promise<ModelAlias[]> {
  return loaders(context).aliasesByVersion.load(versionId);
}

/** The id of a model's version with this version string, or null. */
export function versionIdByString(
  context: Context,
  modelId: string,
  version: string,
): Promise<string | null> {
  const byString = loaders(context).versionByString;
  let loader = byString.get(version);
  if (!loader) {
    loader = new DataLoader(async (modelIds: readonly string[]) => {
      const rows = await findVersionsByModelIdsAndVersion(
        context.db,
        context.viewer.orgId,
        modelIds,
        version,
      );
      const byModel = new Map(rows.map((row) => [row.model_id, row.id]));
      return modelIds.map((id) => byModel.get(id) ?? null);
    });
    byString.set(version, loader);
  }
  return loader.load(modelId);
}

/** One page of versions for each model of a level, in one statement. */
export async function loadVersionPages(
  context: Context,
  modelIds: readonly string[],
  args: ConnectionArgs,
) {
  const page = parsePageArgs(args);
  const rows = await findVersionPagesByModelIds(context.db, context.viewer.orgId, modelIds, page);
  return groupRows(modelIds, rows, (row) => row.model_id).map((group) =>
    toConnection(
      group,
      page,
      (row, cursor): ModelVersionListEdge => ({ cursor, node: toModelVersion(row), edge: null }),
      (row) => encodeCursor(row.id),
    ),
  );
}

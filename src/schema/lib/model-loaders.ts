import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import type { ModelAlias } from '../../registry/model/model.ts';
import {
  aliasesOfModels,
  aliasesOfVersions,
  versionIdsByString,
  versionPagesOfModels,
} from '../../registry/model/model-read.service.ts';
import type { ModelVersionListEdge } from '../objects/relations.ts';
import { type ConnectionArgs, encodeCursor, parsePageArgs, toConnection } from './connection.ts';

const loaders = createContextCache((context: Context) => ({
  aliasesByModel: new DataLoader((modelIds: readonly string[]) =>
    aliasesOfModels(context.deps, context.viewer, modelIds),
  ),
  aliasesByVersion: new DataLoader((versionIds: readonly string[]) =>
    aliasesOfVersions(context.deps, context.viewer, versionIds),
  ),
  versionByString: new Map<string, DataLoader<string, string | null>>(),
}));

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
    loader = new DataLoader((modelIds: readonly string[]) =>
      versionIdsByString(context.deps, context.viewer, modelIds, version),
    );
    byString.set(version, loader);
  }
  return loader.load(modelId);
}

/** One page of versions for each model of a level, in one statement. */
export async function loadVersionPages(
  context: Context,
  modelIds: readonly string[],
  args: ConnectionArgs & { includeArchived?: boolean | null },
) {
  const page = parsePageArgs(args);
  const pages = await versionPagesOfModels(context.deps, context.viewer, modelIds, page, {
    includeArchived: args.includeArchived ?? false,
  });
  return pages.map((versions) =>
    toConnection(
      versions,
      page,
      (version, cursor): ModelVersionListEdge => ({ cursor, node: version, edge: null }),
      (version) => encodeCursor(version.id),
    ),
  );
}

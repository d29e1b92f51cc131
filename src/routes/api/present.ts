import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import {
  type Model,
  type ModelAlias,
  type ModelVersion,
  PRODUCTION_ALIAS,
} from '../../registry/model/model.ts';

/** A GraphQL global ID, in a path or body: the REST routes take the IDs GraphQL returns. */
export function globalIdOf(kind: string) {
  return z
    .string()
    .min(1)
    .max(200)
    .describe(`Global ID of a ${kind}, as the GraphQL API returns it (e.g. data.model.id).`);
}

const jsonObject = z.record(z.string(), z.unknown());
const userId = z.string().nullable().describe('Global ID of the user, or null.');

export const ModelJson = z.object({
  id: globalIdOf('Model'),
  name: z.string(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: jsonObject.nullable(),
  provider: z.string().nullable(),
  framework: z.string().nullable(),
  model_type: z.string().nullable(),
  status: z.enum(['ACTIVE', 'DEPRECATED', 'ARCHIVED']),
  created_at: z.string().describe('ISO-8601 time.'),
  updated_at: z.string().describe('ISO-8601 time.'),
  created_by: userId,
});

export const ModelVersionJson = z.object({
  id: globalIdOf('ModelVersion'),
  model_id: globalIdOf('Model'),
  version: z.string(),
  description: z.string().nullable(),
  metadata: jsonObject.nullable(),
  aliases: z.array(z.string()).describe('Aliases pointing at this version, by name.'),
  is_production: z.boolean(),
  created_at: z.string(),
  created_by: userId,
});

export const AliasJson = z.object({
  name: z.string(),
  version_id: globalIdOf('ModelVersion'),
  updated_at: z.string(),
});

function gid(kind: string, id: string | null): string | null {
  return id === null ? null : encodeGlobalID(kind, id);
}

export function modelJson(model: Model): z.infer<typeof ModelJson> {
  return {
    id: encodeGlobalID('Model', model.id),
    name: model.name,
    description: model.description,
    tags: model.tags,
    metadata: model.metadata,
    provider: model.provider,
    framework: model.framework,
    model_type: model.modelType,
    status: model.status,
    created_at: model.createdAt.toISOString(),
    updated_at: model.updatedAt.toISOString(),
    created_by: gid('User', model.createdById),
  };
}

export function modelVersionJson(
  version: ModelVersion,
  aliases: readonly string[],
): z.infer<typeof ModelVersionJson> {
  return {
    id: encodeGlobalID('ModelVersion', version.id),
    model_id: encodeGlobalID('Model', version.modelId),
    version: version.version,
    description: version.description,
    metadata: version.metadata,
    aliases: [...aliases],
    is_production: aliases.includes(PRODUCTION_ALIAS),
    created_at: version.createdAt.toISOString(),
    created_by: gid('User', version.createdById),
  };
}

export function aliasJson(alias: ModelAlias): z.infer<typeof AliasJson> {
  return {
    name: alias.name,
    version_id: encodeGlobalID('ModelVersion', alias.versionId),
    updated_at: alias.updatedAt.toISOString(),
  };
}

/** Comma-separated query values (`?tags=a,b`), trimmed, empty entries dropped. */
export function commaList(description: string) {
  return z
    .string()
    .optional()
    .describe(`${description} Comma-separated.`)
    .transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ''),
    );
}

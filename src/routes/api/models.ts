import * as z from 'zod/mini';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { NotFoundError, ValidationError } from '../../registry/errors.ts';
import {
  createVersionInProduction,
  promoteModelVersion,
} from '../../registry/governance/promotion.service.ts';
import {
  type AliasMove,
  createModelVersion,
  listModels,
  modelCursorKey,
  registerModel,
} from '../../registry/model/model.service.ts';
import { MODEL_STATUSES, type ModelVersion, PRODUCTION_ALIAS } from '../../registry/model/model.ts';
import {
  aliasesOfModels,
  aliasesOfVersions,
  versionIdsByString,
  versionPagesOfModels,
  versionsByIds,
} from '../../registry/model/model-read.service.ts';
import { decodeCursorKey, encodeCursorKey } from '../../registry/paging.ts';
import { jsonObject, limit, modelOfPath, pageOf } from './params.ts';
import {
  AliasJson,
  aliasJson,
  commaList,
  globalIdOf,
  ModelJson,
  ModelVersionJson,
  modelJson,
  modelVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const ModelIdParams = z.object({ id: globalIdOf('Model') });

// --- POST /api/models -------------------------------------------------------------------------

const ModelCreateBody = z.strictObject({
  name: z.string().check(z.describe('Unique within your organization.')),
  description: z.nullish(z.string()).check(z.describe('Free text, up to 10,000 characters.')),
  tags: z.nullish(z.array(z.string())).check(z.describe('Up to 50 tags of up to 64 characters.')),
  metadata: z
    .nullish(jsonObject)
    .check(
      z.describe(
        'A JSON object, e.g. { framework, model_type, provider, model_name, tags }; explicit fields win over it.',
      ),
    ),
  provider: z.nullish(z.string()).check(z.describe('Overrides metadata.provider.')),
  framework: z.nullish(z.string()).check(z.describe('Overrides metadata.framework.')),
  model_type: z.nullish(z.string()).check(z.describe('Overrides metadata.model_type.')),
});

export const modelCreate = defineRoute({
  method: 'POST',
  path: '/api/models',
  operationId: 'modelCreate',
  summary: 'Register a model.',
  graphql: 'mutation modelRegister',
  tag: 'models',
  scope: 'editor',
  status: 201,
  body: ModelCreateBody,
  response: ModelJson,
  handler: async ({ body, context, claim }) =>
    modelJson(
      await registerModel(
        context.deps,
        context.viewer,
        {
          name: body.name,
          description: body.description,
          tags: body.tags,
          metadata: body.metadata,
          provider: body.provider,
          framework: body.framework,
          modelType: body.model_type,
        },
        claim?.presenting(modelJson),
      ),
    ),
});

// --- GET /api/models/:id ----------------------------------------------------------------------

const ModelDetailJson = z.extend(ModelJson, {
  aliases: z.array(AliasJson),
  production_version: z.nullable(ModelVersionJson),
});

export const modelGet = defineRoute({
  method: 'GET',
  path: '/api/models/:id',
  operationId: 'modelGet',
  summary: 'One model, with its aliases and production version.',
  graphql: 'query model(id:) { aliases productionVersion }',
  tag: 'models',
  scope: 'viewer',
  params: ModelIdParams,
  response: ModelDetailJson,
  handler: async ({ params, context }) => {
    const model = await modelOfPath(context, params.id, 'id');
    const [aliases = []] = await aliasesOfModels(context.deps, context.viewer, [model.id]);
    const production = aliases.find((alias) => alias.name === PRODUCTION_ALIAS);
    let productionVersion: z.infer<typeof ModelVersionJson> | null = null;
    if (production) {
      const [version] = await versionsByIds(context.deps, context.viewer, [production.versionId]);
      if (version) {
        productionVersion = modelVersionJson(
          version,
          aliases.filter((alias) => alias.versionId === version.id).map((alias) => alias.name),
        );
      }
    }
    return {
      ...modelJson(model),
      aliases: aliases.map(aliasJson),
      production_version: productionVersion,
    };
  },
});

// --- GET /api/models/:id/versions -------------------------------------------------------------

const VersionListQuery = z.object({
  limit,
  after: z
    .optional(globalIdOf('ModelVersion'))
    .check(z.describe('Return versions after this one (the next_cursor of the previous page).')),
});

export const modelVersionList = defineRoute({
  method: 'GET',
  path: '/api/models/:id/versions',
  operationId: 'modelVersionList',
  summary: 'The versions of a model, oldest first, a page at a time.',
  graphql: 'query model(id:) { versions(first:, after:) }',
  tag: 'models',
  scope: 'viewer',
  params: ModelIdParams,
  query: VersionListQuery,
  response: z.object({
    versions: z.array(ModelVersionJson),
    next_cursor: z
      .nullable(z.string())
      .check(z.describe('Pass as ?after= for the next page; null at the end.')),
  }),
  handler: async ({ params, query, context }) => {
    const model = await modelOfPath(context, params.id, 'id');
    const after = query.after
      ? decodeIdOf(query.after, ['ModelVersion'], ['query', 'after']).id
      : null;
    const [versions = []] = await versionPagesOfModels(context.deps, context.viewer, [model.id], {
      after,
      before: null,
      limit: query.limit + 1,
      inverted: false,
    });
    const { page, next_cursor } = pageOf(versions, query.limit, (last) =>
      encodeGlobalID('ModelVersion', last.id),
    );
    const aliases = await aliasesOfVersions(
      context.deps,
      context.viewer,
      page.map((version) => version.id),
    );
    return {
      versions: page.map((version, i) =>
        modelVersionJson(
          version,
          (aliases[i] ?? []).map((alias) => alias.name),
        ),
      ),
      next_cursor,
    };
  },
});

// --- POST /api/models/:id/versions ------------------------------------------------------------

const DatasetLink = z.strictObject({
  dataset_id: globalIdOf('Dataset'),
  properties: z
    .nullish(jsonObject)
    .check(z.describe('Stored on the edge, e.g. { "split": "train", "rows": 120000 }.')),
});

const VersionCreateBody = z.strictObject({
  version: z.string().check(z.describe('Semantic version, e.g. 1.2.0.')),
  description: z.nullish(z.string()),
  metadata: z.nullish(jsonObject),
  derived_from: z
    .nullish(z.array(globalIdOf('ModelVersion')))
    .check(z.describe('Global IDs of the versions this one derives from.')),
  trained_on: z.nullish(z.array(DatasetLink)).check(z.describe('Training datasets.')),
  evaluated_on: z.nullish(z.array(DatasetLink)).check(z.describe('Evaluation datasets.')),
  is_production: z
    .nullish(z.boolean())
    .check(
      z.describe(
        'The seed’s flag: true creates the version straight into production, through the promotion policy (refused with nothing written while the policy wants an approved request); default false.',
      ),
    ),
});

export const modelVersionCreate = defineRoute({
  method: 'POST',
  path: '/api/models/:id/versions',
  operationId: 'modelVersionCreate',
  summary:
    'Create a version with its lineage (derived_from, trained_on, evaluated_on), all or nothing; with is_production, straight into production through the promotion policy.',
  graphql: 'mutation modelVersionCreate',
  tag: 'models',
  scope: 'editor',
  status: 201,
  params: ModelIdParams,
  body: VersionCreateBody,
  response: ModelVersionJson,
  inputPaths: { modelId: ['params', 'id'] },
  handler: async ({ params, body, context, claim }) => {
    const link = (field: 'trained_on' | 'evaluated_on') =>
      body[field]?.map((entry, index) => ({
        datasetId: decodeIdOf(
          entry.dataset_id,
          ['Dataset'],
          ['body', field, String(index), 'dataset_id'],
        ).id,
        properties: entry.properties ?? undefined,
      })) ?? null;
    const aliases = body.is_production ? [PRODUCTION_ALIAS] : [];
    const present = (version: ModelVersion) => modelVersionJson(version, aliases);
    const create = body.is_production ? createVersionInProduction : createModelVersion;
    const version = await create(
      context.deps,
      context.viewer,
      {
        modelId: decodeIdOf(params.id, ['Model'], ['params', 'id']).id,
        version: body.version,
        description: body.description,
        metadata: body.metadata,
        derivedFrom:
          body.derived_from?.map(
            (id, index) =>
              decodeIdOf(id, ['ModelVersion'], ['body', 'derived_from', String(index)]).id,
          ) ?? null,
        trainedOn: link('trained_on'),
        evaluatedOn: link('evaluated_on'),
      },
      claim?.presenting(present),
    );
    return present(version);
  },
});

// --- POST /api/models/:id/promote/:version ----------------------------------------------------

export const modelPromote = defineRoute({
  method: 'POST',
  path: '/api/models/:id/promote/:version',
  operationId: 'modelPromote',
  summary:
    'Promote a version (by its version string, e.g. 1.2.0) to production, if the promotion policy is met.',
  graphql: 'mutation modelVersionPromote',
  tag: 'models',
  scope: 'editor',
  params: z.object({
    id: globalIdOf('Model'),
    version: z
      .string()
      .check(z.minLength(1), z.maxLength(128), z.describe('The version string, e.g. 1.2.0.')),
  }),
  body: z.optional(
    z.strictObject({
      reason: z
        .nullish(z.string())
        .check(z.describe('Why, for the audit trail (up to 2,000 characters).')),
    }),
  ),
  response: z.object({
    model: ModelJson,
    version: ModelVersionJson,
    previous_version_id: z
      .nullable(z.string())
      .check(z.describe('Global ID of the version that was in production before, if any.')),
  }),
  inputPaths: { versionId: ['params', 'version'] },
  handler: async ({ params, body, context, claim }) => {
    const model = await modelOfPath(context, params.id, 'id');
    const [versionId] = await versionIdsByString(
      context.deps,
      context.viewer,
      [model.id],
      params.version,
    );
    if (!versionId) {
      throw new NotFoundError(`"${model.name}" has no version ${params.version}`, [
        'params',
        'version',
      ]);
    }
    const present = (move: AliasMove) => ({
      model: modelJson(move.model),
      version: modelVersionJson(move.version, [PRODUCTION_ALIAS]),
      previous_version_id: move.previousVersionId
        ? encodeGlobalID('ModelVersion', move.previousVersionId)
        : null,
    });
    return present(
      await promoteModelVersion(
        context.deps,
        context.viewer,
        { versionId, reason: body?.reason },
        claim?.presenting(present),
      ),
    );
  },
});

// --- GET /api/models?tags=&status=&provider= --------------------------------------------------

/** The list's errors name the GraphQL argument (`filter.tagsAll`): the query parameter instead. */
const LIST_ARGUMENTS: Record<string, readonly string[]> = {
  'filter.tagsAll': ['query', 'tags'],
  'filter.status': ['query', 'status'],
  'filter.provider': ['query', 'provider'],
  'filter.framework': ['query', 'framework'],
  'filter.modelType': ['query', 'model_type'],
  'filter.text': ['query', 'text'],
  'page.after': ['query', 'cursor'],
};

const ModelListQuery = z.object({
  tags: commaList('Models having every one of these tags.'),
  status: z.pipe(
    z.pipe(
      commaList('Models in any of these states (ACTIVE, DEPRECATED, ARCHIVED; any case).'),
      z.transform((values) => values?.map((value) => value.toUpperCase())),
    ),
    z.optional(z.array(z.enum(MODEL_STATUSES))),
  ),
  provider: commaList('Models from any of these providers.'),
  framework: commaList('Models built with any of these frameworks.'),
  model_type: commaList('Models of any of these types.'),
  text: z
    .optional(z.string())
    .check(z.describe('Case-insensitive substring of the name or description.')),
  limit,
  cursor: z.optional(z.string()).check(z.describe('The next_cursor of the previous page.')),
});

export const modelList = defineRoute({
  method: 'GET',
  path: '/api/models',
  operationId: 'modelList',
  summary: 'Models of your organization, filtered, oldest first, a page at a time.',
  graphql: 'query models(filter: { tagsAll, status, provider }, first:, after:)',
  tag: 'models',
  scope: 'viewer',
  query: ModelListQuery,
  inputPaths: LIST_ARGUMENTS,
  response: z.object({
    models: z.array(ModelJson),
    next_cursor: z
      .nullable(z.string())
      .check(z.describe('Pass as ?cursor= for the next page; null at the end.')),
  }),
  handler: async ({ query, context }) => {
    const after = query.cursor === undefined ? null : decodeCursorKey(query.cursor);
    if (query.cursor !== undefined && after === null) {
      throw new ValidationError('Not a cursor returned by this API', ['query', 'cursor']);
    }
    const models = await listModels(context.db, context.viewer.orgId, {
      filter: {
        tagsAll: query.tags ?? null,
        status: query.status ?? null,
        provider: query.provider ?? null,
        framework: query.framework ?? null,
        modelType: query.model_type ?? null,
        text: query.text ?? null,
      },
      orderBy: { field: 'created_at', direction: 'ASC' },
      page: { after, before: null, limit: query.limit + 1, inverted: false },
    });
    const { page, next_cursor } = pageOf(models, query.limit, (last) =>
      encodeCursorKey(modelCursorKey(last, 'created_at')),
    );
    return { models: page.map(modelJson), next_cursor };
  },
});

export const MODEL_ROUTES = [
  modelList,
  modelCreate,
  modelVersionList,
  modelVersionCreate,
  modelPromote,
  modelGet,
];

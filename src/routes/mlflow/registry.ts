// MLflow's model registry endpoints (registered-models/*, model-versions/*) over our models,
// versions and aliases, through src/registry/mlflow-registry. Request fields, defaults, page tokens
// and response messages are MLflow's (mlflow/protos/model_registry.proto).

import type { Context } from '../../context.ts';
import {
  createRegisteredModel,
  createRegistryVersion,
  deleteRegisteredModel,
  deleteRegistryAlias,
  deleteRegistryTag,
  deleteRegistryVersion,
  describeRegisteredModel,
  describeRegistryVersion,
  renameRegisteredModel,
  setRegistryAlias,
  setRegistryTag,
  transitionStage,
} from '../../registry/mlflow-registry/mlflow-registry.service.ts';
import {
  latestVersions,
  type RegistryModel,
  type RegistryVersion,
  registryModel,
  registryVersion,
  searchRegistryModels,
  searchRegistryVersions,
  versionByAlias,
} from '../../registry/mlflow-registry/mlflow-registry-read.service.ts';
import { type MlflowParams, offsetOf, offsetToken } from './params.ts';
import type { MlflowRoute } from './route.ts';

function tagsField(tags: readonly { key: string; value: string }[]) {
  return tags.length ? { tags: [...tags] } : {};
}

export function modelVersionJson(entry: RegistryVersion) {
  const { version } = entry;
  return {
    name: entry.modelName,
    version: version.version,
    creation_timestamp: version.createdAt.getTime(),
    last_updated_timestamp: version.updatedAt.getTime(),
    current_stage: entry.stage,
    ...(version.description ? { description: version.description } : {}),
    ...(version.source ? { source: version.source } : {}),
    ...(version.runId ? { run_id: version.runId } : {}),
    status: 'READY',
    ...tagsField(entry.tags),
    ...(entry.aliases.length ? { aliases: entry.aliases } : {}),
  };
}

export function registeredModelJson(entry: RegistryModel) {
  const { model } = entry;
  return {
    name: model.name,
    creation_timestamp: model.createdAt.getTime(),
    last_updated_timestamp: model.updatedAt.getTime(),
    ...(model.description ? { description: model.description } : {}),
    ...(entry.latest.length ? { latest_versions: entry.latest.map(modelVersionJson) } : {}),
    ...tagsField(entry.tags),
    ...(entry.aliases.length ? { aliases: entry.aliases } : {}),
  };
}

const name = (params: MlflowParams) => params.requiredString('name');

/** The answer of the calls that change a registered model: the model as it is now. */
async function modelAnswer(context: Context, model: { name: string }) {
  return {
    registered_model: registeredModelJson(
      await registryModel(context.deps, context.viewer, model.name),
    ),
  };
}
const version = (params: MlflowParams) => params.requiredVersion('version');

export const REGISTRY_ROUTES: readonly MlflowRoute[] = [
  {
    path: 'registered-models/create',
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      const model = await createRegisteredModel(deps, viewer, {
        name: name(params),
        description: params.string('description'),
        tags: params.keyValues('tags'),
      });
      return modelAnswer(context, model);
    },
  },
  {
    path: 'registered-models/get',
    methods: ['GET'],
    handle: (params, context) => modelAnswer(context, { name: name(params) }),
  },
  {
    path: 'registered-models/rename',
    methods: ['POST'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      const model = await renameRegisteredModel(deps, viewer, {
        name: name(params),
        newName: params.requiredString('new_name'),
      });
      return modelAnswer(context, model);
    },
  },
  {
    path: 'registered-models/update',
    methods: ['PATCH'],
    write: true,
    async handle(params, context) {
      const { deps, viewer } = context;
      const model = await describeRegisteredModel(deps, viewer, {
        name: name(params),
        description: params.string('description'),
      });
      return modelAnswer(context, model);
    },
  },
  {
    path: 'registered-models/delete',
    methods: ['DELETE'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRegisteredModel(deps, viewer, name(params));
      return {};
    },
  },
  {
    path: 'registered-models/search',
    methods: ['GET', 'POST'],
    async handle(params, { deps, viewer }) {
      const offset = offsetOf(params.string('page_token'));
      const { models, nextOffset } = await searchRegistryModels(deps, viewer, {
        filter: params.string('filter'),
        orderBy: params.strings('order_by'),
        maxResults: params.integer('max_results'),
        offset,
      });
      return {
        ...(models.length ? { registered_models: models.map(registeredModelJson) } : {}),
        ...(nextOffset === null ? {} : { next_page_token: offsetToken(nextOffset) }),
      };
    },
  },
  {
    path: 'registered-models/get-latest-versions',
    methods: ['GET', 'POST'],
    async handle(params, { deps, viewer }) {
      const versions = await latestVersions(deps, viewer, {
        name: name(params),
        stages: params.strings('stages'),
      });
      return versions.length ? { model_versions: versions.map(modelVersionJson) } : {};
    },
  },
  {
    path: 'registered-models/set-tag',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await setRegistryTag(deps, viewer, {
        name: name(params),
        key: params.requiredString('key'),
        value: params.string('value'),
      });
      return {};
    },
  },
  {
    path: 'registered-models/delete-tag',
    methods: ['DELETE'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRegistryTag(deps, viewer, {
        name: name(params),
        key: params.requiredString('key'),
      });
      return {};
    },
  },
  {
    path: 'registered-models/alias',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await setRegistryAlias(deps, viewer, {
        name: name(params),
        alias: params.requiredString('alias'),
        version: version(params),
      });
      return {};
    },
  },
  {
    path: 'registered-models/alias',
    methods: ['DELETE'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRegistryAlias(deps, viewer, {
        name: name(params),
        alias: params.requiredString('alias'),
      });
      return {};
    },
  },
  {
    path: 'registered-models/alias',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const found = await versionByAlias(deps, viewer, {
        name: name(params),
        alias: params.requiredString('alias'),
      });
      return { model_version: modelVersionJson(found) };
    },
  },
  {
    path: 'model-versions/create',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      const created = await createRegistryVersion(deps, viewer, {
        name: name(params),
        source: params.string('source'),
        runId: params.string('run_id'),
        description: params.string('description'),
        tags: params.keyValues('tags'),
      });
      const found = await registryVersion(deps, viewer, {
        name: name(params),
        version: created.version,
      });
      return { model_version: modelVersionJson(found) };
    },
  },
  {
    path: 'model-versions/get',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const found = await registryVersion(deps, viewer, {
        name: name(params),
        version: version(params),
      });
      return { model_version: modelVersionJson(found) };
    },
  },
  {
    path: 'model-versions/update',
    methods: ['PATCH'],
    write: true,
    async handle(params, { deps, viewer }) {
      const input = { name: name(params), version: version(params) };
      await describeRegistryVersion(deps, viewer, {
        ...input,
        description: params.string('description'),
      });
      return { model_version: modelVersionJson(await registryVersion(deps, viewer, input)) };
    },
  },
  {
    path: 'model-versions/delete',
    methods: ['DELETE'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRegistryVersion(deps, viewer, { name: name(params), version: version(params) });
      return {};
    },
  },
  {
    path: 'model-versions/search',
    methods: ['GET', 'POST'],
    async handle(params, { deps, viewer }) {
      const { versions, nextOffset } = await searchRegistryVersions(deps, viewer, {
        filter: params.string('filter'),
        orderBy: params.strings('order_by'),
        maxResults: params.integer('max_results'),
        offset: offsetOf(params.string('page_token')),
      });
      return {
        ...(versions.length ? { model_versions: versions.map(modelVersionJson) } : {}),
        ...(nextOffset === null ? {} : { next_page_token: offsetToken(nextOffset) }),
      };
    },
  },
  {
    path: 'model-versions/get-download-uri',
    methods: ['GET'],
    async handle(params, { deps, viewer }) {
      const found = await registryVersion(deps, viewer, {
        name: name(params),
        version: version(params),
      });
      return { artifact_uri: found.version.source ?? '' };
    },
  },
  {
    path: 'model-versions/transition-stage',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      const found = await transitionStage(deps, viewer, {
        name: name(params),
        version: version(params),
        stage: params.requiredString('stage'),
        archiveExisting: params.boolean('archive_existing_versions'),
      });
      return { model_version: modelVersionJson(found) };
    },
  },
  {
    path: 'model-versions/set-tag',
    methods: ['POST'],
    write: true,
    async handle(params, { deps, viewer }) {
      await setRegistryTag(deps, viewer, {
        name: name(params),
        version: version(params),
        key: params.requiredString('key'),
        value: params.string('value'),
      });
      return {};
    },
  },
  {
    path: 'model-versions/delete-tag',
    methods: ['DELETE'],
    write: true,
    async handle(params, { deps, viewer }) {
      await deleteRegistryTag(deps, viewer, {
        name: name(params),
        version: version(params),
        key: params.requiredString('key'),
      });
      return {};
    },
  },
];

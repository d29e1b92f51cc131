// What is registered changes after registration: edits (PATCH), archiving and restoring, removing
// an alias, and deleting, over the same services as the GraphQL mutations (modelUpdate,
// modelArchive, modelVersionUpdate, datasetUpdate, modelDelete...). Bodies use snake_case; every route takes an
// Idempotency-Key like the POST routes.
import * as z from 'zod/mini';
import type { Context } from '../../context.ts';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { updateDataset } from '../../registry/dataset/dataset-lifecycle.service.ts';
import {
  type Deletion,
  deleteDataset,
  deleteModel,
  deleteModelVersion,
} from '../../registry/deletion/deletion.service.ts';
import { updateDeployment } from '../../registry/deployment/deployment-lifecycle.service.ts';
import { NotFoundError } from '../../registry/errors.ts';
import { updateExperiment } from '../../registry/experiment/experiment-lifecycle.service.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import {
  deleteModelAlias,
  setModelArchived,
  updateModel,
} from '../../registry/model/model-lifecycle.service.ts';
import { aliasesOfVersions, versionIdsByString } from '../../registry/model/model-read.service.ts';
import {
  setModelVersionArchived,
  updateModelVersion,
} from '../../registry/model/model-version-lifecycle.service.ts';
import { anyCaseEnum, isoTime, jsonObject, modelOfPath } from './params.ts';
import {
  DatasetJson,
  DeploymentJson,
  datasetJson,
  deploymentJson,
  ExperimentJson,
  experimentJson,
  globalIdOf,
  ModelJson,
  ModelVersionJson,
  modelJson,
  modelVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const reason = z
  .nullish(z.string())
  .check(z.describe('Why, for the audit trail (up to 2,000 characters).'));

const expectedUpdatedAt = z.nullish(
  isoTime(
    'Refuse (409 CONFLICT, nothing written) unless it was last changed at exactly this time: the updated_at you read.',
  ),
);

const metadataEdit = {
  metadata: z
    .nullish(jsonObject)
    .check(
      z.describe(
        'Merged into the metadata as a JSON merge patch (RFC 7386: a null value removes its key), or replacing it with metadata_mode REPLACE.',
      ),
    ),
  metadata_mode: z
    .nullish(anyCaseEnum(['MERGE', 'REPLACE'] as const, 'How metadata applies.'))
    .check(z.describe('MERGE (default) or REPLACE.')),
};

const description = z
  .nullish(z.string())
  .check(z.describe('Free text, up to 10,000 characters; null or "" clears it; absent keeps it.'));

const ArchiveBody = z
  .optional(z.strictObject({ reason, expected_updated_at: expectedUpdatedAt }))
  .check(z.describe('Optional.'));

const ModelParams = z.object({ id: globalIdOf('Model') });
const VersionParams = z.object({
  id: globalIdOf('Model'),
  version: z.string().check(z.describe('The version string, e.g. 2.0.0.')),
});

const MODEL_PATHS = { modelId: ['params', 'id'] } as const;
const VERSION_PATHS = { versionId: ['params', 'version'] } as const;

// --- PATCH /api/models/:id --------------------------------------------------------------------

export const modelUpdate = defineRoute({
  method: 'PATCH',
  path: '/api/models/:id',
  operationId: 'modelUpdate',
  summary:
    'Edit a model: name, description, metadata (merged or replaced), tags added or removed, provider, framework, model_type. Absent fields stay as they are.',
  graphql: 'mutation modelUpdate',
  tag: 'models',
  scope: 'editor',
  params: ModelParams,
  body: z.strictObject({
    name: z.nullish(z.string()).check(z.describe('A new name, unique in your organization.')),
    description,
    ...metadataEdit,
    add_tags: z.nullish(z.array(z.string())).check(z.describe('Tags to add (up to 50 in all).')),
    remove_tags: z.nullish(z.array(z.string())).check(z.describe('Tags to remove.')),
    provider: z.nullish(z.string()).check(z.describe('null clears it.')),
    framework: z.nullish(z.string()).check(z.describe('null clears it.')),
    model_type: z.nullish(z.string()).check(z.describe('null clears it.')),
    expected_updated_at: expectedUpdatedAt,
    reason,
  }),
  inputPaths: MODEL_PATHS,
  response: ModelJson,
  handler: async ({ params, body, context, claim }) => {
    const modelId = decodeIdOf(params.id, ['Model'], ['params', 'id']).id;
    return modelJson(
      await updateModel(
        context.deps,
        context.viewer,
        {
          modelId,
          name: body.name,
          description: body.description,
          metadata: body.metadata,
          metadataMode: body.metadata_mode,
          addTags: body.add_tags,
          removeTags: body.remove_tags,
          provider: body.provider,
          framework: body.framework,
          modelType: body.model_type,
          expectedUpdatedAt: body.expected_updated_at,
          reason: body.reason,
        },
        claim?.presenting(modelJson),
      ),
    );
  },
});

// --- POST /api/models/:id/archive, /restore ---------------------------------------------------

function modelArchiving(archived: boolean) {
  const verb = archived ? 'archive' : 'restore';
  return defineRoute({
    method: 'POST',
    path: `/api/models/:id/${verb}`,
    operationId: archived ? 'modelArchive' : 'modelRestore',
    summary: archived
      ? 'Archive a model: hidden from lists and search, never promotable; refused (409) while its production alias or a live deployment holds it.'
      : 'Restore an archived model to ACTIVE.',
    graphql: archived ? 'mutation modelArchive' : 'mutation modelRestore',
    tag: 'models',
    scope: 'editor',
    params: ModelParams,
    body: ArchiveBody,
    inputPaths: MODEL_PATHS,
    response: ModelJson,
    handler: async ({ params, body, context, claim }) => {
      const modelId = decodeIdOf(params.id, ['Model'], ['params', 'id']).id;
      return modelJson(
        await setModelArchived(
          context.deps,
          context.viewer,
          {
            modelId,
            archived,
            reason: body?.reason,
            expectedUpdatedAt: body?.expected_updated_at,
          },
          claim?.presenting(modelJson),
        ),
      );
    },
  });
}

// --- DELETE /api/models/:id/aliases/:alias ----------------------------------------------------

const AliasDeleteJson = z.object({
  model: ModelJson,
  previous_version_id: globalIdOf('ModelVersion').check(z.describe('Where the alias pointed.')),
});

export const modelAliasDelete = defineRoute({
  method: 'DELETE',
  path: '/api/models/:id/aliases/:alias',
  operationId: 'modelAliasDelete',
  summary:
    'Remove an alias (e.g. "champion") from a model; the version stays. Audited like a move.',
  graphql: 'mutation modelAliasDelete',
  tag: 'models',
  scope: 'editor',
  params: z.object({ id: globalIdOf('Model'), alias: z.string().check(z.describe('The alias.')) }),
  query: z.object({ reason }),
  inputPaths: { ...MODEL_PATHS, alias: ['params', 'alias'], reason: ['query', 'reason'] },
  response: AliasDeleteJson,
  handler: async ({ params, query, context, claim }) => {
    const modelId = decodeIdOf(params.id, ['Model'], ['params', 'id']).id;
    const present = (result: {
      model: Parameters<typeof modelJson>[0];
      previousVersionId: string;
    }) => ({
      model: modelJson(result.model),
      previous_version_id: encodeGlobalID('ModelVersion', result.previousVersionId),
    });
    return present(
      await deleteModelAlias(
        context.deps,
        context.viewer,
        { modelId, alias: params.alias, reason: query.reason },
        claim?.presenting(present),
      ),
    );
  },
});

// --- PATCH /api/models/:id/versions/:version, POST .../archive, .../restore ------------------

/** The id of the model's version named in the path, with the aliases pointing at it. */
async function versionOfPath(context: Context, params: { id: string; version: string }) {
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
  // Read before the change: its batch stores the answer with an Idempotency-Key. Aliases do not
  // move when a version is edited, and archiving is refused while production points at it.
  const [aliases = []] = await aliasesOfVersions(context.deps, context.viewer, [versionId]);
  const names = aliases.map((alias) => alias.name);
  return { versionId, present: (version: ModelVersion) => modelVersionJson(version, names) };
}

export const modelVersionUpdate = defineRoute({
  method: 'PATCH',
  path: '/api/models/:id/versions/:version',
  operationId: 'modelVersionUpdate',
  summary:
    'Edit a version’s description and metadata (merged or replaced). Its version string, lineage, artifacts and metadata.artifact stay as created.',
  graphql: 'mutation modelVersionUpdate',
  tag: 'models',
  scope: 'editor',
  params: VersionParams,
  body: z.strictObject({
    description,
    ...metadataEdit,
    expected_updated_at: expectedUpdatedAt,
    reason,
  }),
  inputPaths: VERSION_PATHS,
  response: ModelVersionJson,
  handler: async ({ params, body, context, claim }) => {
    const { versionId, present } = await versionOfPath(context, params);
    return present(
      await updateModelVersion(
        context.deps,
        context.viewer,
        {
          versionId,
          description: body.description,
          metadata: body.metadata,
          metadataMode: body.metadata_mode,
          expectedUpdatedAt: body.expected_updated_at,
          reason: body.reason,
        },
        claim?.presenting(present),
      ),
    );
  },
});

function versionArchiving(archived: boolean) {
  const verb = archived ? 'archive' : 'restore';
  return defineRoute({
    method: 'POST',
    path: `/api/models/:id/versions/:version/${verb}`,
    operationId: archived ? 'modelVersionArchive' : 'modelVersionRestore',
    summary: archived
      ? 'Archive a version: hidden from version lists, search and the latest-version rule, never promotable; refused (409) while production or a live deployment holds it.'
      : 'Restore an archived version to ACTIVE.',
    graphql: archived ? 'mutation modelVersionArchive' : 'mutation modelVersionRestore',
    tag: 'models',
    scope: 'editor',
    params: VersionParams,
    body: ArchiveBody,
    inputPaths: VERSION_PATHS,
    response: ModelVersionJson,
    handler: async ({ params, body, context, claim }) => {
      const { versionId, present } = await versionOfPath(context, params);
      return present(
        await setModelVersionArchived(
          context.deps,
          context.viewer,
          {
            versionId,
            archived,
            reason: body?.reason,
            expectedUpdatedAt: body?.expected_updated_at,
          },
          claim?.presenting(present),
        ),
      );
    },
  });
}

// --- PATCH /api/datasets/:id, /api/deployments/:id, /api/experiments/:id ----------------------

const NamedEditBody = z.strictObject({
  name: z
    .nullish(z.string())
    .check(z.describe('A new name, unique in your organization among its kind.')),
  description,
  ...metadataEdit,
  expected_updated_at: expectedUpdatedAt,
  reason,
});

function namedEdit(body: z.infer<typeof NamedEditBody>) {
  return {
    name: body.name,
    description: body.description,
    metadata: body.metadata,
    metadataMode: body.metadata_mode,
    expectedUpdatedAt: body.expected_updated_at,
    reason: body.reason,
  };
}

export const datasetUpdate = defineRoute({
  method: 'PATCH',
  path: '/api/datasets/:id',
  operationId: 'datasetUpdate',
  summary:
    'Rename or describe a dataset, or edit its metadata; its uri, format, governance and lineage stay.',
  graphql: 'mutation datasetUpdate',
  tag: 'lineage',
  scope: 'editor',
  params: z.object({ id: globalIdOf('Dataset') }),
  body: NamedEditBody,
  inputPaths: { datasetId: ['params', 'id'] },
  response: DatasetJson,
  handler: async ({ params, body, context, claim }) => {
    const datasetId = decodeIdOf(params.id, ['Dataset'], ['params', 'id']).id;
    return datasetJson(
      await updateDataset(
        context.deps,
        context.viewer,
        { datasetId, ...namedEdit(body) },
        claim?.presenting(datasetJson),
      ),
    );
  },
});

export const deploymentUpdate = defineRoute({
  method: 'PATCH',
  path: '/api/deployments/:id',
  operationId: 'deploymentUpdate',
  summary:
    'Rename or describe a deployment, or edit its metadata; its environment, endpoint, region and the versions it serves stay.',
  graphql: 'mutation deploymentUpdate',
  tag: 'lineage',
  scope: 'editor',
  params: z.object({ id: globalIdOf('Deployment') }),
  body: NamedEditBody,
  inputPaths: { deploymentId: ['params', 'id'] },
  response: DeploymentJson,
  handler: async ({ params, body, context, claim }) => {
    const deploymentId = decodeIdOf(params.id, ['Deployment'], ['params', 'id']).id;
    return deploymentJson(
      await updateDeployment(
        context.deps,
        context.viewer,
        { deploymentId, ...namedEdit(body) },
        claim?.presenting(deploymentJson),
      ),
    );
  },
});

export const experimentUpdate = defineRoute({
  method: 'PATCH',
  path: '/api/experiments/:id',
  operationId: 'experimentUpdate',
  summary: 'Rename or describe an experiment, or edit its metadata.',
  graphql: 'mutation experimentUpdate',
  tag: 'vibe',
  scope: 'editor',
  params: z.object({ id: globalIdOf('Experiment') }),
  body: NamedEditBody,
  inputPaths: { experimentId: ['params', 'id'] },
  response: ExperimentJson,
  handler: async ({ params, body, context, claim }) => {
    const experimentId = decodeIdOf(params.id, ['Experiment'], ['params', 'id']).id;
    return experimentJson(
      await updateExperiment(
        context.deps,
        context.viewer,
        { experimentId, ...namedEdit(body) },
        claim?.presenting(experimentJson),
      ),
    );
  },
});

// --- DELETE /api/models/:id, /api/models/:id/versions/:version, /api/datasets/:id -------------

const DeletionJson = z.object({
  deleted_id: z
    .string()
    .check(z.describe('Global ID of what was deleted; reads of it now answer 404.')),
  name: z
    .string()
    .check(z.describe('The name it had ("model@version" for a version); free again.')),
  ended_edges: z.number().check(z.int(), z.describe('Lineage edges ended.')),
  deleted_versions: z
    .number()
    .check(z.int(), z.describe('Versions deleted: all of a model’s, or the one.')),
  removed_artifacts: z
    .number()
    .check(z.int(), z.describe('Artifacts whose records and R2 bytes went.')),
});

function deletionJson(deletion: Deletion): z.infer<typeof DeletionJson> {
  return {
    deleted_id: encodeGlobalID(deletion.kind, deletion.id),
    name: deletion.name,
    ended_edges: deletion.endedEdges,
    deleted_versions: deletion.deletedVersions,
    removed_artifacts: deletion.removedArtifacts,
  };
}

const ReasonQuery = z.object({ reason });

export const modelDelete = defineRoute({
  method: 'DELETE',
  path: '/api/models/:id',
  operationId: 'modelDelete',
  summary:
    'Delete a model with its versions; refused (409, naming it) while a version is in production or deployed. Edges end, artifacts leave R2, the name is free; the audit trail stays.',
  graphql: 'mutation modelDelete',
  tag: 'models',
  scope: 'editor',
  params: ModelParams,
  query: ReasonQuery,
  inputPaths: { ...MODEL_PATHS, reason: ['query', 'reason'] },
  response: DeletionJson,
  handler: async ({ params, query, context, claim }) => {
    const modelId = decodeIdOf(params.id, ['Model'], ['params', 'id']).id;
    return deletionJson(
      await deleteModel(
        context.deps,
        context.viewer,
        { modelId, reason: query.reason },
        claim?.presenting(deletionJson),
      ),
    );
  },
});

export const modelVersionDelete = defineRoute({
  method: 'DELETE',
  path: '/api/models/:id/versions/:version',
  operationId: 'modelVersionDelete',
  summary:
    'Delete a version; refused (409, naming it) while in production or deployed. Its edges end, its other aliases and artifacts go, its version string is free.',
  graphql: 'mutation modelVersionDelete',
  tag: 'models',
  scope: 'editor',
  params: VersionParams,
  query: ReasonQuery,
  inputPaths: { ...VERSION_PATHS, reason: ['query', 'reason'] },
  response: DeletionJson,
  handler: async ({ params, query, context, claim }) => {
    const { versionId } = await versionOfPath(context, params);
    return deletionJson(
      await deleteModelVersion(
        context.deps,
        context.viewer,
        { versionId, reason: query.reason },
        claim?.presenting(deletionJson),
      ),
    );
  },
});

export const datasetDelete = defineRoute({
  method: 'DELETE',
  path: '/api/datasets/:id',
  operationId: 'datasetDelete',
  summary:
    'Delete a dataset; refused (409, listing them) while live versions are trained on it. Its edges end and its name is free.',
  graphql: 'mutation datasetDelete',
  tag: 'lineage',
  scope: 'editor',
  params: z.object({ id: globalIdOf('Dataset') }),
  query: ReasonQuery,
  inputPaths: { datasetId: ['params', 'id'], reason: ['query', 'reason'] },
  response: DeletionJson,
  handler: async ({ params, query, context, claim }) => {
    const datasetId = decodeIdOf(params.id, ['Dataset'], ['params', 'id']).id;
    return deletionJson(
      await deleteDataset(
        context.deps,
        context.viewer,
        { datasetId, reason: query.reason },
        claim?.presenting(deletionJson),
      ),
    );
  },
});

export const LIFECYCLE_ROUTES = [
  modelUpdate,
  modelArchiving(true),
  modelArchiving(false),
  modelAliasDelete,
  modelVersionUpdate,
  versionArchiving(true),
  versionArchiving(false),
  datasetUpdate,
  deploymentUpdate,
  experimentUpdate,
  modelDelete,
  modelVersionDelete,
  datasetDelete,
];

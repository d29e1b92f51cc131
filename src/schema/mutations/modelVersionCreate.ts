import { decodeIdOf } from '../../global-id.ts';
import {
  createModelVersion,
  MAX_LINKS_PER_VERSION,
  type ModelVersionCreateInput as ServiceInput,
} from '../../registry/model/model.service.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS, EDGE_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const DatasetLinkInput = builder.inputType('DatasetLinkInput', {
  description: 'A dataset a version was trained or evaluated on, with the edge’s properties.',
  fields: (t) => ({
    datasetId: t.id({ required: true, description: 'Global ID of the dataset.' }),
    properties: t.field({
      type: 'JSON',
      description: 'A JSON object stored on the edge, e.g. { "split": "train", "rows": 120000 }.',
    }),
  }),
});

const ModelVersionCreateInput = builder.inputType('ModelVersionCreateInput', {
  description: 'A new, immutable version of a model, with its lineage.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    version: t.string({ required: true, description: 'Semantic version, e.g. 1.2.0.' }),
    description: t.string({ description: 'Free text.' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object up to 64 KiB.' }),
    derivedFrom: t.idList({
      description: `Global IDs of versions this one derives from; at most ${MAX_LINKS_PER_VERSION}.`,
    }),
    trainedOn: t.field({
      type: [DatasetLinkInput],
      description: `Training datasets; at most ${MAX_LINKS_PER_VERSION}.`,
    }),
    evaluatedOn: t.field({
      type: [DatasetLinkInput],
      description: `Evaluation datasets; at most ${MAX_LINKS_PER_VERSION}.`,
    }),
    runId: t.id({
      description:
        'Global ID of the experiment run the version came out of (MLflow’s run_id): the version DERIVED_FROM it, so lineage walks from the run’s datasets to the version.',
    }),
    source: t.string({
      description:
        'Where the version’s files came from (MLflow’s source URI), up to 2,048 characters.',
    }),
  }),
});

const ModelVersionCreatePayload = builder.objectRef<{ modelVersion: ModelVersion }>(
  'ModelVersionCreatePayload',
);
ModelVersionCreatePayload.implement({
  description: 'The created version.',
  fields: (t) => ({
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The new version.',
      resolve: (p) => p.modelVersion,
    }),
  }),
});

const ModelVersionCreateResult = mutationResult('modelVersionCreate', ModelVersionCreatePayload, [
  ...COMMON_ERRORS,
  ...EDGE_ERRORS,
]);

builder.mutationField('modelVersionCreate', (t) =>
  t.field({
    type: ModelVersionCreateResult,
    description:
      'Creates a version with its derivedFrom, trainedOn and evaluatedOn edges, all or nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        modelVersion: await idempotent(context, 'modelVersionCreate', input, (claim) =>
          createModelVersion(context.deps, context.viewer, decodeInput(input), claim),
        ),
      })),
  }),
);

/** The input with its global IDs decoded, each bad one reported at its own path. */
function decodeInput(input: typeof ModelVersionCreateInput.$inferInput): ServiceInput {
  const link = (field: 'trainedOn' | 'evaluatedOn') =>
    input[field]?.map((entry, index) => ({
      datasetId: decodeIdOf(entry.datasetId, ['Dataset'], [field, String(index), 'datasetId']).id,
      properties: entry.properties,
    })) ?? null;
  return {
    modelId: decodeIdOf(input.modelId, ['Model'], ['modelId']).id,
    version: input.version,
    description: input.description,
    metadata: input.metadata,
    derivedFrom:
      input.derivedFrom?.map(
        (id, index) => decodeIdOf(id, ['ModelVersion'], ['derivedFrom', String(index)]).id,
      ) ?? null,
    trainedOn: link('trainedOn'),
    evaluatedOn: link('evaluatedOn'),
    runId: input.runId ? decodeIdOf(input.runId, ['Run'], ['runId']).id : null,
    source: input.source,
  };
}

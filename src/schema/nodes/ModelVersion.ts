import { type ModelVersion, PRODUCTION_ALIAS } from '../../registry/model/model.ts';
import { edgesAt, linkedVersions, loadRelationPages } from '../lib/edge-loaders.ts';
import { aliasesOfVersion } from '../lib/model-loaders.ts';
import { ModelVersionStatusEnum } from '../objects/enums.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { ExperimentRef, ModelRef, ModelVersionRef, RunRef, UserRef } from '../objects/refs.ts';
import {
  DeployedToConnection,
  EvaluatedOnConnection,
  ModelVersionConnection,
  TrainedOnConnection,
} from '../objects/relations.ts';

ModelVersionRef.implement({
  description:
    'One version of a model, with its lineage. Its version string, lineage at creation, artifacts and metadata.artifact are immutable; description and metadata can be edited (modelVersionUpdate).',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as ModelVersion).kind === 'ModelVersion',
  fields: (t) => ({
    model: t.field({
      type: ModelRef,
      description: 'The model this is a version of.',
      resolve: (version) => version.modelId,
    }),
    version: t.exposeString('version', { description: 'Semantic version, unique in the model.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text.' }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metadata as recorded (hyperparameters, metrics at training time...).',
      resolve: (version) => version.metadata,
    }),
    aliases: t.stringList({
      description: 'Aliases pointing at this version, such as "production" or "champion".',
      resolve: async (version, _args, context) =>
        (await aliasesOfVersion(context, version.id)).map((alias) => alias.name),
    }),
    isProduction: t.boolean({
      description: 'Whether this is the model’s production version.',
      resolve: async (version, _args, context) =>
        (await aliasesOfVersion(context, version.id)).some(
          (alias) => alias.name === PRODUCTION_ALIAS,
        ),
    }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the version was deleted; null while it exists. Only what still points at a deleted version (an approval, an audit event, a lineage walk as of an earlier time) shows it; node(id:) gives null.',
      resolve: (node) => node.deletedAt ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the version was created.',
      resolve: (version) => version.createdAt,
    }),
    status: t.field({
      type: ModelVersionStatusEnum,
      description: 'ACTIVE, or ARCHIVED (modelVersionArchive).',
      resolve: (version) => version.status,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description:
        'When the version was last edited, archived or restored (its creation until then); send it as expectedUpdatedAt.',
      resolve: (version) => version.updatedAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who created the version.',
      resolve: (version) => version.createdById,
    }),
    trainedOn: t.loadable({
      type: TrainedOnConnection,
      description: 'Datasets this version was trained on, with the edges’ properties.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'src', types: ['TRAINED_ON'] }, args),
      resolve: (version) => version.id,
    }),
    evaluatedOn: t.loadable({
      type: EvaluatedOnConnection,
      description: 'Datasets this version was evaluated on, with the edges’ properties.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'src', types: ['EVALUATED_ON'] }, args),
      resolve: (version) => version.id,
    }),
    derivedFrom: t.field({
      type: [ModelVersionRef],
      description: 'Versions this one was fine-tuned, distilled or otherwise derived from.',
      // Edge and version in one statement: nested derivedFrom costs one statement per level.
      resolve: (version, _args, context) =>
        linkedVersions(context, 'src', ['DERIVED_FROM']).load(version.id),
    }),
    experiments: t.field({
      type: [ExperimentRef],
      description: 'Experiments this version came out of (DERIVED_FROM an Experiment).',
      resolve: async (version, _args, context) =>
        (await edgesAt(context, 'src', ['DERIVED_FROM']).load(version.id))
          .filter((edge) => edge.dstKind === 'Experiment')
          .map((edge) => edge.dstId),
    }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description:
        'The experiment run this version came out of (modelVersionCreate runId, MLflow’s run_id); it DERIVED_FROM the run.',
      resolve: (version) => version.runId ?? null,
    }),
    source: t.string({
      nullable: true,
      description: 'Where the version’s files came from (MLflow’s source URI), when given.',
      resolve: (version) => version.source ?? null,
    }),
    derivatives: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions derived from this one (inverse of derivedFrom).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['DERIVED_FROM'] }, args),
      resolve: (version) => version.id,
    }),
    deployedTo: t.loadable({
      type: DeployedToConnection,
      description: 'Deployments serving this version, with the edges’ properties.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'src', types: ['DEPLOYED_TO'] }, args),
      resolve: (version) => version.id,
    }),
    replacedBy: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version that replaced this one (REPLACED_BY).',
      resolve: async (version, _args, context) =>
        (await edgesAt(context, 'src', ['REPLACED_BY']).load(version.id))[0]?.dstId ?? null,
    }),
    replaces: t.field({
      type: [ModelVersionRef],
      description: 'Versions this one replaced (inverse of replacedBy).',
      resolve: async (version, _args, context) =>
        (await edgesAt(context, 'dst', ['REPLACED_BY']).load(version.id)).map((edge) => edge.srcId),
    }),
    approvedBy: t.field({
      type: [UserRef],
      description: 'Reviewers who approved this version (APPROVED_BY).',
      resolve: async (version, _args, context) =>
        (await edgesAt(context, 'src', ['APPROVED_BY']).load(version.id)).map((edge) => edge.dstId),
    }),
  }),
});

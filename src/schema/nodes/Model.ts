import { readGlobalID } from '../../global-id.ts';
import { type Model, type ModelAlias, PRODUCTION_ALIAS } from '../../registry/model/model.ts';
import { modelByName } from '../../registry/model/model-read.service.ts';
import { builder } from '../builder.ts';
import { edgesAt, loadModelRelationPages } from '../lib/edge-loaders.ts';
import { aliasesOfModel, loadVersionPages, versionIdByString } from '../lib/model-loaders.ts';
import { listModels } from '../lib/model-search.ts';
import { loadVisible } from '../lib/nodes.ts';
import { ModelStatusEnum, SortDirectionEnum } from '../objects/enums.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { ModelRef, ModelVersionRef, UserRef } from '../objects/refs.ts';
import {
  DeployedToConnection,
  EvaluatedOnConnection,
  ModelVersionConnection,
  TrainedOnConnection,
} from '../objects/relations.ts';

export const ModelAliasRef = builder.objectRef<ModelAlias>('ModelAlias');
ModelAliasRef.implement({
  description: 'A named pointer to one version of a model, such as "production" or "champion".',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The alias.' }),
    version: t.field({
      type: ModelVersionRef,
      description: 'The version the alias points at.',
      resolve: (alias) => alias.versionId,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the alias last moved.',
      resolve: (alias) => alias.updatedAt,
    }),
    updatedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who last moved the alias.',
      resolve: (alias) => alias.updatedById,
    }),
  }),
});

ModelRef.implement({
  description: 'A registered model: a name unique in its organization, with immutable versions.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as Model).kind === 'Model',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique within the organization.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text.' }),
    tags: t.exposeStringList('tags', { description: 'Labels for search and grouping.' }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metadata as registered (framework, model_type, provider, model_name...).',
      resolve: (model) => model.metadata,
    }),
    provider: t.exposeString('provider', {
      nullable: true,
      description: 'Who serves or built the model (openai, anthropic, meta, in-house...).',
    }),
    framework: t.exposeString('framework', {
      nullable: true,
      description: 'Training or serving framework (pytorch, transformers, sklearn...).',
    }),
    modelType: t.exposeString('modelType', {
      nullable: true,
      description: 'What kind of model (llm, classifier, embedding...).',
    }),
    status: t.field({
      type: ModelStatusEnum,
      description: 'Where the model is in its life.',
      resolve: (model) => model.status,
    }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the model was deleted; null while it exists. Only what still points at a deleted model (an approval, an audit event, a lineage walk as of an earlier time) shows it; node(id:) gives null.',
      resolve: (node) => node.deletedAt ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the model was registered.',
      resolve: (model) => model.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When the model, its versions or aliases last changed.',
      resolve: (model) => model.updatedAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who registered the model.',
      resolve: (model) => model.createdById,
    }),
    versions: t.loadable({
      type: ModelVersionConnection,
      description:
        'The versions of this model, oldest first; archived ones only with includeArchived.',
      byPath: true,
      args: {
        ...t.arg.connectionArgs(),
        includeArchived: t.arg.boolean({
          description: 'Also list ARCHIVED versions (default false).',
        }),
      },
      load: (ids: string[], context, args) => loadVersionPages(context, ids, args),
      resolve: (model) => model.id,
    }),
    version: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'One version by its version string, such as "1.2.0".',
      args: { version: t.arg.string({ required: true, description: 'The version string.' }) },
      resolve: (model, args, context) => versionIdByString(context, model.id, args.version),
    }),
    alias: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version an alias points at, such as "production" or "champion".',
      args: { name: t.arg.string({ required: true, description: 'The alias.' }) },
      resolve: async (model, args, context) =>
        (await aliasesOfModel(context, model.id)).find((alias) => alias.name === args.name)
          ?.versionId ?? null,
    }),
    aliases: t.field({
      type: [ModelAliasRef],
      description: 'Every alias of this model, by name.',
      resolve: (model, _args, context) => aliasesOfModel(context, model.id),
    }),
    productionVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version currently promoted to production, if any.',
      resolve: async (model, _args, context) =>
        (await aliasesOfModel(context, model.id)).find((alias) => alias.name === PRODUCTION_ALIAS)
          ?.versionId ?? null,
    }),
    replacedBy: t.field({
      type: ModelRef,
      nullable: true,
      description: 'The model that replaced this one (REPLACED_BY).',
      resolve: async (model, _args, context) =>
        (await edgesAt(context, 'src', ['REPLACED_BY']).load(model.id))[0]?.dstId ?? null,
    }),
    replaces: t.field({
      type: [ModelRef],
      description: 'Models this one replaced (inverse of replacedBy).',
      resolve: async (model, _args, context) =>
        (await edgesAt(context, 'dst', ['REPLACED_BY']).load(model.id))
          .filter((edge) => edge.srcKind === 'Model')
          .map((edge) => edge.srcId),
    }),
    trainedOn: t.loadable({
      type: TrainedOnConnection,
      description:
        'Datasets any version of this model was trained on; each edge names its version.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadModelRelationPages(context, ids, ['TRAINED_ON'], args),
      resolve: (model) => model.id,
    }),
    evaluatedOn: t.loadable({
      type: EvaluatedOnConnection,
      description:
        'Datasets any version of this model was evaluated on; each edge names its version.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadModelRelationPages(context, ids, ['EVALUATED_ON'], args),
      resolve: (model) => model.id,
    }),
    deployedTo: t.loadable({
      type: DeployedToConnection,
      description: 'Deployments serving any version of this model; each edge names its version.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadModelRelationPages(context, ids, ['DEPLOYED_TO'], args),
      resolve: (model) => model.id,
    }),
  }),
});

builder.queryField('model', (t) =>
  t.field({
    type: ModelRef,
    nullable: true,
    description: 'One model by global ID or by name; null when missing or not visible to you.',
    args: {
      id: t.arg.id({ description: 'The model’s global ID.' }),
      name: t.arg.string({ description: 'The model’s name.' }),
    },
    resolve: async (_root, args, context) => {
      if (args.id) {
        // A malformed id names nothing, like an unknown one.
        const decoded = readGlobalID(String(args.id));
        if (decoded?.typename !== 'Model') return null;
        return (await loadVisible(ModelRef, context, decoded.id)) as Model | null;
      }
      if (args.name) {
        // The model itself, not its id: the loader is primed with it instead of reading it again.
        return modelByName(context.deps, context.viewer, args.name);
      }
      return null;
    },
  }),
);

const ModelOrderFieldEnum = builder.enumType('ModelOrderField', {
  description: 'What to sort models by.',
  values: {
    CREATED_AT: { value: 'created_at', description: 'Registration time.' },
    UPDATED_AT: {
      value: 'updated_at',
      description: 'Last change to the model, versions or aliases.',
    },
    NAME: { value: 'name', description: 'Name, in binary (code point) order.' },
  } as const,
});

const ModelOrder = builder.inputType('ModelOrder', {
  description: 'Sort order for models; ties are broken by id, so pages are stable.',
  fields: (t) => ({
    field: t.field({
      type: ModelOrderFieldEnum,
      required: true,
      defaultValue: 'created_at',
      description: 'What to sort by.',
    }),
    direction: t.field({
      type: SortDirectionEnum,
      required: true,
      defaultValue: 'ASC',
      description: 'Ascending or descending.',
    }),
  }),
});

const ModelFilter = builder.inputType('ModelFilter', {
  description: 'Which models to list. Conditions are AND-ed; values within one list are OR-ed.',
  fields: (t) => ({
    tagsAny: t.stringList({ description: 'Models with at least one of these tags.' }),
    tagsAll: t.stringList({ description: 'Models with every one of these tags.' }),
    status: t.field({
      type: [ModelStatusEnum],
      description:
        'Models in any of these states; default ACTIVE and DEPRECATED (archived models are listed only when asked for).',
    }),
    provider: t.stringList({ description: 'Models from any of these providers.' }),
    framework: t.stringList({ description: 'Models built with any of these frameworks.' }),
    modelType: t.stringList({ description: 'Models of any of these types.' }),
    text: t.string({ description: 'Case-insensitive substring of the name or description.' }),
    createdAfter: t.field({ type: 'DateTime', description: 'Registered at or after this time.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Registered before this time.' }),
  }),
});

builder.queryField('models', (t) =>
  t.connection(
    {
      type: ModelRef,
      description: 'Models of your organization, filtered and sorted, with keyset pagination.',
      args: {
        filter: t.arg({ type: ModelFilter, description: 'Which models.' }),
        orderBy: t.arg({ type: ModelOrder, description: 'Sort order (default: oldest first).' }),
      },
      resolve: (_root, args, context) =>
        listModels(context, args, {
          filter: args.filter ?? null,
          orderBy: args.orderBy ?? { field: 'created_at', direction: 'ASC' },
        }),
    },
    { name: 'ModelConnection', description: 'A page of models.' },
    { name: 'ModelEdge', description: 'A Model in a page.' },
  ),
);

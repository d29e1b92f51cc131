import type { Dataset } from '../../registry/dataset/dataset.ts';
import { datasetPage } from '../../registry/dataset/dataset-read.service.ts';
import { builder } from '../builder.ts';
import { edgesAt, loadRelationPages } from '../lib/edge-loaders.ts';
import { idOrderedConnection } from '../lib/lists.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { DatasetRef, UserRef } from '../objects/refs.ts';
import { ModelVersionConnection } from '../objects/relations.ts';

DatasetRef.implement({
  description: 'A dataset that versions are trained or evaluated on.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as Dataset).kind === 'Dataset',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique within the organization.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text.' }),
    uri: t.exposeString('uri', {
      nullable: true,
      description: 'Where the data lives (s3://, r2://, hf://, https://...).',
    }),
    format: t.exposeString('format', {
      nullable: true,
      description: 'Storage format (parquet, jsonl, csv...).',
    }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metadata as registered.',
      resolve: (dataset) => dataset.metadata,
    }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the dataset was deleted; null while it exists. Only what still points at a deleted dataset (an approval, an audit event, a lineage walk as of an earlier time) shows it; node(id:) gives null.',
      resolve: (node) => node.deletedAt ?? null,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the dataset was registered.',
      resolve: (dataset) => dataset.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description:
        'When the dataset was last edited (datasetUpdate; its creation until then); send it as expectedUpdatedAt.',
      resolve: (dataset) => dataset.updatedAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who registered the dataset.',
      resolve: (dataset) => dataset.createdById,
    }),
    trainedModels: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions trained on this dataset (inverse of trainedOn), with edge properties.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['TRAINED_ON'] }, args),
      resolve: (dataset) => dataset.id,
    }),
    evaluatedModels: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions evaluated on this dataset (inverse of evaluatedOn).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['EVALUATED_ON'] }, args),
      resolve: (dataset) => dataset.id,
    }),
    derivedFrom: t.field({
      type: [DatasetRef],
      description: 'Datasets this one was built from (DERIVED_FROM).',
      resolve: async (dataset, _args, context) =>
        (await edgesAt(context, 'src', ['DERIVED_FROM']).load(dataset.id)).map(
          (edge) => edge.dstId,
        ),
    }),
    derivatives: t.field({
      type: [DatasetRef],
      description: 'Datasets built from this one (inverse of derivedFrom).',
      resolve: async (dataset, _args, context) =>
        (await edgesAt(context, 'dst', ['DERIVED_FROM']).load(dataset.id)).map(
          (edge) => edge.srcId,
        ),
    }),
  }),
});

builder.queryField('datasets', (t) =>
  t.connection(
    {
      type: DatasetRef,
      description: 'Datasets of your organization, oldest first.',
      resolve: (_root, args, context) =>
        idOrderedConnection(args, (page) => datasetPage(context.deps, context.viewer, page)),
    },
    { name: 'DatasetConnection', description: 'A page of datasets.' },
    { name: 'DatasetEdge', description: 'A Dataset in a page.' },
  ),
);

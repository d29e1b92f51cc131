import type { Experiment } from '../../registry/experiment/experiment.ts';
import { experimentPage } from '../../registry/experiment/experiment-read.service.ts';
import { builder } from '../builder.ts';
import { loadRelationPages } from '../lib/edge-loaders.ts';
import { idOrderedConnection } from '../lib/lists.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { ExperimentRef, UserRef } from '../objects/refs.ts';
import { ModelVersionConnection } from '../objects/relations.ts';

ExperimentRef.implement({
  description: 'A training or evaluation experiment that versions come out of.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as Experiment).kind === 'Experiment',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique within the organization.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text.' }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metadata as recorded (hypothesis, arms, owner...).',
      resolve: (experiment) => experiment.metadata,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the experiment was recorded.',
      resolve: (experiment) => experiment.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description:
        'When the experiment was last edited (experimentUpdate; its creation until then); send it as expectedUpdatedAt.',
      resolve: (experiment) => experiment.updatedAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who recorded the experiment.',
      resolve: (experiment) => experiment.createdById,
    }),
    modelVersions: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions that came out of this experiment (DERIVED_FROM it).',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['DERIVED_FROM'] }, args),
      resolve: (experiment) => experiment.id,
    }),
  }),
});

builder.queryField('experiments', (t) =>
  t.connection(
    {
      type: ExperimentRef,
      description: 'Experiments of your organization, oldest first.',
      resolve: (_root, args, context) =>
        idOrderedConnection(args, (page) => experimentPage(context.deps, context.viewer, page)),
    },
    { name: 'ExperimentConnection', description: 'A page of experiments.' },
    { name: 'ExperimentEdge', description: 'A Experiment in a page.' },
  ),
);

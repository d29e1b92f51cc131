import type { Deployment } from '../../registry/deployment/deployment.ts';
import { deploymentPage } from '../../registry/deployment/deployment-read.service.ts';
import { builder } from '../builder.ts';
import { loadRelationPages } from '../lib/edge-loaders.ts';
import { idOrderedConnection } from '../lib/lists.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { DeploymentRef, UserRef } from '../objects/refs.ts';
import { ModelVersionConnection } from '../objects/relations.ts';

DeploymentRef.implement({
  description: 'Where versions serve traffic: an endpoint in an environment.',
  interfaces: [LineageNodeRef],
  isTypeOf: (value) => (value as Deployment).kind === 'Deployment',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique within the organization.' }),
    environment: t.exposeString('environment', {
      description: 'Lowercase environment name: production, staging, canary...',
    }),
    description: t.exposeString('description', { nullable: true, description: 'Free text.' }),
    endpointUrl: t.exposeString('endpointUrl', {
      nullable: true,
      description: 'Where the deployment answers.',
    }),
    region: t.exposeString('region', { nullable: true, description: 'Where it runs.' }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Metadata as recorded.',
      resolve: (deployment) => deployment.metadata,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the deployment was recorded.',
      resolve: (deployment) => deployment.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description:
        'When the deployment was last edited (deploymentUpdate; its creation until then); send it as expectedUpdatedAt.',
      resolve: (deployment) => deployment.updatedAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who recorded the deployment.',
      resolve: (deployment) => deployment.createdById,
    }),
    modelVersions: t.loadable({
      type: ModelVersionConnection,
      description: 'Versions this deployment serves (inverse of deployedTo), with traffic shares.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        loadRelationPages(context, ids, { endpoint: 'dst', types: ['DEPLOYED_TO'] }, args),
      resolve: (deployment) => deployment.id,
    }),
  }),
});

builder.queryField('deployments', (t) =>
  t.connection(
    {
      type: DeploymentRef,
      description: 'Deployments of your organization, oldest first.',
      args: {
        environment: t.arg.string({ description: 'Only deployments in this environment.' }),
      },
      resolve: (_root, args, context) =>
        idOrderedConnection(args, (page) =>
          deploymentPage(
            context.deps,
            context.viewer,
            args.environment?.toLowerCase() ?? null,
            page,
          ),
        ),
    },
    { name: 'DeploymentConnection', description: 'A page of deployments.' },
    { name: 'DeploymentEdge', description: 'A Deployment in a page.' },
  ),
);

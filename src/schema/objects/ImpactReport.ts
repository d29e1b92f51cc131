import { decodeNodeId } from '../../global-id.ts';
import { analyzeImpact, type ImpactReport } from '../../registry/impact/impact.service.ts';
import { NODE_KINDS } from '../../registry/lineage/lineage.ts';
import { builder } from '../builder.ts';
import { loadNode } from '../lib/nodes.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { LineageEdgeRef } from './LineageGraph.ts';
import { LineageNodeRef } from './LineageNode.ts';
import { DeploymentRef, ModelRef, ModelVersionRef, UserRef } from './refs.ts';

type AffectedDeployment = ImpactReport['affectedDeployments'][number];

const AffectedDeploymentRef = builder
  .objectRef<AffectedDeployment>('AffectedDeployment')
  .implement({
    description: 'A deployment a change would reach, with one shortest path to it.',
    fields: (t) => ({
      deployment: t.field({
        type: DeploymentRef,
        description: 'The deployment.',
        resolve: (affected) => affected.deployment,
      }),
      environment: t.exposeString('environment', { description: 'Its environment.' }),
      depth: t.exposeInt('depth', { description: 'Hops from the changed node.' }),
      path: t.field({
        type: [LineageEdgeRef],
        description: 'One shortest chain of edges from the changed node to the deployment.',
        resolve: (affected) => affected.path,
      }),
    }),
  });

const ImpactReportRef = builder.objectRef<ImpactReport>('ImpactReport').implement({
  description:
    'What a change to a dataset, version or model would affect downstream, and who to tell.',
  fields: (t) => ({
    root: t.field({
      type: LineageNodeRef,
      description: 'The node that would change.',
      resolve: async (report, _args, context) =>
        (await loadNode(context, report.walk.root.kind, report.walk.root.id)) as never,
    }),
    affectedModelVersions: t.field({
      type: [ModelVersionRef],
      description: 'Versions trained, evaluated or derived (at any depth) from the changed node.',
      // The rows the report read: no second statement for them.
      resolve: (report) => report.affectedVersions,
    }),
    affectedModels: t.field({
      type: [ModelRef],
      description: 'The models of the affected versions.',
      resolve: (report) => report.affectedModels,
    }),
    affectedDeployments: t.field({
      type: [AffectedDeploymentRef],
      description:
        'Deployments serving an affected version: production first, then by environment.',
      resolve: (report) => report.affectedDeployments,
    }),
    owners: t.field({
      type: [UserRef],
      description:
        'Who created the affected versions, models and deployments: the people to notify.',
      resolve: (report) => report.ownerIds,
    }),
    depthReached: t.int({
      description: 'The largest depth reached.',
      resolve: (report) => report.walk.depthReached,
    }),
    isTruncated: t.boolean({
      description:
        'True when maxDepth or the node budget stopped the walk with more beyond (a walk past one request’s edge-row budget is still read whole, a segment at a time, up to 100 segments).',
      resolve: (report) => report.walk.isTruncated,
    }),
  }),
});

builder.queryField('impact', (t) =>
  t.field({
    type: ImpactReportRef,
    description:
      'What a change to this node would affect downstream: models, deployments, and the paths to them.',
    args: {
      of: t.arg.id({
        required: true,
        description: 'Global ID of a Dataset, ModelVersion or Model.',
      }),
      maxDepth: t.arg.int({ description: 'Stop after this many hops; null for no limit.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() =>
        analyzeImpact(context.deps, context.viewer, {
          root: decodeNodeId(args.of, NODE_KINDS, ['of']),
          maxDepth: args.maxDepth,
          nodeBudget: context.deps.config.lineageNodeBudget,
          edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
        }),
      ),
  }),
);

import { decodeNodeId } from '../../global-id.ts';
import { analyzeImpact, type ImpactReport } from '../../registry/impact/impact.service.ts';
import { NODE_KINDS } from '../../registry/lineage/lineage.ts';
import {
  findLineagePath,
  type LineageEdgeEntry,
  type LineageWalk,
} from '../../registry/lineage/traversal.service.ts';
import { builder } from '../builder.ts';
import { loadNode } from '../lib/nodes.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { EdgeTypeEnum } from './enums.ts';
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
      description: 'True when maxDepth or the node budget stopped the walk with more beyond.',
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
        analyzeImpact(context.db, context.viewer.orgId, {
          root: decodeNodeId(args.of, NODE_KINDS, ['of']),
          maxDepth: args.maxDepth,
          nodeBudget: context.deps.config.lineageNodeBudget,
        }),
      ),
  }),
);

const LineagePathRef = builder
  .objectRef<{ edges: LineageEdgeEntry[]; walk: LineageWalk }>('LineagePath')
  .implement({
    description: 'A shortest chain of edges between two nodes.',
    fields: (t) => ({
      length: t.int({ description: 'Number of edges.', resolve: (path) => path.edges.length }),
      edges: t.field({
        type: [LineageEdgeRef],
        description: 'The edges, in walking order from `from` to `to`.',
        resolve: (path) => path.edges,
      }),
      nodes: t.field({
        type: [LineageNodeRef],
        description: 'The nodes along the path, from `from` to `to`.',
        resolve: (path, _args, context) =>
          Promise.all(
            // The empty path (from a node to itself) still lists that node. Otherwise start from
            // the first edge: from a Model, that is the version the path leaves through.
            [path.edges[0]?.from ?? path.walk.root, ...path.edges.map((edge) => edge.to)].map(
              async (node) => (await loadNode(context, node.kind, node.id)) as never,
            ),
          ),
      }),
    }),
  });

builder.queryField('lineagePath', (t) =>
  t.field({
    type: LineagePathRef,
    nullable: true,
    description:
      'A shortest path from one node to another, following lineage downstream or else upstream; null when they are not connected.',
    args: {
      from: t.arg.id({ required: true, description: 'Global ID of the start node.' }),
      to: t.arg.id({ required: true, description: 'Global ID of the end node.' }),
      edgeTypes: t.arg({ type: [EdgeTypeEnum], description: 'Follow only these edge types.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() =>
        findLineagePath(context.db, context.viewer.orgId, {
          from: decodeNodeId(args.from, NODE_KINDS, ['from']),
          to: decodeNodeId(args.to, NODE_KINDS, ['to']),
          edgeTypes: args.edgeTypes,
          nodeBudget: context.deps.config.lineageNodeBudget,
        }),
      ),
  }),
);

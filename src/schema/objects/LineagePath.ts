// The shortest lineage path between two nodes (lineagePath).
import { decodeNodeId } from '../../global-id.ts';
import { NODE_KINDS } from '../../registry/lineage/lineage.ts';
import { findPathBetween } from '../../registry/lineage/lineage-path.service.ts';
import type { LineageEdgeEntry, LineageWalk } from '../../registry/lineage/traversal.service.ts';
import { builder } from '../builder.ts';
import { loadNode } from '../lib/nodes.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { EdgeTypeEnum } from './enums.ts';
import { LineageEdgeRef } from './LineageGraph.ts';
import { LineageNodeRef } from './LineageNode.ts';

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
      'A shortest path from one node to another, following lineage downstream or else upstream; null when they are not connected (within maxDepth). The walk stops at the first of growing node budgets that reaches `to`.',
    args: {
      from: t.arg.id({ required: true, description: 'Global ID of the start node.' }),
      to: t.arg.id({ required: true, description: 'Global ID of the end node.' }),
      edgeTypes: t.arg({ type: [EdgeTypeEnum], description: 'Follow only these edge types.' }),
      maxDepth: t.arg.int({
        description:
          'Only a path of at most this many edges (null: any length); 1 to 3 bounds the walk itself.',
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() =>
        findPathBetween(context.deps, context.viewer, {
          from: decodeNodeId(args.from, NODE_KINDS, ['from']),
          to: decodeNodeId(args.to, NODE_KINDS, ['to']),
          edgeTypes: args.edgeTypes,
          maxDepth: args.maxDepth,
          nodeBudget: context.deps.config.lineageNodeBudget,
          edgeRowBudget: context.deps.config.lineageEdgeRowBudget ?? undefined,
        }),
      ),
  }),
);

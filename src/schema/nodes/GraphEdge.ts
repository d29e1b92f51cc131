import type { GraphEdge } from '../../registry/lineage/lineage.ts';
import { loadNode } from '../lib/nodes.ts';
import { EdgeTypeEnum } from '../objects/enums.ts';
import { LineageNodeRef } from '../objects/LineageNode.ts';
import { GraphEdgeRef, UserRef } from '../objects/refs.ts';

GraphEdgeRef.implement({
  description: 'A stored, typed, directed edge of the registry graph.',
  isTypeOf: (value) => (value as GraphEdge).kind === 'GraphEdge',
  fields: (t) => ({
    type: t.field({
      type: EdgeTypeEnum,
      description: 'The edge type.',
      resolve: (edge) => edge.type,
    }),
    from: t.field({
      type: LineageNodeRef,
      description: 'The source node.',
      resolve: async (edge, _args, context) =>
        (await loadNode(context, edge.srcKind, edge.srcId)) as never,
    }),
    to: t.field({
      type: LineageNodeRef,
      description: 'The target node.',
      resolve: async (edge, _args, context) =>
        (await loadNode(context, edge.dstKind, edge.dstId)) as never,
    }),
    properties: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Properties recorded on the edge.',
      resolve: (edge) => edge.properties,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the edge was recorded.',
      resolve: (edge) => edge.createdAt,
    }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who recorded it.',
      resolve: (edge) => edge.createdById,
    }),
    removedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was removed; null while live. Removed edges stay for history.',
      resolve: (edge) => edge.removedAt,
    }),
    removedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who removed it.',
      resolve: (edge) => edge.removedById,
    }),
  }),
});

import { decodeIdOf, decodeNodeId } from '../../global-id.ts';
import { removeEdge } from '../../registry/lineage/lineage.service.ts';
import { NODE_KINDS } from '../../registry/lineage/lineage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { EdgeTypeEnum } from '../objects/enums.ts';
import { LineageEdgePayload } from './lineageEdgeAdd.ts';

const LineageEdgeRemoveInput = builder.inputType('LineageEdgeRemoveInput', {
  description: 'The edge to end: by its ID, or by type and both ends.',
  fields: (t) => ({
    edgeId: t.id({ description: 'Global ID of the edge (a GraphEdge).' }),
    type: t.field({ type: EdgeTypeEnum, description: 'The edge type, with fromId and toId.' }),
    fromId: t.id({ description: 'Global ID of the source node.' }),
    toId: t.id({ description: 'Global ID of the target node.' }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const LineageEdgeRemoveResult = mutationResult('lineageEdgeRemove', LineageEdgePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('lineageEdgeRemove', (t) =>
  t.field({
    type: LineageEdgeRemoveResult,
    description:
      'Ends a live edge. The edge is kept with removedAt set, so lineage history stays readable.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: LineageEdgeRemoveInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        edge: await removeEdge(context.deps, context.viewer, {
          edgeId: input.edgeId ? decodeIdOf(input.edgeId, ['GraphEdge'], ['edgeId']).id : null,
          type: input.type ?? null,
          from: input.fromId ? decodeNodeId(input.fromId, NODE_KINDS, ['fromId']) : null,
          to: input.toId ? decodeNodeId(input.toId, NODE_KINDS, ['toId']) : null,
          reason: input.reason,
        }),
      })),
  }),
);

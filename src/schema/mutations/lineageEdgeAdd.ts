import { decodeNodeId } from '../../global-id.ts';
import { addEdge } from '../../registry/lineage/lineage.service.ts';
import type { GraphEdge } from '../../registry/lineage/lineage.ts';
import { NODE_KINDS } from '../../registry/lineage/lineage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS, EDGE_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { EdgeTypeEnum } from '../objects/enums.ts';
import { GraphEdgeRef } from '../objects/refs.ts';

const LineageEdgeAddInput = builder.inputType('LineageEdgeAddInput', {
  description: 'A new edge of the registry graph.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    type: t.field({ type: EdgeTypeEnum, required: true, description: 'The edge type.' }),
    fromId: t.id({ required: true, description: 'Global ID of the source node.' }),
    toId: t.id({ required: true, description: 'Global ID of the target node.' }),
    properties: t.field({ type: 'JSON', description: 'A JSON object stored on the edge.' }),
  }),
});

export const LineageEdgePayload = builder.objectRef<{ edge: GraphEdge }>('LineageEdgePayload');
LineageEdgePayload.implement({
  description: 'The edge that was added or removed.',
  fields: (t) => ({
    edge: t.field({ type: GraphEdgeRef, description: 'The edge.', resolve: (p) => p.edge }),
  }),
});

const LineageEdgeAddResult = mutationResult('lineageEdgeAdd', LineageEdgePayload, [
  ...COMMON_ERRORS,
  ...EDGE_ERRORS,
]);

builder.mutationField('lineageEdgeAdd', (t) =>
  t.field({
    type: LineageEdgeAddResult,
    description:
      'Adds an edge of an allowed type between two nodes. Refuses duplicates, disallowed kinds and cycles in DERIVED_FROM/REPLACED_BY.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: LineageEdgeAddInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        edge: await idempotent(context, 'lineageEdgeAdd', input, (claim) =>
          addEdge(
            context.deps,
            context.viewer,
            {
              type: input.type,
              from: decodeNodeId(input.fromId, NODE_KINDS, ['fromId']),
              to: decodeNodeId(input.toId, NODE_KINDS, ['toId']),
              properties: input.properties,
            },
            undefined,
            claim,
          ),
        ),
      })),
  }),
);

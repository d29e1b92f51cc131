import { lineageNodeBudget } from '../../config.ts';
import { pageLineage } from '../../registry/lineage/pages.ts';
import { walkLineage } from '../../registry/lineage/traversal.service.ts';
import { builder } from '../builder.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { EdgeTypeEnum } from './enums.ts';
import {
  LineageDirectionEnum,
  LineageGraphRef,
  parseLineagePage,
  primeEdgeDetails,
  selectionAsksEdgeDetails,
} from './LineageGraph.ts';

/** Query cost of one lineage walk (QUERY_LIMITS.complexity is 100,000): at most 9 walks per operation, none inside a list. */
export const LINEAGE_WALK_COMPLEXITY = 10_000;

/** Anything that can take part in lineage: every node of the registry graph. */
export const LineageNodeRef = builder.interfaceRef<{ id: string; kind: string }>('LineageNode');

LineageNodeRef.implement({
  description: 'Anything that can take part in lineage.',
  interfaces: [builder.nodeInterfaceRef()],
  // Every lineage node carries its kind, which is its GraphQL type name: one property read
  // instead of asking each implementing type's isTypeOf in turn (up to 25,000 nodes per page).
  resolveType: (node) => node.kind,
  fields: (t) => ({
    id: t.globalID({
      description: 'The global ID of this node.',
      nullable: false,
      resolve: (node) => ({ type: node.kind, id: node.id }),
    }),
    lineage: t.field({
      type: LineageGraphRef,
      // A walk is a few D1 statements of its own (a recursive CTE and its page), not batched
      // across parents: priced so that a list of nodes cannot ask for more walks than D1's
      // 50 statements per invocation allow (at most 9 in one operation under the 20,000 limit).
      complexity: LINEAGE_WALK_COMPLEXITY,
      description:
        'Every node reachable from this one, walked in one request to any depth: each node once, each edge once with the depth at which it was first reached.',
      args: {
        direction: t.arg({
          type: LineageDirectionEnum,
          required: true,
          defaultValue: 'BOTH',
          description: 'Upstream, downstream or both.',
        }),
        edgeTypes: t.arg({
          type: [EdgeTypeEnum],
          description: 'Follow only these edge types (default: all).',
        }),
        maxDepth: t.arg.int({ description: 'Stop after this many hops; null for no limit.' }),
        asOf: t.arg({
          type: 'DateTime',
          description: 'Read the graph as it was at this instant (edges are ended, not deleted).',
        }),
        first: t.arg.int({ description: 'Nodes per page (1-25,000, default 1,000).' }),
        after: t.arg.string({ description: 'Continue after this cursor (pageInfo.endCursor).' }),
      },
      resolve: (node, args, context, info) => {
        const page = parseLineagePage(args);
        return withUserErrors(async () => {
          const walk = await walkLineage(context.db, context.viewer.orgId, {
            root: { kind: node.kind as never, id: node.id },
            // The node was just loaded in the caller's organization: no need to look again.
            rootExists: true,
            direction: args.direction,
            edgeTypes: args.edgeTypes,
            maxDepth: args.maxDepth,
            asOf: args.asOf,
            nodeBudget: lineageNodeBudget(context.env),
            // Read with the walk when the selection will list them: no statement more.
            edgeDetails: selectionAsksEdgeDetails(info),
          });
          const lineagePage = pageLineage(walk, page);
          await primeEdgeDetails(context, lineagePage);
          return lineagePage;
        });
      },
    }),
  }),
});

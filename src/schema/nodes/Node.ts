import { builder } from '../builder.ts';
import { loadNodeByGlobalId } from '../lib/nodes.ts';

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Fetches any node by its global ID; null when missing or not visible to you.',
    args: {
      id: t.arg.id({ required: true, description: 'A global ID, as returned in any `id` field.' }),
    },
    resolve: (_root, args, context) => loadNodeByGlobalId(context, String(args.id)),
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: 'Fetches several nodes by global ID, in order; null where missing or not visible.',
    args: {
      ids: t.arg.idList({ required: true, description: 'Global IDs, as returned in `id` fields.' }),
    },
    resolve: (_root, args, context) =>
      args.ids.map((id) => loadNodeByGlobalId(context, String(id))),
  }),
);

import { builder } from '../builder.ts';

/** Anything that can take part in lineage: every node of the registry graph. */
export const LineageNodeRef = builder.interfaceRef<{ id: string; kind: string }>('LineageNode');

LineageNodeRef.implement({
  description: 'Anything that can take part in lineage.',
  interfaces: [builder.nodeInterfaceRef()],
  fields: (t) => ({
    id: t.globalID({
      description: 'The global ID of this node.',
      nullable: false,
      resolve: (node) => ({ type: node.kind, id: node.id }),
    }),
  }),
});

import { builder } from '../builder.ts';

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
  }),
});

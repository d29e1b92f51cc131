import { type GraphQLSchema, isObjectType } from 'graphql';
import type { Context } from '../../context.ts';
import { encodeGlobalID, readGlobalID } from '../../global-id.ts';
import type { NodeKind } from '../../registry/lineage/lineage.ts';
import {
  DatasetRef,
  DeploymentRef,
  ExperimentRef,
  GraphEdgeRef,
  ModelRef,
  ModelVersionRef,
  OrganizationRef,
  RunRef,
  UserRef,
} from '../objects/refs.ts';
import { whenFieldsBuilt } from './lazy-fields.ts';

const REFS = {
  Model: ModelRef,
  ModelVersion: ModelVersionRef,
  Dataset: DatasetRef,
  Deployment: DeploymentRef,
  Experiment: ExperimentRef,
  Run: RunRef,
  User: UserRef,
} as const;

/** Loads any lineage node by kind and id through its type's batched loader. */
export function loadNode(context: Context, kind: NodeKind, id: string) {
  return (REFS[kind].getDataloader(context) as { load: (id: string) => Promise<unknown> }).load(
    id,
  ) as Promise<{ id: string; kind: string } | null>;
}

export const LINEAGE_KINDS = Object.keys(REFS) as NodeKind[];

type LoaderRef = { getDataloader: (context: Context) => unknown };

const REFETCHABLE: Record<string, LoaderRef> = {
  ...REFS,
  Organization: OrganizationRef,
  GraphEdge: GraphEdgeRef,
};

/**
 * Makes a node type defined outside the core (Approval, Artifact...) refetchable through
 * node(id:)/nodes(ids:); called from the type's own file.
 */
export function registerRefetchable(typename: string, ref: LoaderRef): void {
  REFETCHABLE[typename] = ref;
}

/**
 * The node a global ID names, through its type's batched loader (one statement per type for a
 * whole `nodes` list). Null, as for a missing node, when the ID is malformed or names a type that
 * is no Node: mutations treat such IDs as not found too.
 */
export function loadNodeByGlobalId(context: Context, globalId: string) {
  const decoded = readGlobalID(globalId);
  if (decoded === null) return null;
  if (!Object.hasOwn(REFETCHABLE, decoded.typename)) return null;
  return loadVisible(REFETCHABLE[decoded.typename] as LoaderRef, context, decoded.id);
}

/** A node by its type's loader; null for a tombstone (deleted: refs load them for history). */
export async function loadVisible(ref: LoaderRef, context: Context, id: string) {
  const loader = ref.getDataloader(context) as {
    load: (id: string) => Promise<{ id: string; kind: string; deletedAt?: Date } | null>;
  };
  const node = await loader.load(id);
  return node?.deletedAt ? null : node;
}

/**
 * The `id` of the core node types, answered synchronously. The relay plugin resolves every node's
 * `id` through two awaits (its globalID wrapper around the node's id option), so a list of 10,000
 * nodes cost 10,000 promises: ~9 µs per node, 90 ms of the 10,001-node lineage page, against
 * ~1.5 µs for the same encoding without them (measured on the built schema, Node 24). The refs of
 * these types all take their id from `node.id` (objects/refs.ts), so the answer is the same string.
 */
export function synchronousNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const typename of [...Object.keys(REFS), 'Organization', 'GraphEdge']) {
    const type = schema.getType(typename);
    if (!isObjectType(type)) throw new Error(`synchronousNodeIds: ${typename} is no object type`);
    // Patched when the type's fields are first built (src/schema/lib/lazy-fields.ts), not now.
    whenFieldsBuilt(type, (fields) => {
      const field = fields.id;
      if (!field) throw new Error(`synchronousNodeIds: ${typename} has no id field`);
      field.resolve = (parent: { id: string }) => encodeGlobalID(typename, String(parent.id));
    });
  }
  return schema;
}

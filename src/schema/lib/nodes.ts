import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import type { NodeKind } from '../../registry/lineage/lineage.ts';
import {
  DatasetRef,
  DeploymentRef,
  ExperimentRef,
  GraphEdgeRef,
  ModelRef,
  ModelVersionRef,
  OrganizationRef,
  UserRef,
} from '../objects/refs.ts';

const REFS = {
  Model: ModelRef,
  ModelVersion: ModelVersionRef,
  Dataset: DatasetRef,
  Deployment: DeploymentRef,
  Experiment: ExperimentRef,
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
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    return null;
  }
  if (!Object.hasOwn(REFETCHABLE, decoded.typename)) return null;
  const loader = REFETCHABLE[decoded.typename]?.getDataloader(context) as {
    load: (id: string) => Promise<{ id: string; kind: string } | null>;
  };
  return loader.load(decoded.id);
}

import type { Context } from '../../context.ts';
import type { NodeKind } from '../../registry/lineage/lineage.ts';
import {
  DatasetRef,
  DeploymentRef,
  ExperimentRef,
  ModelRef,
  ModelVersionRef,
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

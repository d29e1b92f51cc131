import { parseJson } from '../json.ts';
import type { ExperimentTable } from './experiment.table.ts';

export interface Experiment {
  kind: 'Experiment';
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  createdById: string | null;
  updatedAt: Date;
  /** MLflow's restorable delete. */
  lifecycleStage: 'active' | 'deleted';
  /** Where MLflow clients put the experiment's artifacts; null: the mlflow-artifacts default. */
  artifactLocation: string | null;
}

export function toExperiment(row: ExperimentTable): Experiment {
  return {
    kind: 'Experiment',
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    metadata: parseJson(row.metadata),
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    updatedAt: new Date(row.updated_at),
    lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    artifactLocation: row.artifact_location,
  };
}

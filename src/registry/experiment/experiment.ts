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
  };
}

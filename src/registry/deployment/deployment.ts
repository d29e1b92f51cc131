import { parseJson } from '../json.ts';
import type { DeploymentTable } from './deployment.table.ts';

export interface Deployment {
  kind: 'Deployment';
  id: string;
  orgId: string;
  name: string;
  environment: string;
  description: string | null;
  endpointUrl: string | null;
  region: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  createdById: string | null;
  updatedAt: Date;
}

/** Lowercase slug: "production", "staging", "canary", "eu-shadow"... */
export const ENVIRONMENT_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function toDeployment(row: DeploymentTable): Deployment {
  return {
    kind: 'Deployment',
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    environment: row.environment,
    description: row.description,
    endpointUrl: row.endpoint_url,
    region: row.region,
    metadata: parseJson(row.metadata),
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    updatedAt: new Date(row.updated_at),
  };
}

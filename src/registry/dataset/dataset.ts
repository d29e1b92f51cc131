import { parseJson } from '../json.ts';
import type { DatasetTable } from './dataset.table.ts';

export interface Dataset {
  kind: 'Dataset';
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  uri: string | null;
  format: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  createdById: string | null;
  updatedAt: Date;
  /** Only on a tombstone (a deleted dataset, still pointed at by history); its name is the old one. */
  deletedAt?: Date;
}

export function toDataset(row: DatasetTable): Dataset {
  return {
    kind: 'Dataset',
    id: row.id,
    orgId: row.org_id,
    name: row.deleted_name ?? row.name,
    description: row.description,
    uri: row.uri,
    format: row.format,
    metadata: parseJson(row.metadata),
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    updatedAt: new Date(row.updated_at),
    ...(row.deleted_at ? { deletedAt: new Date(row.deleted_at) } : {}),
  };
}

import { parseJson } from '../json.ts';
import type { EdgeTable } from './lineage.table.ts';

export const EDGE_TYPES = [
  'TRAINED_ON',
  'DERIVED_FROM',
  'DEPLOYED_TO',
  'REPLACED_BY',
  'EVALUATED_ON',
  'APPROVED_BY',
] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

export const NODE_KINDS = [
  'Model',
  'ModelVersion',
  'Dataset',
  'Deployment',
  'Experiment',
  'Run',
  'User',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/**
 * Which kinds of node each edge type may join, from -> to. This table is the single source of truth
 * for edge validation; the GraphQL edge fields are its typed views.
 */
export const EDGE_RULES: Readonly<Record<EdgeType, readonly (readonly [NodeKind, NodeKind])[]>> = {
  TRAINED_ON: [
    ['ModelVersion', 'Dataset'],
    ['Run', 'Dataset'],
  ],
  EVALUATED_ON: [
    ['ModelVersion', 'Dataset'],
    ['Run', 'Dataset'],
  ],
  DERIVED_FROM: [
    ['ModelVersion', 'ModelVersion'],
    ['ModelVersion', 'Experiment'],
    ['ModelVersion', 'Run'],
    ['Dataset', 'Dataset'],
  ],
  DEPLOYED_TO: [['ModelVersion', 'Deployment']],
  REPLACED_BY: [
    ['Model', 'Model'],
    ['ModelVersion', 'ModelVersion'],
  ],
  APPROVED_BY: [['ModelVersion', 'User']],
};

/** Edge types whose graph must stay a DAG: a version cannot derive from its own descendant. */
export const ACYCLIC_EDGE_TYPES: ReadonlySet<EdgeType> = new Set(['DERIVED_FROM', 'REPLACED_BY']);

export function isEdgeAllowed(type: EdgeType, from: NodeKind, to: NodeKind): boolean {
  return EDGE_RULES[type].some(([src, dst]) => src === from && dst === to);
}

export interface GraphEdge {
  kind: 'GraphEdge';
  id: string;
  orgId: string;
  type: EdgeType;
  srcId: string;
  srcKind: NodeKind;
  dstId: string;
  dstKind: NodeKind;
  properties: Record<string, unknown> | null;
  createdAt: Date;
  createdById: string | null;
  removedAt: Date | null;
  removedById: string | null;
}

export function toGraphEdge(row: EdgeTable): GraphEdge {
  return {
    kind: 'GraphEdge',
    id: row.id,
    orgId: row.org_id,
    type: row.type as EdgeType,
    srcId: row.src_id,
    srcKind: row.src_kind as NodeKind,
    dstId: row.dst_id,
    dstKind: row.dst_kind as NodeKind,
    properties: parseJson(row.properties),
    createdAt: new Date(row.created_at),
    createdById: row.created_by,
    removedAt: row.removed_at ? new Date(row.removed_at) : null,
    removedById: row.removed_by,
  };
}

/** Which end of an edge a node is at: its source or its destination. */
export type EdgeEndpoint = 'src' | 'dst';

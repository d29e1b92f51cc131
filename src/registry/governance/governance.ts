import type { DatasetGovernanceTable } from '../dataset/dataset.table.ts';
import type { LawfulBasis } from '../dataset/dataset-governance.ts';
import type {
  ApprovalTable,
  ComplianceCheckTable,
  ErasureRequestTable,
  PromotionPolicyTable,
} from './governance.table.ts';

export const CHECK_TYPES = ['GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

export const CHECK_STATUSES = ['PASSED', 'FAILED', 'NEEDS_REVIEW'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const APPROVAL_STATES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** One thing a check found, for people; `subjectId`/`subjectKind` name the node it is about. */
export interface Finding {
  code: string;
  message: string;
  subjectId?: string;
  subjectKind?: string;
}

/** What one check computed, before it is stored. */
export interface CheckOutcome {
  type: CheckType;
  status: CheckStatus;
  summary: string;
  findings: Finding[];
  details: Record<string, unknown> | null;
}

export interface ComplianceCheck extends CheckOutcome {
  kind: 'ComplianceCheck';
  id: string;
  orgId: string;
  modelVersionId: string;
  approvalId: string | null;
  runById: string | null;
  createdAt: Date;
}

export interface Approval {
  kind: 'Approval';
  id: string;
  orgId: string;
  modelId: string;
  modelVersionId: string;
  state: ApprovalState;
  requestedChecks: CheckType[];
  evidence: Record<string, unknown>;
  requestNotes: string | null;
  requestedById: string;
  requestedAt: Date;
  reviewedById: string | null;
  reviewedAt: Date | null;
  reviewNotes: string | null;
  /** Who the client said requested it, in its own words (e.g. "eng-team"); null if not said. */
  requestedByName: string | null;
  /** Who the client said reviewed it, in its own words; null if not said. */
  reviewedByName: string | null;
}

export interface PromotionPolicy {
  orgId: string;
  requireApproval: boolean;
  requiredChecks: CheckType[];
  /** False for the built-in default of an organization that never set a policy. */
  isDefault: boolean;
  updatedAt: Date | null;
  updatedById: string | null;
}

/** The policy of an organization without a promotion_policy row: the "all four". */
export function defaultPromotionPolicy(orgId: string): PromotionPolicy {
  return {
    orgId,
    requireApproval: true,
    requiredChecks: [...CHECK_TYPES],
    isDefault: true,
    updatedAt: null,
    updatedById: null,
  };
}

export interface DatasetColumn {
  name: string;
  sampleValues: string[];
}

export interface DatasetGovernance {
  datasetId: string;
  containsPersonalData: boolean;
  lawfulBasis: LawfulBasis | null;
  retentionDays: number | null;
  columns: DatasetColumn[];
  declaredAt: Date;
  declaredById: string | null;
}

export interface ErasureRequest {
  kind: 'ErasureRequest';
  id: string;
  orgId: string;
  datasetId: string;
  reason: string | null;
  affectedVersionIds: string[];
  affectedDeploymentIds: string[];
  requestedById: string | null;
  createdAt: Date;
}

export function toApproval(row: ApprovalTable): Approval {
  return {
    kind: 'Approval',
    id: row.id,
    orgId: row.org_id,
    modelId: row.model_id,
    modelVersionId: row.model_version_id,
    state: row.state as ApprovalState,
    requestedChecks: JSON.parse(row.requested_checks) as CheckType[],
    evidence: JSON.parse(row.evidence) as Record<string, unknown>,
    requestNotes: row.request_notes,
    requestedById: row.requested_by,
    requestedAt: new Date(row.requested_at),
    reviewedById: row.reviewed_by,
    reviewedAt: row.reviewed_at === null ? null : new Date(row.reviewed_at),
    reviewNotes: row.review_notes,
    requestedByName: row.requested_by_name,
    reviewedByName: row.reviewed_by_name,
  };
}

export function toComplianceCheck(row: ComplianceCheckTable): ComplianceCheck {
  return {
    kind: 'ComplianceCheck',
    id: row.id,
    orgId: row.org_id,
    modelVersionId: row.model_version_id,
    approvalId: row.approval_id,
    type: row.check_type as CheckType,
    status: row.status as CheckStatus,
    summary: row.summary,
    findings: JSON.parse(row.findings) as Finding[],
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    runById: row.run_by,
    createdAt: new Date(row.created_at),
  };
}

export function toPromotionPolicy(row: PromotionPolicyTable): PromotionPolicy {
  return {
    orgId: row.org_id,
    requireApproval: row.require_approval === 1,
    requiredChecks: JSON.parse(row.required_checks) as CheckType[],
    isDefault: false,
    updatedAt: new Date(row.updated_at),
    updatedById: row.updated_by,
  };
}

export function toDatasetGovernance(row: DatasetGovernanceTable): DatasetGovernance {
  return {
    datasetId: row.dataset_id,
    containsPersonalData: row.contains_personal_data === 1,
    lawfulBasis: row.lawful_basis as LawfulBasis | null,
    retentionDays: row.retention_days,
    columns: JSON.parse(row.columns) as DatasetColumn[],
    declaredAt: new Date(row.declared_at),
    declaredById: row.declared_by,
  };
}

export function toErasureRequest(row: ErasureRequestTable): ErasureRequest {
  return {
    kind: 'ErasureRequest',
    id: row.id,
    orgId: row.org_id,
    datasetId: row.dataset_id,
    reason: row.reason,
    affectedVersionIds: JSON.parse(row.affected_version_ids) as string[],
    affectedDeploymentIds: JSON.parse(row.affected_deployment_ids) as string[],
    requestedById: row.requested_by,
    createdAt: new Date(row.created_at),
  };
}

export interface ApprovalTable {
  id: string;
  org_id: string;
  model_id: string;
  model_version_id: string;
  state: string;
  requested_checks: string;
  evidence: string;
  request_notes: string | null;
  requested_by: string;
  requested_at: string;
  reviewed_by: string | null;
  reviewed_at: string | null;
  review_notes: string | null;
  /** As the client named the requester (free text, beside the acting user); 0009. */
  requested_by_name: string | null;
  reviewed_by_name: string | null;
}

export interface ComplianceCheckTable {
  id: string;
  org_id: string;
  model_version_id: string;
  approval_id: string | null;
  check_type: string;
  status: string;
  summary: string;
  findings: string;
  details: string | null;
  run_by: string | null;
  created_at: string;
}

export interface PromotionPolicyTable {
  org_id: string;
  require_approval: number;
  required_checks: string;
  updated_at: string;
  updated_by: string | null;
}

export interface ErasureRequestTable {
  id: string;
  org_id: string;
  dataset_id: string;
  reason: string | null;
  affected_version_ids: string;
  affected_deployment_ids: string;
  requested_by: string | null;
  created_at: string;
}

import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import {
  claimWrites,
  claimWritesWhere,
  type IdempotencyClaim,
} from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import { type ModelVersion, toModelVersion } from '../model/model.ts';
import { optionalText } from '../validate.ts';
import {
  type CheckEvidence,
  type MissingEvidence,
  prepareEvidence,
  requireCheckList,
  runChecks,
} from './checks.service.ts';
import {
  approvalIsPending,
  decideApproval,
  findApprovalsByIds,
  findApprovalsOfVersion,
  insertApproval,
  insertApprovedByEdgeWhilePending,
  insertComplianceCheck,
  insertComplianceCheckWhilePending,
  updateApprovalEvidence,
} from './governance.repository.ts';
import type { ComplianceCheckTable } from './governance.table.ts';
import {
  type Approval,
  type CheckOutcome,
  type CheckType,
  type ComplianceCheck,
  toApproval,
  toComplianceCheck,
} from './governance.ts';

export interface ApprovalRequestInput {
  versionId: string;
  checks: readonly string[];
  evidence?: CheckEvidence | null;
  notes?: string | null;
  /** Who the client says asks, in its own words; the acting user is recorded regardless. */
  requestedByName?: string | null;
  /** Whether a FAIRNESS or AI_ACT check without evidence is refused (default) or NEEDS_REVIEW. */
  missingEvidence?: MissingEvidence;
}

export interface ApprovalWithChecks {
  approval: Approval;
  checks: ComplianceCheck[];
}

async function loadVersion(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  viewer: Viewer,
  versionId: string,
  path: string[],
  /** When set, the version must be of this model. */
  modelId?: string | null,
) {
  const [version] = await findVersionsByIds(deps.db, viewer.orgId, [versionId]);
  if (!version || (modelId != null && version.model_id !== modelId)) {
    throw new NotFoundError(
      modelId != null ? 'No version of this model with this id' : 'No model version with this id',
      path,
      versionId,
      'ModelVersion',
    );
  }
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [version.model_id]);
  if (!model) throw new NotFoundError('The version has no model', path);
  return { version, model };
}

function checkRows(
  viewer: Viewer,
  versionId: string,
  approvalId: string | null,
  outcomes: readonly CheckOutcome[],
  createdAt: string,
): ComplianceCheckTable[] {
  return outcomes.map((outcome) => ({
    id: newId(),
    org_id: viewer.orgId,
    model_version_id: versionId,
    approval_id: approvalId,
    check_type: outcome.type,
    status: outcome.status,
    summary: outcome.summary,
    findings: JSON.stringify(outcome.findings),
    details: outcome.details === null ? null : JSON.stringify(outcome.details),
    run_by: viewer.userId,
    created_at: createdAt,
  }));
}

const resultsOf = (outcomes: readonly CheckOutcome[]) =>
  outcomes.map((outcome) => ({ type: outcome.type, status: outcome.status }));

/**
 * Opens an approval request for a version and runs the requested checks at once; the request, the
 * results and their audit events land in one batch. One pending request per version.
 */
export async function requestApproval(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  viewer: Viewer,
  input: ApprovalRequestInput,
  claim?: IdempotencyClaim,
): Promise<ApprovalWithChecks> {
  const checks = requireCheckList(input.checks, ['checks']);
  const evidence = prepareEvidence(
    checks,
    input.evidence,
    ['evidence'],
    {},
    checks,
    input.missingEvidence,
  );
  const notes = optionalText(input.notes, ['notes']);
  const requestedByName = partyName(input.requestedByName, ['requestedByName']);
  const subject = await loadVersion(deps, viewer, input.versionId, ['versionId']);
  const [pending] = await findApprovalsOfVersion(deps.db, viewer.orgId, subject.version.id, [
    'PENDING',
  ]);
  if (pending) {
    throw new ConflictError(
      `Version ${subject.version.version} already has a pending approval request`,
      ['versionId'],
    );
  }
  const outcomes = await runChecks(deps, viewer.orgId, subject, checks, evidence);
  const now = nowIso();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    model_id: subject.model.id,
    model_version_id: subject.version.id,
    state: 'PENDING',
    requested_checks: JSON.stringify(checks),
    evidence: JSON.stringify(evidence),
    request_notes: notes,
    requested_by: viewer.userId,
    requested_at: now,
    reviewed_by: null,
    reviewed_at: null,
    review_notes: null,
    requested_by_name: requestedByName,
    reviewed_by_name: null,
  };
  const rows = checkRows(viewer, subject.version.id, row.id, outcomes, now);
  const audit = { orgId: viewer.orgId, actorId: viewer.userId, subjectId: row.id };
  const requested = { approval: toApproval(row), checks: rows.map(toComplianceCheck) };
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, requested),
      insertApproval(deps.db, row),
      ...rows.map((check) => insertComplianceCheck(deps.db, check)),
      insertAuditEvent(deps.db, {
        ...audit,
        action: 'approval.request',
        subjectKind: 'Approval',
        after: {
          modelVersionId: subject.version.id,
          checks,
          state: 'PENDING',
          ...(requestedByName === null ? {} : { requestedByName }),
        },
        reason: notes,
      }),
      insertAuditEvent(deps.db, {
        ...audit,
        action: 'complianceCheck.run',
        subjectKind: 'Approval',
        after: { modelVersionId: subject.version.id, results: resultsOf(outcomes) },
      }),
    ]);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: approval.model_version_id')) {
      throw new ConflictError(
        `Version ${subject.version.version} already has a pending approval request`,
        ['versionId'],
      );
    }
    throw error;
  }
  return requested;
}

export type ReviewDecision = 'APPROVE' | 'REJECT';

/**
 * A reviewer's decision on a pending request. Separation of duties: the requester never decides
 * their own request. Approving also writes the APPROVED_BY edge from the version to the reviewer,
 * in the same batch; a decision is final.
 */
export async function reviewApproval(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  viewer: Viewer,
  input: {
    approvalId: string;
    decision: ReviewDecision;
    notes?: string | null;
    /** Who the client says decides, in its own words; the acting user still must not be the requester. */
    reviewedByName?: string | null;
  },
  claim?: IdempotencyClaim,
): Promise<Approval> {
  const notes = optionalText(input.notes, ['notes']);
  const reviewedByName = partyName(input.reviewedByName, ['reviewedByName']);
  if (input.decision === 'REJECT' && !notes?.trim()) {
    throw new ValidationError('Say why the request is rejected', ['notes']);
  }
  const [row] = await findApprovalsByIds(deps.db, viewer.orgId, [input.approvalId]);
  if (!row) {
    throw new NotFoundError(
      'No approval with this id',
      ['approvalId'],
      input.approvalId,
      'Approval',
    );
  }
  if (row.requested_by === viewer.userId) {
    throw new ForbiddenError(
      'You requested this approval: someone else must review it (separation of duties)',
      ['approvalId'],
    );
  }
  if (row.state !== 'PENDING') {
    throw new ConflictError(`This request was already ${row.state.toLowerCase()}`, ['approvalId']);
  }
  const state = input.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
  const now = nowIso();
  const decided = toApproval({
    ...row,
    state,
    reviewed_by: viewer.userId,
    reviewed_at: now,
    review_notes: notes,
    reviewed_by_name: reviewedByName,
  });
  // The guarded statements run first: the decision itself ends the "pending" they check.
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: input.decision === 'APPROVE' ? 'approval.approve' : 'approval.reject',
        subjectId: row.id,
        subjectKind: 'Approval',
        before: { state: 'PENDING' },
        after: {
          state,
          modelVersionId: row.model_version_id,
          ...(reviewedByName === null ? {} : { reviewedByName }),
        },
        reason: notes,
      },
      approvalIsPending(row.id),
    ),
    ...claimWritesWhere(deps.db, claim, decided, approvalIsPending(row.id)),
    ...(state === 'APPROVED'
      ? [
          insertApprovedByEdgeWhilePending(deps.db, {
            id: newId(),
            orgId: viewer.orgId,
            versionId: row.model_version_id,
            reviewerId: viewer.userId,
            approvalId: row.id,
            createdAt: now,
          }),
        ]
      : []),
    decideApproval(deps.db, {
      id: row.id,
      state,
      reviewedBy: viewer.userId,
      reviewedByName,
      reviewedAt: now,
      notes,
    }),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError('This request was decided by someone else meanwhile', ['approvalId']);
  }
  return decided;
}

export interface ComplianceCheckRunInput {
  /** When set (REST: the model of the path), the approval or version must be of this model. */
  modelId?: string | null;
  approvalId?: string | null;
  versionId?: string | null;
  checks?: readonly string[] | null;
  evidence?: CheckEvidence | null;
  /** As in ApprovalRequestInput. */
  missingEvidence?: MissingEvidence;
}

export interface ComplianceCheckRunResult {
  approval: Approval | null;
  modelVersion: ModelVersion;
  checks: ComplianceCheck[];
}

/**
 * Re-runs checks on demand: on a pending request (its checks by default, with new evidence merged
 * over the old), or on a bare version (results kept, attached to no request).
 */
export async function runComplianceChecks(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  viewer: Viewer,
  input: ComplianceCheckRunInput,
  claim?: IdempotencyClaim,
): Promise<ComplianceCheckRunResult> {
  if ((input.approvalId == null) === (input.versionId == null)) {
    throw new ValidationError('Give either approvalId or versionId', []);
  }
  if (input.approvalId != null) {
    return rerunApproval(deps, viewer, input.approvalId, input, claim);
  }
  const checks = requireCheckList(input.checks, ['checks']);
  const evidence = prepareEvidence(
    checks,
    input.evidence,
    ['evidence'],
    {},
    checks,
    input.missingEvidence,
  );
  const subject = await loadVersion(
    deps,
    viewer,
    input.versionId as string,
    ['versionId'],
    input.modelId,
  );
  const outcomes = await runChecks(deps, viewer.orgId, subject, checks, evidence);
  const rows = checkRows(viewer, subject.version.id, null, outcomes, nowIso());
  const result = {
    approval: null,
    modelVersion: toModelVersion(subject.version),
    checks: rows.map(toComplianceCheck),
  };
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, result),
    ...rows.map((check) => insertComplianceCheck(deps.db, check)),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'complianceCheck.run',
      subjectId: subject.version.id,
      subjectKind: 'ModelVersion',
      after: { results: resultsOf(outcomes) },
    }),
  ]);
  return result;
}

async function rerunApproval(
  deps: Pick<Deps, 'db' | 'd1'> & Partial<Pick<Deps, 'bucket'>>,
  viewer: Viewer,
  approvalId: string,
  input: ComplianceCheckRunInput,
  claim: IdempotencyClaim | undefined,
): Promise<ComplianceCheckRunResult> {
  const [row] = await findApprovalsByIds(deps.db, viewer.orgId, [approvalId]);
  if (!row || (input.modelId != null && row.model_id !== input.modelId)) {
    throw new NotFoundError(
      input.modelId != null ? 'No approval of this model with this id' : 'No approval with this id',
      ['approvalId'],
      approvalId,
      'Approval',
    );
  }
  const approval = toApproval(row);
  const checks: CheckType[] = input.checks
    ? requireCheckList(input.checks, ['checks'])
    : approval.requestedChecks;
  checks.forEach((check, index) => {
    if (!approval.requestedChecks.includes(check)) {
      throw new ValidationError(`${check} was not requested in this approval`, [
        'checks',
        String(index),
      ]);
    }
  });
  const evidence = prepareEvidence(
    checks,
    input.evidence,
    ['evidence'],
    approval.evidence as CheckEvidence,
    approval.requestedChecks,
    input.missingEvidence,
  );
  if (approval.state !== 'PENDING') {
    throw new ConflictError(
      `This request was already ${approval.state.toLowerCase()}; its results are part of the decision`,
      ['approvalId'],
    );
  }
  const subject = await loadVersion(deps, viewer, row.model_version_id, ['approvalId']);
  const outcomes = await runChecks(deps, viewer.orgId, subject, checks, evidence);
  const rows = checkRows(viewer, subject.version.id, row.id, outcomes, nowIso());
  const evidenceText = JSON.stringify(evidence);
  const result = {
    approval: toApproval({ ...row, evidence: evidenceText }),
    modelVersion: toModelVersion(subject.version),
    checks: rows.map(toComplianceCheck),
  };
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'complianceCheck.run',
        subjectId: row.id,
        subjectKind: 'Approval',
        after: {
          modelVersionId: subject.version.id,
          results: resultsOf(outcomes),
          evidenceChanged: evidenceText !== row.evidence,
        },
      },
      approvalIsPending(row.id),
    ),
    ...claimWritesWhere(deps.db, claim, result, approvalIsPending(row.id)),
    ...rows.map((check) => insertComplianceCheckWhilePending(deps.db, check)),
    updateApprovalEvidence(deps.db, row.id, evidenceText),
  ]);
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError('This request was decided meanwhile; its results are final', [
      'approvalId',
    ]);
  }
  return result;
}

/** A requester's or reviewer's name as the client gives it: trimmed, 1 to 200 characters. */
function partyName(value: string | null | undefined, path: readonly string[]): string | null {
  if (value === null || value === undefined) return null;
  const name = value.trim();
  if (name.length === 0 || name.length > 200) {
    throw new ValidationError('A name of 1 to 200 characters', path);
  }
  return name;
}

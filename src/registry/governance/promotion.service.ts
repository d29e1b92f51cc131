import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import {
  aliasPointsAt,
  findAliasesByModelIds,
  findVersionsByIds,
  VERSION_GUARD_FAILURE,
} from '../model/model.repository.ts';
import {
  type AliasMove,
  aliasMoveStatements,
  createModelVersion,
  type ModelVersionCreateInput,
  moveAlias,
} from '../model/model.service.ts';
import { type ModelVersion, PRODUCTION_ALIAS } from '../model/model.ts';
import { optionalText } from '../validate.ts';
import { requireCheckList } from './checks.service.ts';
import {
  findApprovalsOfVersion,
  findLatestChecksByApprovalIds,
  findPromotionPolicy,
  upsertPromotionPolicy,
} from './governance.repository.ts';
import {
  type CheckStatus,
  type CheckType,
  defaultPromotionPolicy,
  type PromotionPolicy,
  toPromotionPolicy,
} from './governance.ts';
import { ApprovalRequiredError } from './governance-errors.ts';

export async function getPromotionPolicy(db: Db, orgId: string): Promise<PromotionPolicy> {
  const row = await findPromotionPolicy(db, orgId);
  return row ? toPromotionPolicy(row) : defaultPromotionPolicy(orgId);
}

/** Replaces the organization's promotion policy; the change is audited with before and after. */
export async function setPromotionPolicy(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: { requireApproval: boolean; requiredChecks: readonly string[] },
  claim?: IdempotencyClaim,
): Promise<PromotionPolicy> {
  const requiredChecks =
    input.requiredChecks.length === 0
      ? []
      : requireCheckList(input.requiredChecks, ['requiredChecks']);
  if (!input.requireApproval && requiredChecks.length > 0) {
    throw new ValidationError(
      'Checks can only be required of an approved request: set requireApproval or require no checks',
      ['requiredChecks'],
    );
  }
  const before = await getPromotionPolicy(deps.db, viewer.orgId);
  const now = nowIso();
  const row = {
    org_id: viewer.orgId,
    require_approval: input.requireApproval ? 1 : 0,
    required_checks: JSON.stringify(requiredChecks),
    updated_at: now,
    updated_by: viewer.userId,
  };
  const policy = toPromotionPolicy(row);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, policy),
    upsertPromotionPolicy(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'promotionPolicy.set',
      subjectId: viewer.orgId,
      subjectKind: 'Organization',
      before: {
        requireApproval: before.requireApproval,
        requiredChecks: before.requiredChecks,
        isDefault: before.isDefault,
      },
      after: { requireApproval: input.requireApproval, requiredChecks },
    }),
  ]);
  return policy;
}

/**
 * A required check counts as passed in an approved request when its latest result there is PASSED,
 * or NEEDS_REVIEW: that status asks a person to decide, and the reviewer's approval is that
 * decision. A FAILED result never counts, whoever approved.
 */
const COUNTS_AS_PASSED: ReadonlySet<CheckStatus> = new Set(['PASSED', 'NEEDS_REVIEW']);

/**
 * The promotion gate: the approved request that allows promoting the version to production under
 * the organization's policy (null when the policy asks for none), or an ApprovalRequiredError that
 * names what is missing.
 */
export async function requirePromotionApproval(
  db: Db,
  orgId: string,
  version: { id: string; version: string },
  path: readonly string[],
): Promise<{ approvalId: string | null; policy: PromotionPolicy }> {
  const policy = await getPromotionPolicy(db, orgId);
  if (!policy.requireApproval) return { approvalId: null, policy };
  const decided = await findApprovalsOfVersion(db, orgId, version.id, ['APPROVED', 'PENDING']);
  const approved = decided.filter((row) => row.state === 'APPROVED');
  const pending = decided.find((row) => row.state === 'PENDING') ?? null;
  const checks = approved.length
    ? await findLatestChecksByApprovalIds(
        db,
        orgId,
        approved.map((row) => row.id),
      )
    : [];
  let closest: {
    id: string;
    missing: CheckType[];
    statuses: { type: CheckType; status: CheckStatus }[];
  } | null = null;
  // Newest approval first: when several qualify, the promotion cites the latest.
  for (const approval of [...approved].reverse()) {
    const latest = new Map(
      checks
        .filter((check) => check.approval_id === approval.id)
        .map((check) => [check.check_type as CheckType, check.status as CheckStatus]),
    );
    const missing = policy.requiredChecks.filter((type) => {
      const status = latest.get(type);
      return !status || !COUNTS_AS_PASSED.has(status);
    });
    if (missing.length === 0) return { approvalId: approval.id, policy };
    if (!closest || missing.length < closest.missing.length) {
      closest = {
        id: approval.id,
        missing,
        statuses: policy.requiredChecks
          .filter((type) => latest.has(type))
          .map((type) => ({ type, status: latest.get(type) as CheckStatus })),
      };
    }
  }
  const missingChecks = closest?.missing ?? policy.requiredChecks;
  const needs = policy.requiredChecks.length
    ? `an approved request in which ${policy.requiredChecks.join(', ')} passed`
    : 'an approved request';
  const state = closest
    ? `the closest approved request lacks a passing ${missingChecks.join(', ')}`
    : pending
      ? 'its request is still pending review'
      : 'it has no approved request';
  throw new ApprovalRequiredError(
    `Promoting version ${version.version} to production needs ${needs} (${policy.isDefault ? 'default policy' : 'your organization’s policy'}); ${state}`,
    path,
    {
      missingChecks,
      checkStatuses: closest?.statuses ?? [],
      approvedRequestExists: approved.length > 0,
      pendingApprovalId: pending?.id ?? null,
    },
  );
}

/**
 * Moves the production alias to a version: exactly one production version per model. The
 * organization's promotion policy gates it (an ApprovalRequiredError names what is missing); the
 * audit event cites the approved request that allowed it.
 */
export async function promoteModelVersion(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: { versionId: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<AliasMove> {
  optionalText(input.reason, ['reason'], 2000);
  const [version] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  // An unknown version is reported by moveAlias as NotFoundError, like any other alias move.
  const gate = version
    ? await requirePromotionApproval(deps.db, viewer.orgId, version, ['versionId'])
    : null;
  return moveAlias(deps, viewer, {
    versionId: input.versionId,
    alias: PRODUCTION_ALIAS,
    reason: input.reason,
    action: 'model.promote',
    auditAfter: gate?.approvalId ? { approvalId: gate.approvalId } : {},
    claim,
  });
}

/**
 * Creates a version straight into production (the seed's `is_production: true`), through the
 * same gate as a promotion: under a policy that wants an approved request, which a version not yet
 * created cannot have, it is refused with nothing written. Otherwise the version, its lineage and
 * the production alias move land in one batch, audited as a creation and a promotion.
 */
export async function createVersionInProduction(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ModelVersionCreateInput,
  claim?: IdempotencyClaim,
): Promise<ModelVersion> {
  try {
    return await createModelVersion(deps, viewer, input, claim, async (model) => {
      const policy = await getPromotionPolicy(deps.db, viewer.orgId);
      if (policy.requireApproval) {
        throw new ApprovalRequiredError(
          `A version cannot enter production as it is created under ${policy.isDefault ? 'the default policy' : 'your organization’s policy'}, which needs an approved request of the version: create it, request approval, then promote it`,
          ['isProduction'],
          {
            missingChecks: policy.requiredChecks,
            checkStatuses: [],
            approvedRequestExists: false,
            pendingApprovalId: null,
          },
        );
      }
      const [current] = await findAliasesByModelIds(
        deps.db,
        viewer.orgId,
        [model.id],
        PRODUCTION_ALIAS,
      );
      const previousVersionId = current?.version_id ?? null;
      return {
        onlyIf: aliasPointsAt(model.id, PRODUCTION_ALIAS, previousVersionId),
        statements: (version, now) =>
          aliasMoveStatements(deps.db, viewer, {
            modelId: model.id,
            alias: PRODUCTION_ALIAS,
            version,
            previousVersionId,
            action: 'model.promote',
            reason: null,
            auditAfter: { atCreation: true },
            now,
          }),
      };
    });
  } catch (error) {
    if (String(error).includes(VERSION_GUARD_FAILURE)) {
      throw new ConflictError(
        'The production alias was moved by another request meanwhile; nothing was written, try again',
        ['isProduction'],
      );
    }
    throw error;
  }
}

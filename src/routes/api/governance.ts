import * as z from 'zod/mini';
import type { Context } from '../../context.ts';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { AI_ACT_OBLIGATIONS, AI_ACT_USES } from '../../registry/governance/ai-act.check.ts';
import {
  type ApprovalWithChecks,
  type ComplianceCheckRunResult,
  requestApproval,
  reviewApproval,
  runComplianceChecks,
} from '../../registry/governance/approval.service.ts';
import type { CheckEvidence } from '../../registry/governance/checks.service.ts';
import {
  type Approval,
  CHECK_TYPES,
  type ComplianceCheck,
} from '../../registry/governance/governance.ts';
import {
  approvalPagesOf,
  latestChecksOf,
  pendingApprovalPage,
} from '../../registry/governance/governance-read.service.ts';
import { resolveVersionOfModel } from '../../registry/model/model.service.ts';
import { aliasesOfModels } from '../../registry/model/model-read.service.ts';
import {
  afterId,
  anyCaseEnum,
  limit,
  ModelIdParams,
  modelOfPath,
  pageOf,
  versionOfBody,
} from './params.ts';
import {
  ApprovalJson,
  approvalJson,
  ComplianceCheckJson,
  complianceCheckJson,
  globalIdOf,
  ModelVersionJson,
  modelVersionJson,
  ResolvedVersionJson,
  resolvedVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const checkList = z
  .array(anyCaseEnum(CHECK_TYPES, 'A check.'))
  .check(z.describe(`Checks to run: ${CHECK_TYPES.join(', ')} (each once).`));

const requestedBy = z
  .nullish(z.string())
  .check(
    z.describe(
      'Who asks, in your words (e.g. "eng-team"), recorded as requested_by_name; the token’s user is the requester regardless.',
    ),
  );

const reviewedBy = z
  .nullish(z.string())
  .check(
    z.describe(
      'Who decides, in your words (e.g. "compliance-team"), recorded as reviewed_by_name; the token’s user is the reviewer regardless (never the requester).',
    ),
  );

const FairnessEvidenceBody = z.strictObject({
  protected_attribute: z.string().check(z.describe('e.g. "gender" or "age band".')),
  reference_group: z
    .nullish(z.string())
    .check(
      z.describe('The privileged group for the disparate impact ratio; default: highest rate.'),
    ),
  groups: z
    .array(
      z.strictObject({
        name: z.string().check(z.describe('The group, e.g. "female".')),
        selected: z
          .number()
          .check(z.int(), z.describe('Predicted positive: true_positives + false_positives.')),
        total: z.number().check(z.int(), z.describe('Members: TP + FP + TN + FN.')),
        true_positives: z.number().check(z.int()),
        false_positives: z.number().check(z.int()),
        true_negatives: z.number().check(z.int()),
        false_negatives: z.number().check(z.int()),
      }),
    )
    .check(z.describe('Two to 50 groups.')),
});

const AiActEvidenceBody = z.strictObject({
  intended_use: z.string().check(z.describe('The intended use, in words.')),
  uses: z
    .nullish(z.array(anyCaseEnum(Object.keys(AI_ACT_USES) as [string, ...string[]], 'A use.')))
    .check(
      z.describe('The uses it falls under (Art. 5, Annex III, Art. 50); none means minimal risk.'),
    ),
  obligations: z
    .nullish(
      z.array(
        z.strictObject({
          obligation: anyCaseEnum(
            Object.keys(AI_ACT_OBLIGATIONS) as [string, ...string[]],
            'An obligation.',
          ),
          evidence: z
            .string()
            .check(z.describe('Where the evidence is: a document URI, a ticket...')),
        }),
      ),
    )
    .check(z.describe('Evidence for the tier’s obligations.')),
});

const EvidenceBody = z
  .strictObject({
    fairness: z.nullish(FairnessEvidenceBody).check(z.describe('For FAIRNESS.')),
    ai_act: z.nullish(AiActEvidenceBody).check(z.describe('For AI_ACT.')),
  })
  .check(z.describe('What FAIRNESS and AI_ACT need beyond what the registry knows.'));

/** The snake_case evidence as the checks read it. */
function toEvidence(body: z.infer<typeof EvidenceBody> | null | undefined): CheckEvidence | null {
  if (!body) return null;
  const fairness = body.fairness;
  const aiAct = body.ai_act;
  return {
    fairness: fairness && {
      protectedAttribute: fairness.protected_attribute,
      referenceGroup: fairness.reference_group,
      groups: fairness.groups.map((group) => ({
        name: group.name,
        selected: group.selected,
        total: group.total,
        truePositives: group.true_positives,
        falsePositives: group.false_positives,
        trueNegatives: group.true_negatives,
        falseNegatives: group.false_negatives,
      })),
    },
    aiAct: aiAct && {
      intendedUse: aiAct.intended_use,
      uses: aiAct.uses as never,
      obligations: aiAct.obligations as never,
    },
  } as CheckEvidence;
}

/** Approvals with the latest result of each of their checks: one statement for the whole page. */
async function withChecks(context: Context, approvals: readonly Approval[]) {
  const checks = await latestChecksOf(
    context.deps,
    context.viewer,
    approvals.map((approval) => approval.id),
  );
  return approvals.map((approval, i) => approvalJson(approval, checks[i] ?? []));
}

const ApprovalPage = z.object({
  approvals: z.array(ApprovalJson),
  next_cursor: z
    .nullable(z.string())
    .check(z.describe('Pass as ?after= for the next page; null at the end.')),
});

const PageQuery = z.object({
  limit,
  after: z
    .optional(globalIdOf('Approval'))
    .check(z.describe('Return requests after this one (the next_cursor of the previous page).')),
});

function approvalPage(approvals: readonly Approval[], size: number) {
  return pageOf(approvals, size, (last) => encodeGlobalID('Approval', last.id));
}

// --- POST /api/governance/approvals -----------------------------------------------------------

export const approvalCreate = defineRoute({
  method: 'POST',
  path: '/api/governance/approvals',
  operationId: 'approvalCreate',
  summary:
    'Request approval of a version for production and run the requested checks now; one pending request per version.',
  graphql: 'mutation approvalRequest',
  tag: 'governance',
  scope: 'editor',
  status: 201,
  body: z.union([
    z
      .strictObject({
        version_id: globalIdOf('ModelVersion'),
        checks: checkList,
        evidence: z.nullish(EvidenceBody),
        notes: z
          .nullish(z.string())
          .check(z.describe('Why, for the reviewer (up to 10,000 characters).')),
        requested_by: requestedBy,
      })
      .check(z.describe('A version and its checks.')),
    z
      .strictObject({
        model_id: globalIdOf('Model').check(
          z.describe(
            'The model: its production version, else its newest (resolved_version says which).',
          ),
        ),
        check_types: z
          .nullish(checkList)
          .check(z.describe('The seed’s name for checks; default all four.')),
        requested_by: requestedBy,
        evidence: z.nullish(EvidenceBody),
        notes: z
          .nullish(z.string())
          .check(z.describe('Why, for the reviewer (up to 10,000 characters).')),
      })
      .check(z.describe('The seed’s shape: a model, and check_types.')),
  ]),
  response: z.extend(ApprovalJson, { resolved_version: z.optional(ResolvedVersionJson) }),
  handler: async ({ body, context, claim }) => {
    const { versionId, resolved } = await versionOfBody(context, body);
    const present = (result: ApprovalWithChecks) => ({
      ...approvalJson(result.approval, result.checks),
      ...(resolved ? { resolved_version: resolvedVersionJson(resolved) } : {}),
    });
    const result = await requestApproval(
      context.deps,
      context.viewer,
      {
        versionId,
        checks: 'checks' in body ? body.checks : (body.check_types ?? [...CHECK_TYPES]),
        evidence: toEvidence(body.evidence),
        notes: body.notes,
        requestedByName: body.requested_by,
        // The seed's shape has no way to give evidence: a check that needs some asks the reviewer.
        missingEvidence: resolved ? 'NEEDS_REVIEW' : 'REFUSE',
      },
      claim?.presenting(present),
    );
    return present(result);
  },
});

// --- GET /api/governance/approvals/pending ----------------------------------------------------

export const approvalPendingList = defineRoute({
  method: 'GET',
  path: '/api/governance/approvals/pending',
  operationId: 'approvalPendingList',
  summary: 'Approval requests of your organization waiting for a reviewer, oldest first.',
  graphql: 'query pendingApprovals(first:, after:)',
  tag: 'governance',
  scope: 'viewer',
  query: PageQuery,
  response: ApprovalPage,
  handler: async ({ query, context }) => {
    const rows = await pendingApprovalPage(context.deps, context.viewer, {
      after: afterId(query.after, 'Approval'),
      before: null,
      limit: query.limit + 1,
      inverted: false,
    });
    const { page, next_cursor } = approvalPage(rows, query.limit);
    return { approvals: await withChecks(context, page), next_cursor };
  },
});

// --- POST /api/governance/approvals/:id/review ------------------------------------------------

export const approvalReview = defineRoute({
  method: 'POST',
  path: '/api/governance/approvals/:id/review',
  operationId: 'approvalReview',
  summary:
    'Approve or reject a pending request (REVIEWER or ADMIN, never the requester); decisions are final.',
  graphql: 'mutation approvalReview',
  tag: 'governance',
  scope: 'reviewer',
  params: z.object({ id: globalIdOf('Approval') }),
  body: z.union([
    z.strictObject({
      decision: anyCaseEnum(['APPROVE', 'REJECT'] as const, 'The decision.'),
      notes: z
        .nullish(z.string())
        .check(z.describe('Why (required to reject; up to 10,000 characters).')),
      reviewed_by: reviewedBy,
    }),
    z
      .strictObject({
        approved: z.boolean().check(z.describe('true approves, false rejects.')),
        notes: z
          .nullish(z.string())
          .check(z.describe('Why (required to reject; up to 10,000 characters).')),
        reviewed_by: reviewedBy,
      })
      .check(z.describe('The seed’s shape: approved instead of decision.')),
  ]),
  inputPaths: { approvalId: ['params', 'id'] },
  response: ApprovalJson,
  handler: async ({ params, body, context, claim }) => {
    const approvalId = decodeIdOf(params.id, ['Approval'], ['params', 'id']).id;
    // A decision adds no check result: read them first, so that the answer is known when the
    // decision's batch (which stores it with an Idempotency-Key) is built.
    const [checks = []] = await latestChecksOf(context.deps, context.viewer, [approvalId]);
    const present = (approval: Approval) => approvalJson(approval, checks);
    const approval = await reviewApproval(
      context.deps,
      context.viewer,
      {
        approvalId,
        decision: 'approved' in body ? (body.approved ? 'APPROVE' : 'REJECT') : body.decision,
        notes: body.notes,
        reviewedByName: body.reviewed_by,
      },
      claim?.presenting(present),
    );
    return present(approval);
  },
});

// --- GET /api/governance/:modelId/history -----------------------------------------------------

export const governanceHistory = defineRoute({
  method: 'GET',
  path: '/api/governance/:modelId/history',
  operationId: 'governanceHistory',
  summary: 'Approval requests of all of a model’s versions, with their checks, oldest first.',
  graphql: 'query model(id:) { governanceHistory(first:, after:) }',
  tag: 'governance',
  scope: 'viewer',
  params: ModelIdParams,
  query: PageQuery,
  response: ApprovalPage,
  handler: async ({ params, query, context }) => {
    const model = await modelOfPath(context, params.modelId);
    const [rows = []] = await approvalPagesOf(
      context.deps,
      context.viewer,
      { of: 'model', ids: [model.id] },
      {
        after: afterId(query.after, 'Approval'),
        before: null,
        limit: query.limit + 1,
        inverted: false,
      },
    );
    const { page, next_cursor } = approvalPage(rows, query.limit);
    return { approvals: await withChecks(context, page), next_cursor };
  },
});

// --- POST /api/governance/:modelId/check ------------------------------------------------------

/** The latest result of each check (as latestChecksOf orders them): new over old. */
function latestChecks(
  earlier: readonly ComplianceCheck[],
  fresh: readonly ComplianceCheck[],
): ComplianceCheck[] {
  const byType = new Map(earlier.map((check) => [check.type, check]));
  for (const check of fresh) byType.set(check.type, check);
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

export const complianceCheck = defineRoute({
  method: 'POST',
  path: '/api/governance/:modelId/check',
  operationId: 'complianceCheck',
  summary:
    'Run compliance checks on one of the model’s versions (version_id + checks), or re-run those of a pending request (approval_id); without a body (as the seed sends it), every check on the model’s production version, else its newest. Results are appended.',
  graphql: 'mutation complianceCheckRun',
  tag: 'governance',
  scope: 'editor',
  params: ModelIdParams,
  body: z
    .optional(
      z.strictObject({
        version_id: z
          .nullish(globalIdOf('ModelVersion'))
          .check(
            z.describe(
              'A version of this model, checked outside any request (give this or approval_id).',
            ),
          ),
        approval_id: z
          .nullish(globalIdOf('Approval'))
          .check(
            z.describe(
              'A pending request on this model: re-runs its checks, new evidence merged over the old.',
            ),
          ),
        checks: z
          .nullish(checkList)
          .check(
            z.describe(
              'Which checks (required with version_id; default for a request: all it asked for).',
            ),
          ),
        evidence: z.nullish(EvidenceBody),
      }),
    )
    .check(z.describe('Omit it to run every check on the version resolved_version names.')),
  response: z.object({
    approval: z
      .nullable(ApprovalJson)
      .check(z.describe('The request they ran for; null for a bare version.')),
    version: ModelVersionJson,
    checks: z.array(ComplianceCheckJson).check(z.describe('The results just recorded.')),
    resolved_version: z.optional(ResolvedVersionJson),
  }),
  handler: async ({ params, body, context, claim }) => {
    const model = await modelOfPath(context, params.modelId);
    const approvalId =
      body?.approval_id == null
        ? null
        : decodeIdOf(body.approval_id, ['Approval'], ['body', 'approval_id']).id;
    // No body at all is the seed's call: the model's version by the documented rule.
    const resolved = body
      ? null
      : await resolveVersionOfModel(context.db, context.viewer.orgId, { modelId: model.id });
    const versionId =
      resolved?.version.id ??
      (body?.version_id == null
        ? null
        : decodeIdOf(body.version_id, ['ModelVersion'], ['body', 'version_id']).id);
    // The answer also shows the request's other latest results and the version's aliases: read
    // them first, so that it is known when the run's batch (which stores it with an
    // Idempotency-Key) is built. The service checks that the approval or version is this model's.
    const [[earlier = []], [aliases = []]] = await Promise.all([
      latestChecksOf(context.deps, context.viewer, approvalId ? [approvalId] : []),
      aliasesOfModels(context.deps, context.viewer, [model.id]),
    ]);
    const present = (result: ComplianceCheckRunResult) => ({
      approval: result.approval
        ? approvalJson(result.approval, latestChecks(earlier, result.checks))
        : null,
      version: modelVersionJson(
        result.modelVersion,
        aliases
          .filter((alias) => alias.versionId === result.modelVersion.id)
          .map((alias) => alias.name),
      ),
      checks: result.checks.map(complianceCheckJson),
      ...(resolved ? { resolved_version: resolvedVersionJson(resolved) } : {}),
    });
    const result = await runComplianceChecks(
      context.deps,
      context.viewer,
      {
        modelId: model.id,
        approvalId,
        versionId,
        checks: resolved ? [...CHECK_TYPES] : body?.checks,
        evidence: toEvidence(body?.evidence),
        missingEvidence: resolved ? 'NEEDS_REVIEW' : 'REFUSE',
      },
      claim?.presenting(present),
    );
    return present(result);
  },
});

/** In match order: `/approvals/...` before `/:modelId/...`. */
export const GOVERNANCE_ROUTES = [
  approvalCreate,
  approvalPendingList,
  approvalReview,
  governanceHistory,
  complianceCheck,
];

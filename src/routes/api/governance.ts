import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import type { Context } from '../../context.ts';
import { decodeIdOf, deps } from '../../global-id.ts';
import { NotFoundError } from '../../registry/errors.ts';
import { AI_ACT_OBLIGATIONS, AI_ACT_USES } from '../../registry/governance/ai-act.check.ts';
import {
  requestApproval,
  reviewApproval,
  runComplianceChecks,
} from '../../registry/governance/approval.service.ts';
import type { CheckEvidence } from '../../registry/governance/checks.service.ts';
import {
  findApprovalPages,
  findApprovalsByIds,
  findLatestChecksByApprovalIds,
  findPendingApprovalPage,
} from '../../registry/governance/governance.repository.ts';
import type { ApprovalTable } from '../../registry/governance/governance.table.ts';
import {
  type Approval,
  CHECK_TYPES,
  toApproval,
  toComplianceCheck,
} from '../../registry/governance/governance.ts';
import {
  findAliasesByVersionIds,
  findVersionsByIds,
} from '../../registry/model/model.repository.ts';
import { afterId, anyCaseEnum, limit, ModelIdParams, modelOfPath } from './params.ts';
import {
  ApprovalJson,
  approvalJson,
  ComplianceCheckJson,
  complianceCheckJson,
  globalIdOf,
  ModelVersionJson,
  modelVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const checkList = z
  .array(anyCaseEnum(CHECK_TYPES, 'A check.'))
  .describe(`Checks to run: ${CHECK_TYPES.join(', ')} (each once).`);

const FairnessEvidenceBody = z.strictObject({
  protected_attribute: z.string().describe('e.g. "gender" or "age band".'),
  reference_group: z
    .string()
    .nullish()
    .describe('The privileged group for the disparate impact ratio; default: highest rate.'),
  groups: z
    .array(
      z.strictObject({
        name: z.string().describe('The group, e.g. "female".'),
        selected: z
          .number()
          .int()
          .describe('Predicted positive: true_positives + false_positives.'),
        total: z.number().int().describe('Members: TP + FP + TN + FN.'),
        true_positives: z.number().int(),
        false_positives: z.number().int(),
        true_negatives: z.number().int(),
        false_negatives: z.number().int(),
      }),
    )
    .describe('Two to 50 groups.'),
});

const AiActEvidenceBody = z.strictObject({
  intended_use: z.string().describe('The intended use, in words.'),
  uses: z
    .array(anyCaseEnum(Object.keys(AI_ACT_USES) as [string, ...string[]], 'A use.'))
    .nullish()
    .describe('The uses it falls under (Art. 5, Annex III, Art. 50); none means minimal risk.'),
  obligations: z
    .array(
      z.strictObject({
        obligation: anyCaseEnum(
          Object.keys(AI_ACT_OBLIGATIONS) as [string, ...string[]],
          'An obligation.',
        ),
        evidence: z.string().describe('Where the evidence is: a document URI, a ticket...'),
      }),
    )
    .nullish()
    .describe('Evidence for the tier’s obligations.'),
});

const EvidenceBody = z
  .strictObject({
    fairness: FairnessEvidenceBody.nullish().describe('For FAIRNESS.'),
    ai_act: AiActEvidenceBody.nullish().describe('For AI_ACT.'),
  })
  .describe('What FAIRNESS and AI_ACT need beyond what the registry knows.');

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
async function withChecks(context: Context, rows: readonly ApprovalTable[]) {
  const checks = rows.length
    ? await findLatestChecksByApprovalIds(
        context.db,
        context.viewer.orgId,
        rows.map((row) => row.id),
      )
    : [];
  return rows.map((row) =>
    approvalJson(
      toApproval(row),
      checks.filter((check) => check.approval_id === row.id).map(toComplianceCheck),
    ),
  );
}

const ApprovalPage = z.object({
  approvals: z.array(ApprovalJson),
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as ?after= for the next page; null at the end.'),
});

const PageQuery = z.object({
  limit,
  after: globalIdOf('Approval')
    .optional()
    .describe('Return requests after this one (the next_cursor of the previous page).'),
});

function approvalPage(rows: readonly ApprovalTable[], size: number) {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    page,
    next_cursor: rows.length > size && last ? encodeGlobalID('Approval', last.id) : null,
  };
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
  body: z.strictObject({
    version_id: globalIdOf('ModelVersion'),
    checks: checkList,
    evidence: EvidenceBody.nullish(),
    notes: z.string().nullish().describe('Why, for the reviewer (up to 10,000 characters).'),
  }),
  response: ApprovalJson,
  handler: async ({ body, context }) => {
    const result = await requestApproval(
      { ...deps(context), artifacts: context.env.ARTIFACTS },
      context.viewer,
      {
        versionId: decodeIdOf(body.version_id, ['ModelVersion'], ['body', 'version_id']).id,
        checks: body.checks,
        evidence: toEvidence(body.evidence),
        notes: body.notes,
      },
    );
    return approvalJson(result.approval, result.checks);
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
    const rows = await findPendingApprovalPage(context.db, context.viewer.orgId, {
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
  body: z.strictObject({
    decision: anyCaseEnum(['APPROVE', 'REJECT'] as const, 'The decision.'),
    notes: z.string().nullish().describe('Why (required to reject; up to 10,000 characters).'),
  }),
  inputPaths: { approvalId: ['params', 'id'] },
  response: ApprovalJson,
  handler: async ({ params, body, context }) => {
    const approval = await reviewApproval(deps(context), context.viewer, {
      approvalId: decodeIdOf(params.id, ['Approval'], ['params', 'id']).id,
      decision: body.decision,
      notes: body.notes,
    });
    const checks = await findLatestChecksByApprovalIds(context.db, context.viewer.orgId, [
      approval.id,
    ]);
    return approvalJson(approval, checks.map(toComplianceCheck));
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
    const rows = await findApprovalPages(
      context.db,
      context.viewer.orgId,
      { groupBy: 'model_id', ids: [model.id] },
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

/** The approval or version a check body names must be of the model in the path. */
async function requireOfModel(
  context: Context,
  modelId: string,
  body: { approval_id?: string | null; version_id?: string | null },
): Promise<{ approvalId: string | null; versionId: string | null }> {
  let approval: Approval | null = null;
  if (body.approval_id != null) {
    const id = decodeIdOf(body.approval_id, ['Approval'], ['body', 'approval_id']).id;
    const [row] = await findApprovalsByIds(context.db, context.viewer.orgId, [id]);
    if (!row || row.model_id !== modelId) {
      throw new NotFoundError(
        'No approval of this model with this id',
        ['body', 'approval_id'],
        body.approval_id,
      );
    }
    approval = toApproval(row);
  }
  let versionId: string | null = null;
  if (body.version_id != null) {
    versionId = decodeIdOf(body.version_id, ['ModelVersion'], ['body', 'version_id']).id;
    const [row] = await findVersionsByIds(context.db, context.viewer.orgId, [versionId]);
    if (!row || row.model_id !== modelId) {
      throw new NotFoundError(
        'No version of this model with this id',
        ['body', 'version_id'],
        body.version_id,
      );
    }
  }
  return { approvalId: approval?.id ?? null, versionId };
}

export const complianceCheck = defineRoute({
  method: 'POST',
  path: '/api/governance/:modelId/check',
  operationId: 'complianceCheck',
  summary:
    'Run compliance checks on one of the model’s versions (version_id + checks), or re-run those of a pending request (approval_id); results are appended.',
  graphql: 'mutation complianceCheckRun',
  tag: 'governance',
  scope: 'editor',
  params: ModelIdParams,
  body: z.strictObject({
    version_id: globalIdOf('ModelVersion')
      .nullish()
      .describe('A version of this model, checked outside any request (give this or approval_id).'),
    approval_id: globalIdOf('Approval')
      .nullish()
      .describe(
        'A pending request on this model: re-runs its checks, new evidence merged over the old.',
      ),
    checks: checkList
      .nullish()
      .describe(
        'Which checks (required with version_id; default for a request: all it asked for).',
      ),
    evidence: EvidenceBody.nullish(),
  }),
  response: z.object({
    approval: ApprovalJson.nullable().describe(
      'The request they ran for; null for a bare version.',
    ),
    version: ModelVersionJson,
    checks: z.array(ComplianceCheckJson).describe('The results just recorded.'),
  }),
  handler: async ({ params, body, context }) => {
    const model = await modelOfPath(context, params.modelId);
    const { approvalId, versionId } = await requireOfModel(context, model.id, body);
    const result = await runComplianceChecks(
      { ...deps(context), artifacts: context.env.ARTIFACTS },
      context.viewer,
      { approvalId, versionId, checks: body.checks, evidence: toEvidence(body.evidence) },
    );
    const approval = result.approval
      ? approvalJson(
          result.approval,
          (
            await findLatestChecksByApprovalIds(context.db, context.viewer.orgId, [
              result.approval.id,
            ])
          ).map(toComplianceCheck),
        )
      : null;
    const aliases = await findAliasesByVersionIds(context.db, context.viewer.orgId, [
      result.modelVersion.id,
    ]);
    return {
      approval,
      version: modelVersionJson(
        result.modelVersion,
        aliases.map((alias) => alias.name),
      ),
      checks: result.checks.map(complianceCheckJson),
    };
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

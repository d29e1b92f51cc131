import { decodeIdOf } from '../../global-id.ts';
import { ForbiddenError } from '../../registry/errors.ts';
import { reviewApproval } from '../../registry/governance/approval.service.ts';
import type { Approval } from '../../registry/governance/governance.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ApprovalRef } from '../nodes/Approval.ts';

const ReviewDecisionEnum = builder.enumType('ReviewDecision', {
  description: 'A reviewer’s decision.',
  values: {
    APPROVE: { value: 'APPROVE', description: 'Approve the version for production.' },
    REJECT: { value: 'REJECT', description: 'Reject the request (notes required).' },
  } as const,
});

const ApprovalReviewInput = builder.inputType('ApprovalReviewInput', {
  description: 'A decision on a pending approval request.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    approvalId: t.id({ required: true, description: 'Global ID of the request.' }),
    decision: t.field({ type: ReviewDecisionEnum, required: true, description: 'The decision.' }),
    notes: t.string({ description: 'Why (required to reject; up to 10,000 characters).' }),
    reviewedByName: t.string({
      description:
        'Who decides, in your words (e.g. "compliance-team"; 1 to 200 characters), kept beside the acting user, who still must not be the requester.',
    }),
  }),
});

const ApprovalReviewPayload = builder.objectRef<{ approval: Approval }>('ApprovalReviewPayload');
ApprovalReviewPayload.implement({
  description: 'The decided request.',
  fields: (t) => ({
    approval: t.field({
      type: ApprovalRef,
      description: 'The request, APPROVED or REJECTED.',
      resolve: (p) => p.approval,
    }),
  }),
});

const ApprovalReviewResult = mutationResult('approvalReview', ApprovalReviewPayload, [
  ...COMMON_ERRORS,
  ForbiddenError,
]);

builder.mutationField('approvalReview', (t) =>
  t.field({
    type: ApprovalReviewResult,
    description:
      'Approves or rejects a pending request (REVIEWER or ADMIN, never the requester); approving writes the APPROVED_BY edge. Decisions are final.',
    authScopes: { reviewer: true },
    args: {
      input: t.arg({ type: ApprovalReviewInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        approval: await idempotent(context, 'approvalReview', input, (claim) =>
          reviewApproval(
            context.deps,
            context.viewer,
            {
              approvalId: decodeIdOf(input.approvalId, ['Approval'], ['approvalId']).id,
              decision: input.decision,
              notes: input.notes,
              reviewedByName: input.reviewedByName,
            },
            claim,
          ),
        ),
      })),
  }),
);

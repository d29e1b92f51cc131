import { decodeIdOf } from '../../global-id.ts';
import {
  type ApprovalWithChecks,
  requestApproval,
} from '../../registry/governance/approval.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ApprovalRef } from '../nodes/Approval.ts';
import { ApprovalEvidenceInput, toCheckEvidence } from '../objects/ApprovalEvidenceInput.ts';
import { CheckTypeEnum, ComplianceCheckRef } from '../objects/ComplianceCheck.ts';

const ApprovalRequestInput = builder.inputType('ApprovalRequestInput', {
  description: 'A request to approve a version, with the checks to run and their evidence.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the version.' }),
    checks: t.field({
      type: [CheckTypeEnum],
      required: true,
      description: 'The checks to run now (one to four, each once).',
    }),
    evidence: t.field({
      type: ApprovalEvidenceInput,
      description: 'Evidence for FAIRNESS and AI_ACT (required when those are requested).',
    }),
    notes: t.string({ description: 'Why, for the reviewer (up to 10,000 characters).' }),
    requestedByName: t.string({
      description:
        'Who asks, in your words (e.g. "eng-team"; 1 to 200 characters), kept beside the acting user.',
    }),
  }),
});

const ApprovalRequestPayload = builder
  .objectRef<ApprovalWithChecks>('ApprovalRequestPayload')
  .implement({
    description: 'The pending request and the results of its checks.',
    fields: (t) => ({
      approval: t.field({
        type: ApprovalRef,
        description: 'The new request, PENDING.',
        resolve: (p) => p.approval,
      }),
      checks: t.field({
        type: [ComplianceCheckRef],
        description: 'The checks run for it.',
        resolve: (p) => p.checks,
      }),
    }),
  });

const ApprovalRequestResult = mutationResult('approvalRequest', ApprovalRequestPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('approvalRequest', (t) =>
  t.field({
    type: ApprovalRequestResult,
    description:
      'Asks for a version to be approved for production and runs the requested checks at once; one pending request per version.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ApprovalRequestInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'approvalRequest', input, (claim) =>
          requestApproval(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              checks: input.checks,
              evidence: toCheckEvidence(input.evidence),
              notes: input.notes,
              requestedByName: input.requestedByName,
            },
            claim,
          ),
        ),
      ),
  }),
);

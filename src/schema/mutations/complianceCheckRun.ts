import { decodeIdOf } from '../../global-id.ts';
import {
  type ComplianceCheckRunResult,
  runComplianceChecks,
} from '../../registry/governance/approval.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ApprovalRef } from '../nodes/Approval.ts';
import { ApprovalEvidenceInput, toCheckEvidence } from '../objects/ApprovalEvidenceInput.ts';
import { CheckTypeEnum, ComplianceCheckRef } from '../objects/ComplianceCheck.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ComplianceCheckRunInput = builder.inputType('ComplianceCheckRunInput', {
  description: 'Checks to re-run: on a pending request, or on a version outside any request.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    approvalId: t.id({
      description: 'A pending request: re-runs its checks, with new evidence merged over the old.',
    }),
    versionId: t.id({
      description: 'A version, checked outside any request (give one of the two).',
    }),
    checks: t.field({
      type: [CheckTypeEnum],
      description:
        'Which checks (default for a request: all it asked for; required for a version).',
    }),
    evidence: t.field({
      type: ApprovalEvidenceInput,
      description: 'New evidence for FAIRNESS and AI_ACT.',
    }),
  }),
});

const ComplianceCheckRunPayload = builder
  .objectRef<ComplianceCheckRunResult>('ComplianceCheckRunPayload')
  .implement({
    description: 'The results of the checks just run.',
    fields: (t) => ({
      approval: t.field({
        type: ApprovalRef,
        nullable: true,
        description: 'The request they belong to; null for a version checked on its own.',
        resolve: (p) => p.approval,
      }),
      modelVersion: t.field({
        type: ModelVersionRef,
        description: 'The version checked.',
        resolve: (p) => p.modelVersion,
      }),
      checks: t.field({
        type: [ComplianceCheckRef],
        description: 'The results.',
        resolve: (p) => p.checks,
      }),
    }),
  });

const ComplianceCheckRunResultUnion = mutationResult(
  'complianceCheckRun',
  ComplianceCheckRunPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('complianceCheckRun', (t) =>
  t.field({
    type: ComplianceCheckRunResultUnion,
    description:
      'Re-runs compliance checks on demand; results are appended, the latest per check is current.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ComplianceCheckRunInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'complianceCheckRun', input, (claim) =>
          runComplianceChecks(
            context.deps,
            context.viewer,
            {
              approvalId:
                input.approvalId == null
                  ? null
                  : decodeIdOf(input.approvalId, ['Approval'], ['approvalId']).id,
              versionId:
                input.versionId == null
                  ? null
                  : decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              checks: input.checks,
              evidence: toCheckEvidence(input.evidence),
            },
            claim,
          ),
        ),
      ),
  }),
);

import { decodeIdOf } from '../../global-id.ts';
import { ApprovalRequiredError } from '../../registry/governance/governance-errors.ts';
import { promoteModelVersion } from '../../registry/governance/promotion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { aliasMovePayload } from '../objects/AliasMove.ts';

const ModelVersionPromoteInput = builder.inputType('ModelVersionPromoteInput', {
  description: 'The version to make its model’s production version.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the version.' }),
    reason: t.string({ description: 'Why, for the audit trail (up to 2,000 characters).' }),
  }),
});

const ModelVersionPromotePayload = aliasMovePayload(
  'ModelVersionPromotePayload',
  'The promoted version and the one it displaced.',
);

const ModelVersionPromoteResult = mutationResult(
  'modelVersionPromote',
  ModelVersionPromotePayload,
  [...COMMON_ERRORS, ApprovalRequiredError],
);

builder.mutationField('modelVersionPromote', (t) =>
  t.field({
    type: ModelVersionPromoteResult,
    description:
      'Makes a version its model’s production version (exactly one per model) if the promotion policy is met; the move is audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionPromoteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'modelVersionPromote', input, (claim) =>
          promoteModelVersion(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);

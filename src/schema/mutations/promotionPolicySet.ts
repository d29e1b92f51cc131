import type { PromotionPolicy } from '../../registry/governance/governance.ts';
import { setPromotionPolicy } from '../../registry/governance/promotion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { CheckTypeEnum } from '../objects/ComplianceCheck.ts';
import { PromotionPolicyRef } from '../objects/PromotionPolicy.ts';

const PromotionPolicySetInput = builder.inputType('PromotionPolicySetInput', {
  description: 'The promotion policy to apply from now on.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    requireApproval: t.boolean({
      required: true,
      description: 'Whether promotion needs an approved request.',
    }),
    requiredChecks: t.field({
      type: [CheckTypeEnum],
      required: true,
      description: 'Checks that must have passed in it (empty: any approved request will do).',
    }),
  }),
});

const PromotionPolicySetPayload = builder.objectRef<{ policy: PromotionPolicy }>(
  'PromotionPolicySetPayload',
);
PromotionPolicySetPayload.implement({
  description: 'The policy now in force.',
  fields: (t) => ({
    policy: t.field({
      type: PromotionPolicyRef,
      description: 'The policy.',
      resolve: (p) => p.policy,
    }),
  }),
});

const PromotionPolicySetResult = mutationResult('promotionPolicySet', PromotionPolicySetPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('promotionPolicySet', (t) =>
  t.field({
    type: PromotionPolicySetResult,
    description: 'Sets your organization’s promotion policy (admins); the change is audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: PromotionPolicySetInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        policy: await idempotent(context, 'promotionPolicySet', input, (claim) =>
          setPromotionPolicy(context.deps, context.viewer, input, claim),
        ),
      })),
  }),
);

import type { PromotionPolicy } from '../../registry/governance/governance.ts';
import { getPromotionPolicy } from '../../registry/governance/promotion.service.ts';
import { builder } from '../builder.ts';
import { CheckTypeEnum } from './ComplianceCheck.ts';
import { UserRef } from './refs.ts';

export const PromotionPolicyRef = builder.objectRef<PromotionPolicy>('PromotionPolicy').implement({
  description: 'What a version needs before modelVersionPromote may make it production.',
  fields: (t) => ({
    requireApproval: t.exposeBoolean('requireApproval', {
      description: 'Whether an approved request is needed at all.',
    }),
    requiredChecks: t.field({
      type: [CheckTypeEnum],
      description:
        'Checks that must have passed (or been reviewed, NEEDS_REVIEW) in an approved request; FAILED never counts.',
      resolve: (policy) => policy.requiredChecks,
    }),
    isDefault: t.exposeBoolean('isDefault', {
      description: 'True when your organization never set a policy: all four checks are required.',
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the policy was last set.',
      resolve: (policy) => policy.updatedAt,
    }),
    updatedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who last set it.',
      resolve: (policy) => policy.updatedById,
    }),
  }),
});

builder.queryField('promotionPolicy', (t) =>
  t.field({
    type: PromotionPolicyRef,
    description: 'Your organization’s promotion policy.',
    resolve: (_root, _args, context) => getPromotionPolicy(context.db, context.viewer.orgId),
  }),
);

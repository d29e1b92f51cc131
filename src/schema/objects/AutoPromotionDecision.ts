// What an auto-promotion run decided (autoPromotionRun), and why.
import type { PromotionDecision } from '../../registry/usage/auto-promotion.service.ts';
import { builder } from '../builder.ts';
import { AbTestReportRef } from './AbTestReport.ts';
import { AutoPromotionRuleRef } from './AutoPromotionRule.ts';
import { ModelRef, ModelVersionRef } from './refs.ts';

const PromotionOutcomeEnum = builder.enumType('AutoPromotionOutcome', {
  description: 'What an automatic promotion run did or would do.',
  values: {
    PROMOTED: {
      value: 'PROMOTED' as const,
      description: 'The winner was promoted through the promotion gate.',
    },
    WOULD_PROMOTE: {
      value: 'WOULD_PROMOTE' as const,
      description: 'Dry run: the winner would be promoted.',
    },
    ALREADY_PRODUCTION: {
      value: 'ALREADY_PRODUCTION' as const,
      description: 'The winner is already the production version.',
    },
    NO_WINNER: { value: 'NO_WINNER' as const, description: 'No version is significantly best.' },
    REFUSED: {
      value: 'REFUSED' as const,
      description: 'The promotion gate refused (for example a missing approval).',
    },
    RULE_DISABLED: { value: 'RULE_DISABLED' as const, description: 'The rule is disabled.' },
  },
});

export const PromotionDecisionRef = builder.objectRef<PromotionDecision>('AutoPromotionDecision');
PromotionDecisionRef.implement({
  description: 'The decision of an automatic promotion run, with the comparison behind it.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (d) => d.modelId }),
    outcome: t.field({
      type: PromotionOutcomeEnum,
      description: 'What happened.',
      resolve: (d) => d.outcome,
    }),
    dryRun: t.exposeBoolean('dryRun', { description: 'True when nothing was written.' }),
    winner: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The significantly best version, if any.',
      resolve: (d) => d.winnerVersionId,
    }),
    previousProductionVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The production version before the run.',
      resolve: (d) => d.previousVersionId,
    }),
    eligibleVersions: t.field({
      type: [ModelVersionRef],
      description: 'Versions within the rule’s ceilings.',
      resolve: (d) => d.eligibleVersionIds,
    }),
    comparison: t.field({
      type: AbTestReportRef,
      description: 'The comparison of the model’s versions (verdict over the eligible ones).',
      resolve: (d) => ({ ...d.report, kind: 'VERSION' as const }),
    }),
    rule: t.field({
      type: AutoPromotionRuleRef,
      description: 'The rule applied.',
      resolve: (d) => d.rule,
    }),
    reason: t.exposeString('reason', { description: 'The decision in words.' }),
  }),
});

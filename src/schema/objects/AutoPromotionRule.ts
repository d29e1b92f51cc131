// A model's automatic promotion rule (autoPromotionRuleSet): when the registry promotes for you.
import type { AutoPromotionRule } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { ExperimentRef, ModelRef } from './refs.ts';

const PromotionObjectiveEnumValues = {
  QUALITY_PER_DOLLAR: {
    value: 'QUALITY_PER_DOLLAR' as const,
    description: 'Highest mean quality per dollar (per request: quality / cost).',
  },
  QUALITY_UNDER_CEILINGS: {
    value: 'QUALITY_UNDER_CEILINGS' as const,
    description:
      'Highest mean quality among versions under the p95 latency and mean cost ceilings.',
  },
};

export const PromotionObjectiveEnum = builder.enumType('PromotionObjective', {
  description: 'What an automatic promotion rule maximises.',
  values: PromotionObjectiveEnumValues,
});

export const AutoPromotionRuleRef = builder.objectRef<AutoPromotionRule>('AutoPromotionRule');
AutoPromotionRuleRef.implement({
  description: 'A model’s opt-in rule for promoting the significantly best version automatically.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (r) => r.modelId }),
    objective: t.field({
      type: PromotionObjectiveEnum,
      description: 'What is maximised.',
      resolve: (r) => r.objective,
    }),
    significanceLevel: t.exposeFloat('significanceLevel', {
      description: 'Alpha of the tests (Bonferroni-adjusted over the comparisons).',
    }),
    minSamples: t.exposeInt('minSamples', {
      description: 'Requests each version needs to take part.',
    }),
    maxLatencyMs: t.exposeFloat('maxLatencyMs', {
      nullable: true,
      description: 'p95 latency ceiling.',
    }),
    maxCostUsd: t.exposeFloat('maxCostUsd', {
      nullable: true,
      description: 'Mean cost ceiling per request.',
    }),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'Only requests of this experiment count, when set.',
      resolve: (r) => r.experimentId,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether runs may promote.' }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'Last change.',
      resolve: (r) => r.updatedAt,
    }),
  }),
});

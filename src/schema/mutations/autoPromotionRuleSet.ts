import { decodeIdOf } from '../../global-id.ts';
import { setAutoPromotionRule } from '../../registry/usage/auto-promotion.service.ts';
import type { AutoPromotionRule } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { AutoPromotionRuleRef, PromotionObjectiveEnum } from '../objects/AutoPromotionRule.ts';

const AutoPromotionRuleSetInput = builder.inputType('AutoPromotionRuleSetInput', {
  description: 'A model’s automatic promotion rule (replaces any earlier one).',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    objective: t.field({
      type: PromotionObjectiveEnum,
      required: true,
      description: 'What to maximise.',
    }),
    significanceLevel: t.float({ description: 'Alpha, between 0 and 0.5 (default 0.05).' }),
    minSamples: t.int({ description: 'Requests each version needs to take part (default 30).' }),
    maxLatencyMs: t.float({ description: 'p95 latency ceiling, for QUALITY_UNDER_CEILINGS.' }),
    maxCostUsd: t.float({
      description: 'Mean cost ceiling per request, for QUALITY_UNDER_CEILINGS.',
    }),
    experimentId: t.id({ description: 'Count only this experiment’s requests.' }),
    enabled: t.boolean({ description: 'Whether runs may promote (default true).' }),
  }),
});

const AutoPromotionRuleSetPayload = builder.objectRef<{ rule: AutoPromotionRule }>(
  'AutoPromotionRuleSetPayload',
);
AutoPromotionRuleSetPayload.implement({
  description: 'The stored rule.',
  fields: (t) => ({
    rule: t.field({ type: AutoPromotionRuleRef, description: 'The rule.', resolve: (p) => p.rule }),
  }),
});

const AutoPromotionRuleSetResult = mutationResult(
  'autoPromotionRuleSet',
  AutoPromotionRuleSetPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('autoPromotionRuleSet', (t) =>
  t.field({
    type: AutoPromotionRuleSetResult,
    description: 'Opts a model into automatic promotion, or changes its rule; audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: AutoPromotionRuleSetInput, required: true, description: 'The rule.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const { idempotencyKey: _key, ...rule } = input;
        const decoded = {
          ...rule,
          modelId: decodeIdOf(String(input.modelId), ['Model'], ['modelId']).id,
          experimentId: input.experimentId
            ? decodeIdOf(String(input.experimentId), ['Experiment'], ['experimentId']).id
            : null,
        };
        return {
          rule: await idempotent(context, 'autoPromotionRuleSet', input, (claim) =>
            setAutoPromotionRule(context.deps, context.viewer, decoded, claim),
          ),
        };
      }),
  }),
);

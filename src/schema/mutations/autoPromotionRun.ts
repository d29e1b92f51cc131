import { decodeIdOf } from '../../global-id.ts';
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import {
  type PromotionDecision,
  runAutoPromotion,
} from '../../registry/usage/auto-promotion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { PromotionDecisionRef } from '../objects/AutoPromotionDecision.ts';

const AutoPromotionRunInput = builder.inputType('AutoPromotionRunInput', {
  description: 'Evaluate a model’s automatic promotion rule over a time range.',
  fields: (t) => ({
    modelId: t.id({ required: true, description: 'Global ID of the model.' }),
    from: t.field({
      type: 'DateTime',
      description: 'Start (inclusive); default 30 days before `to`.',
    }),
    to: t.field({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    dryRun: t.boolean({
      required: true,
      defaultValue: false,
      description: 'Show what would happen; write nothing.',
    }),
  }),
});

const AutoPromotionRunPayload = builder.objectRef<{ decision: PromotionDecision }>(
  'AutoPromotionRunPayload',
);
AutoPromotionRunPayload.implement({
  description: 'The decision.',
  fields: (t) => ({
    decision: t.field({
      type: PromotionDecisionRef,
      description: 'What was decided.',
      resolve: (p) => p.decision,
    }),
  }),
});

const AutoPromotionRunResult = mutationResult('autoPromotionRun', AutoPromotionRunPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('autoPromotionRun', (t) =>
  t.field({
    type: AutoPromotionRunResult,
    description:
      'Compares the model’s versions under its rule and promotes a significant winner through the same gate as modelVersionPromote (as you). The decision and its statistics are audited; dryRun writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: AutoPromotionRunInput, required: true, description: 'What to run.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        decision: await runAutoPromotion(context.deps, context.viewer, {
          modelId: decodeIdOf(String(input.modelId), ['Model'], ['modelId']).id,
          range: requireRange(input.from, input.to, []),
          dryRun: input.dryRun,
        }),
      })),
  }),
);

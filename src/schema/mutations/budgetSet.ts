import { decodeIdOf } from '../../global-id.ts';
import { setBudget } from '../../registry/budget/budget.service.ts';
import { type Budget, SCOPE_KINDS } from '../../registry/budget/budget.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { BudgetPeriodEnum, BudgetRef, BudgetScopeEnum } from '../objects/Budget.ts';

const BudgetSetInput = builder.inputType('BudgetSetInput', {
  description:
    'A budget; the same scope, scopeId and period again changes its limit, thresholds and enforcement.',
  fields: (t) => ({
    scope: t.field({ type: BudgetScopeEnum, required: true, description: 'What it limits.' }),
    scopeId: t.id({
      description:
        'Global ID of the model, API token or experiment (by scope); absent for ORGANIZATION.',
    }),
    period: t.field({ type: BudgetPeriodEnum, required: true, description: 'DAY or MONTH (UTC).' }),
    limitUsd: t.float({ required: true, description: 'The limit per period in USD (> 0).' }),
    thresholds: t.floatList({
      description:
        'Fractions of the limit in (0, 1], strictly increasing, announced once per period when reached (default [0.5, 0.8, 1.0]; at most 10).',
    }),
    enforce: t.boolean({
      description: 'Refuse requests that would take spend past the limit (default false).',
    }),
  }),
});

const BudgetSetPayload = builder.objectRef<{ budget: Budget }>('BudgetSetPayload');
BudgetSetPayload.implement({
  description: 'The stored budget.',
  fields: (t) => ({
    budget: t.field({ type: BudgetRef, description: 'The budget.', resolve: (p) => p.budget }),
  }),
});

/** The row id a scope's global ID names; for ORGANIZATION, whatever was sent (the service refuses it). */
export function budgetScopeId(
  scope: Budget['scope'],
  scopeId: string | null,
  path: readonly string[],
): string | null {
  if (scopeId === null || scope === 'ORGANIZATION') return scopeId;
  return decodeIdOf(scopeId, [SCOPE_KINDS[scope]], path).id;
}

const BudgetSetResult = mutationResult('budgetSet', BudgetSetPayload, [...COMMON_ERRORS]);

builder.mutationField('budgetSet', (t) =>
  t.field({
    type: BudgetSetResult,
    description:
      'Sets a spend budget on the organization, a model, an API token or an experiment, per UTC day or month (admins; audited as budget.set). Spend is counted at track time; with enforce, inferenceTrack answers BudgetExceededError instead of overshooting.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: BudgetSetInput, required: true, description: 'The budget.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        budget: await setBudget(context.deps, context.viewer, {
          scope: input.scope,
          scopeId: budgetScopeId(
            input.scope,
            input.scopeId === null || input.scopeId === undefined ? null : String(input.scopeId),
            ['scopeId'],
          ),
          period: input.period,
          limitUsd: input.limitUsd,
          thresholds: input.thresholds ?? null,
          enforce: input.enforce ?? null,
        }),
      })),
  }),
);

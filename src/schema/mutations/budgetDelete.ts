import { decodeIdOf } from '../../global-id.ts';
import { removeBudget } from '../../registry/budget/budget.service.ts';
import type { Budget } from '../../registry/budget/budget.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { BudgetRef } from '../objects/Budget.ts';

const BudgetDeleteInput = builder.inputType('BudgetDeleteInput', {
  description: 'The budget to delete.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the budget (Budget.id).' }),
  }),
});

const BudgetDeletePayload = builder.objectRef<{ budget: Budget }>('BudgetDeletePayload');
BudgetDeletePayload.implement({
  description: 'The deleted budget.',
  fields: (t) => ({
    budget: t.field({
      type: BudgetRef,
      description: 'The budget as it was.',
      resolve: (p) => p.budget,
    }),
  }),
});

const BudgetDeleteResult = mutationResult('budgetDelete', BudgetDeletePayload, [...COMMON_ERRORS]);

builder.mutationField('budgetDelete', (t) =>
  t.field({
    type: BudgetDeleteResult,
    description:
      'Deletes a budget (admins; audited as budget.deleted): its limit no longer applies.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: BudgetDeleteInput, required: true, description: 'Which.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        budget: await removeBudget(
          context.deps,
          context.viewer,
          decodeIdOf(String(input.id), ['Budget'], ['id']).id,
        ),
      })),
  }),
);

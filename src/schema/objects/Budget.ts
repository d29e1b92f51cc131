// Budgets (budgetSet, budgets, budgetDelete; docs/budgets.md): spend limits counted at track time,
// and the error an enforced one answers inferenceTrack with.
import { encodeGlobalID } from '../../global-id.ts';
import { BudgetExceededError } from '../../registry/budget/budget.service.ts';
import {
  type BUDGET_PERIODS,
  type BUDGET_SCOPES,
  type Budget,
  SCOPE_KINDS,
} from '../../registry/budget/budget.ts';
import {
  type BudgetPeriodState,
  type BudgetWithPeriod,
  budgetsOf,
} from '../../registry/budget/budget-read.service.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from '../errors.ts';
import { requestNow } from '../lib/range-loaders.ts';

export const BudgetScopeEnum = builder.enumType('BudgetScope', {
  description: 'What a budget limits.',
  values: {
    ORGANIZATION: { value: 'ORGANIZATION', description: 'Every request of the organization.' },
    MODEL: { value: 'MODEL', description: 'The requests of one registered model.' },
    API_TOKEN: { value: 'API_TOKEN', description: 'The requests tracked with one API token.' },
    EXPERIMENT: { value: 'EXPERIMENT', description: 'The requests of one A/B experiment.' },
  } as const satisfies Record<(typeof BUDGET_SCOPES)[number], unknown>,
});

export const BudgetPeriodEnum = builder.enumType('BudgetPeriod', {
  description: 'The period a budget’s spend is counted over, in UTC.',
  values: {
    DAY: { value: 'DAY', description: 'A UTC day.' },
    MONTH: { value: 'MONTH', description: 'A UTC calendar month.' },
  } as const satisfies Record<(typeof BUDGET_PERIODS)[number], unknown>,
});

const BudgetPeriodStateRef = builder.objectRef<BudgetPeriodState>('BudgetPeriodState');
BudgetPeriodStateRef.implement({
  description: 'A budget’s running period.',
  fields: (t) => ({
    start: t.field({
      type: 'DateTime',
      description: 'Start (inclusive).',
      resolve: (p) => p.start,
    }),
    end: t.field({ type: 'DateTime', description: 'End (exclusive).', resolve: (p) => p.end }),
    spentUsd: t.exposeFloat('spentUsd', {
      description: 'Spend counted in the period (USD; unpriced requests count 0).',
    }),
    crossedThresholds: t.floatList({
      description: 'Thresholds crossed (and announced as budget.thresholdCrossed) this period.',
      resolve: (p) => p.crossedThresholds,
    }),
    refusedCount: t.exposeInt('refusedCount', {
      description: 'Requests the budget refused this period (enforced budgets only).',
    }),
    refusedUsd: t.exposeFloat('refusedUsd', {
      description: 'What the refused requests would have cost.',
    }),
  }),
});

export const BudgetRef = builder.objectRef<Budget>('Budget');
BudgetRef.implement({
  description:
    'A spend limit on a scope and period, counted at track time. With enforce, a request that would take spend past the limit is refused (BudgetExceededError); thresholds are announced once per period (audit action budget.thresholdCrossed).',
  fields: (t) => ({
    id: t.globalID({
      description: 'Global ID of the budget (for budgetDelete).',
      resolve: (budget) => ({ type: 'Budget', id: budget.id }),
    }),
    scope: t.field({
      type: BudgetScopeEnum,
      description: 'What it limits.',
      resolve: (b) => b.scope,
    }),
    scopeId: t.id({
      nullable: true,
      description: 'Global ID of the model, API token or experiment; null for ORGANIZATION.',
      resolve: (b) =>
        b.scope === 'ORGANIZATION' || b.scopeId === null
          ? null
          : encodeGlobalID(SCOPE_KINDS[b.scope], b.scopeId),
    }),
    period: t.field({
      type: BudgetPeriodEnum,
      description: 'Its period.',
      resolve: (b) => b.period,
    }),
    limitUsd: t.exposeFloat('limitUsd', { description: 'The limit per period, in USD.' }),
    thresholds: t.floatList({
      description: 'Fractions of the limit announced when first reached in a period.',
      resolve: (b) => [...b.thresholds],
    }),
    enforce: t.exposeBoolean('enforce', {
      description: 'Whether requests past the limit are refused.',
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When set first.',
      resolve: (b) => b.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When last set.',
      resolve: (b) => b.updatedAt,
    }),
  }),
});

const BudgetStatusRef = builder.objectRef<BudgetWithPeriod>('BudgetStatus');
BudgetStatusRef.implement({
  description: 'A budget and its running period.',
  fields: (t) => ({
    budget: t.field({ type: BudgetRef, description: 'The budget.', resolve: (s) => s.budget }),
    currentPeriod: t.field({
      type: BudgetPeriodStateRef,
      description: 'The period holding `at` (default now).',
      resolve: (s) => s.current,
    }),
  }),
});

builder.queryField('budgets', (t) =>
  t.field({
    type: [BudgetStatusRef],
    description:
      'Your organization’s budgets (at most 100), each with its period’s spend, crossed thresholds and refusals.',
    args: {
      at: t.arg({
        type: 'DateTime',
        description: 'A time in the period to show (default now).',
      }),
    },
    resolve: (_root, args, context) =>
      budgetsOf(context.deps, context.viewer, args.at ?? requestNow(context)),
  }),
);

builder.objectType(BudgetExceededError, {
  name: 'BudgetExceededError',
  description:
    'An enforced budget refused the call: recording it would take the period’s spend past the limit. Nothing of the call was recorded; the refusal is counted on the budget.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof BudgetExceededError,
  fields: (t) => ({
    budget: t.field({ type: BudgetRef, description: 'The budget.', resolve: (e) => e.budget }),
    limitUsd: t.exposeFloat('limitUsd', { description: 'Its limit (USD).' }),
    spentUsd: t.exposeFloat('spentUsd', { description: 'Spend of the period so far (USD).' }),
    requestedUsd: t.exposeFloat('requestedUsd', {
      description: 'What the refused call would have added (USD).',
    }),
    periodStart: t.field({
      type: 'DateTime',
      description: 'Start of the period.',
      resolve: (e) => e.periodStart,
    }),
  }),
});

// REST twins of the budgets (GraphQL budgetSet, budgets, budgetDelete; docs/budgets.md).
import * as z from 'zod/mini';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { removeBudget, setBudget } from '../../registry/budget/budget.service.ts';
import {
  BUDGET_PERIODS,
  BUDGET_SCOPES,
  type Budget,
  SCOPE_KINDS,
} from '../../registry/budget/budget.ts';
import { type BudgetWithPeriod, budgetsOf } from '../../registry/budget/budget-read.service.ts';
import { ValidationError } from '../../registry/errors.ts';
import { defineRoute } from './route.ts';

const globalId = (kind: string) =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(200),
      z.describe(`Global ID of a ${kind}, as the GraphQL API returns it.`),
    );

/** Upper-cases before matching, as the other routes' enums do. */
function anyCase<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z.pipe(
    z.pipe(
      z.string().check(z.describe(`${description} One of ${values.join(', ')} (any case).`)),
      z.transform((value: string) => value.toUpperCase()),
    ),
    z.enum(values),
  );
}

const BudgetJson = z.object({
  id: globalId('Budget'),
  scope: z.enum(BUDGET_SCOPES),
  scope_id: z
    .nullable(z.string())
    .check(z.describe('Global ID of the scope; null for ORGANIZATION.')),
  period: z.enum(BUDGET_PERIODS),
  limit_usd: z.number(),
  thresholds: z.array(z.number()),
  enforce: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

function budgetJson(budget: Budget): z.infer<typeof BudgetJson> {
  return {
    id: encodeGlobalID('Budget', budget.id),
    scope: budget.scope,
    scope_id:
      budget.scope === 'ORGANIZATION' || budget.scopeId === null
        ? null
        : encodeGlobalID(SCOPE_KINDS[budget.scope], budget.scopeId),
    period: budget.period,
    limit_usd: budget.limitUsd,
    thresholds: [...budget.thresholds],
    enforce: budget.enforce,
    created_at: budget.createdAt.toISOString(),
    updated_at: budget.updatedAt.toISOString(),
  };
}

const oneBudgetJson = (budget: Budget) => ({ budget: budgetJson(budget) });

const BudgetSetBody = z.strictObject({
  scope: anyCase(BUDGET_SCOPES, 'What it limits.'),
  scope_id: z.nullish(globalId('Model, ApiToken or Experiment')),
  period: anyCase(BUDGET_PERIODS, 'DAY or MONTH (UTC).'),
  limit_usd: z.number().check(z.describe('The limit per period in USD (> 0).')),
  thresholds: z.nullish(
    z
      .array(z.number())
      .check(z.describe('Fractions of the limit in (0, 1], increasing (default [0.5, 0.8, 1]).')),
  ),
  enforce: z.nullish(z.boolean().check(z.describe('Refuse requests past the limit.'))),
});

export const budgetSet = defineRoute({
  method: 'POST',
  path: '/api/budgets',
  operationId: 'budgetSet',
  summary:
    'Set a spend budget on the organization, a model, an API token or an experiment, per UTC day or month; the same scope and period again changes it. Admins; audited.',
  graphql: 'mutation budgetSet',
  tag: 'vibe',
  scope: 'admin',
  body: BudgetSetBody,
  response: z.object({ budget: BudgetJson }),
  handler: async ({ body, context, claim }) => {
    const scopeId = body.scope_id ?? null;
    return oneBudgetJson(
      await setBudget(
        context.deps,
        context.viewer,
        {
          scope: body.scope,
          scopeId:
            scopeId === null || body.scope === 'ORGANIZATION'
              ? scopeId
              : decodeIdOf(scopeId, [SCOPE_KINDS[body.scope]], ['body', 'scope_id']).id,
          period: body.period,
          limitUsd: body.limit_usd,
          thresholds: body.thresholds ?? null,
          enforce: body.enforce ?? null,
        },
        claim?.presenting(oneBudgetJson),
      ),
    );
  },
});

export const budgetDelete = defineRoute({
  method: 'DELETE',
  path: '/api/budgets/:id',
  operationId: 'budgetDelete',
  summary: 'Delete a budget: its limit no longer applies. Admins; audited.',
  graphql: 'mutation budgetDelete',
  tag: 'vibe',
  scope: 'admin',
  params: z.object({ id: globalId('Budget') }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ budget: BudgetJson }),
  handler: async ({ params, context, claim }) =>
    oneBudgetJson(
      await removeBudget(
        context.deps,
        context.viewer,
        decodeIdOf(params.id, ['Budget'], ['params', 'id']).id,
        claim?.presenting(oneBudgetJson),
      ),
    ),
});

function statusJson(status: BudgetWithPeriod) {
  return {
    budget: budgetJson(status.budget),
    current_period: {
      start: status.current.start.toISOString(),
      end: status.current.end.toISOString(),
      spent_usd: status.current.spentUsd,
      crossed_thresholds: status.current.crossedThresholds,
      refused_count: status.current.refusedCount,
      refused_usd: status.current.refusedUsd,
    },
  };
}

const BudgetsQuery = z.object({
  at: z.optional(
    z.string().check(z.describe('A time in the period to show, ISO-8601 (default now).')),
  ),
});

export const budgets = defineRoute({
  method: 'GET',
  path: '/api/budgets',
  operationId: 'budgets',
  summary:
    'Your organization’s budgets with their period’s spend, crossed thresholds and refusals.',
  graphql: 'query budgets',
  tag: 'vibe',
  scope: 'viewer',
  query: BudgetsQuery,
  inputPaths: { at: ['query', 'at'] },
  response: z.object({
    budgets: z.array(
      z.object({
        budget: BudgetJson,
        current_period: z.object({
          start: z.string(),
          end: z.string(),
          spent_usd: z.number(),
          crossed_thresholds: z.array(z.number()),
          refused_count: z.number(),
          refused_usd: z.number(),
        }),
      }),
    ),
  }),
  handler: async ({ query, context }) => {
    const at = query.at;
    const when = at === undefined ? new Date() : new Date(at);
    if (Number.isNaN(when.getTime())) {
      throw new ValidationError('Must be an ISO-8601 time', ['query', 'at']);
    }
    return { budgets: (await budgetsOf(context.deps, context.viewer, when)).map(statusJson) };
  },
});

export const BUDGET_ROUTES = [budgetSet, budgetDelete, budgets];

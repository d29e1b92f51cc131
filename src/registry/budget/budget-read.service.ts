import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { findBudgetsOfOrganization, findRefusals } from './budget.repository.ts';
import { type Budget, periodOf, termsOf, toBudget } from './budget.ts';

/** A budget with its running period as its counter and D1 see it. */
export interface BudgetWithPeriod {
  budget: Budget;
  current: BudgetPeriodState;
}

export interface BudgetPeriodState {
  start: Date;
  end: Date;
  spentUsd: number;
  /** Thresholds announced this period (budget.thresholdCrossed written). */
  crossedThresholds: number[];
  refusedCount: number;
  refusedUsd: number;
}

/**
 * The organization's budgets (at most 100), each with the period holding `at`: spend from its
 * counter (seeded from D1 when the period is new), refusals from D1. Two statements and one
 * counter call per budget.
 */
export async function budgetsOf(
  deps: Pick<Deps, 'db' | 'budgetCounters'>,
  viewer: Viewer,
  at: Date,
): Promise<BudgetWithPeriod[]> {
  const budgets = (await findBudgetsOfOrganization(deps.db, viewer.orgId)).map(toBudget);
  if (budgets.length === 0) return [];
  const periods = budgets.map((budget) => periodOf(budget.period, at));
  const [states, refusals] = await Promise.all([
    Promise.all(
      budgets.map((budget, index) => {
        const period = periods[index] as { start: Date; end: Date };
        return deps.budgetCounters.state(termsOf(budget), {
          start: period.start.toISOString(),
          end: period.end.toISOString(),
        });
      }),
    ),
    findRefusals(
      deps.db,
      viewer.orgId,
      budgets.map((budget, index) => [
        budget.id,
        (periods[index] as { start: Date }).start.toISOString(),
      ]),
    ),
  ]);
  const refusalOf = new Map(
    refusals.map((row) => [`${row.budget_id}\u0000${row.period_start}`, row]),
  );
  return budgets.map((budget, index) => {
    const period = periods[index] as { start: Date; end: Date };
    const state = states[index];
    const refusal = refusalOf.get(`${budget.id}\u0000${period.start.toISOString()}`);
    return {
      budget,
      current: {
        start: period.start,
        end: period.end,
        spentUsd: Math.round((state?.spentUsd ?? 0) * 1e9) / 1e9,
        crossedThresholds: state?.fired ?? [],
        refusedCount: refusal?.refused_count ?? 0,
        refusedUsd: refusal?.refused_usd ?? 0,
      },
    };
  });
}

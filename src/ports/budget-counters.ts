// The budgets' spend counters behind the BudgetCounters port: one Durable Object per budget
// (src/budget-counter.ts), addressed by the budget's id. Local workerd (wrangler dev, the tests)
// runs Durable Objects for real, so the same code path is tested.
import type { BudgetCounter } from '../budget-counter.ts';
import type { BudgetCounters } from '../registry/budget/budget.ts';

export function durableBudgetCounters(
  namespace: DurableObjectNamespace<BudgetCounter>,
): BudgetCounters {
  const stub = (budgetId: string) => namespace.get(namespace.idFromName(budgetId));
  return {
    reserve: (request) => stub(request.terms.id).reserve(request),
    release: (budgetId, request) => stub(budgetId).release(request),
    state: (terms, period) => stub(terms.id).state(terms, period),
    reconcile: (terms, period, before, holder) =>
      stub(terms.id).reconcile(terms, period, before, holder),
  };
}

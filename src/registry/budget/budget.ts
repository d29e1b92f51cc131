import type { BudgetTable } from './budget.table.ts';

export const BUDGET_SCOPES = ['ORGANIZATION', 'MODEL', 'API_TOKEN', 'EXPERIMENT'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_PERIODS = ['DAY', 'MONTH'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** The node kind a scope id names (its global ID's type). */
export const SCOPE_KINDS = {
  MODEL: 'Model',
  API_TOKEN: 'ApiToken',
  EXPERIMENT: 'Experiment',
} as const satisfies Record<Exclude<BudgetScope, 'ORGANIZATION'>, string>;

export const DEFAULT_THRESHOLDS: readonly number[] = [0.5, 0.8, 1.0];

export interface Budget {
  kind: 'Budget';
  id: string;
  orgId: string;
  scope: BudgetScope;
  /** Null for ORGANIZATION. */
  scopeId: string | null;
  period: BudgetPeriod;
  limitUsd: number;
  thresholds: readonly number[];
  enforce: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function toBudget(row: BudgetTable): Budget {
  return {
    kind: 'Budget',
    id: row.id,
    orgId: row.org_id,
    scope: row.scope as BudgetScope,
    scopeId: row.scope_id === '' ? null : row.scope_id,
    period: row.period as BudgetPeriod,
    limitUsd: row.limit_usd,
    thresholds: JSON.parse(row.thresholds) as number[],
    enforce: row.enforce === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The UTC period (day or calendar month) that holds `at`: [start, end). */
export function periodOf(period: BudgetPeriod, at: Date): { start: Date; end: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === 'DAY') {
    const start = Date.UTC(y, m, at.getUTCDate());
    return { start: new Date(start), end: new Date(start + 86_400_000) };
  }
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

/** What a budget's counter needs to know of it: sent with every call, so it never reads D1 for it. */
export interface BudgetTerms {
  id: string;
  orgId: string;
  scope: BudgetScope;
  scopeId: string | null;
  limitUsd: number;
  thresholds: readonly number[];
  enforce: boolean;
}

export function termsOf(budget: Budget): BudgetTerms {
  return {
    id: budget.id,
    orgId: budget.orgId,
    scope: budget.scope,
    scopeId: budget.scopeId,
    limitUsd: budget.limitUsd,
    thresholds: budget.thresholds,
    enforce: budget.enforce,
  };
}

/** One request's claim on a budget: its de-duplication key and cost (0 when unpriced). */
export interface BudgetItem {
  key: string;
  costUsd: number;
}

export interface ReserveRequest {
  terms: BudgetTerms;
  /** ISO start and end of the period the items fall in. */
  periodStart: string;
  periodEnd: string;
  /** Unique to one tracking call: what a release names. */
  holder: string;
  items: readonly BudgetItem[];
}

export type ReserveResult =
  | {
      ok: true;
      /** Spend of the period before and after this call's new items. */
      spentBefore: number;
      spentAfter: number;
      /** Thresholds this call crossed first in the period: it writes their events. */
      crossed: number[];
    }
  | {
      ok: false;
      spentUsd: number;
      /** The cost of the items that would have been added. */
      requestedUsd: number;
      /** Thresholds the refused demand reached first (with enforce, 1.0 is reached by refusal). */
      crossed: number[];
    };

export interface ReleaseRequest {
  periodStart: string;
  holder: string;
  keys: readonly string[];
}

export interface PeriodState {
  periodStart: string;
  spentUsd: number;
  /** Thresholds whose event was written this period. */
  fired: number[];
  refusedCount: number;
}

/**
 * The per-budget spend counters (a Durable Object per budget, src/budget-counter.ts): every
 * reservation of one budget goes through one single-threaded object, so concurrent tracking calls
 * never both take the last dollars.
 */
/** What settling a counter's old reservations did (the scheduled job). */
export interface SettleResult {
  /** Reservations whose request D1 holds: dropped from the counter's storage, spend unchanged. */
  forgotten: number;
  /** Reservations D1 never recorded: their cost given back to the period. */
  released: number;
  releasedUsd: number;
}

/** What the scheduled job's one call to a counter did (BudgetCounters.reconcile). */
export interface ReconcileResult {
  settled: SettleResult;
  /** The period's spend after settling. */
  spentUsd: number;
  /** Thresholds the spend reaches that no call announced, now marked for `holder` to announce. */
  thresholds: number[];
}

export interface BudgetCounters {
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  release(budgetId: string, request: ReleaseRequest): Promise<void>;
  state(terms: BudgetTerms, period: { start: string; end: string }): Promise<PeriodState>;
  /**
   * The scheduled job's catch-up, one round trip: settles the reservations made before `before`
   * against what D1 recorded, then marks the thresholds the period's spend reaches that no call
   * announced.
   */
  reconcile(
    terms: BudgetTerms,
    period: { start: string; end: string },
    before: string,
    holder: string,
  ): Promise<ReconcileResult>;
}

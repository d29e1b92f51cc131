/** A spend limit on a scope and period (migration 0016). */
export interface BudgetTable {
  id: string;
  org_id: string;
  scope: string;
  /** '' for ORGANIZATION. */
  scope_id: string;
  period: string;
  limit_usd: number;
  /** JSON array of fractions of the limit, strictly increasing, each in (0, 1]. */
  thresholds: string;
  enforce: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

/** Requests an enforced budget refused in one period. */
export interface BudgetRefusalTable {
  budget_id: string;
  period_start: string;
  org_id: string;
  refused_count: number;
  refused_usd: number;
  last_refused_at: string;
}

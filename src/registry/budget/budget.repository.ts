import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { BudgetRefusalTable, BudgetTable } from './budget.table.ts';
import type { BudgetScope } from './budget.ts';

/** Budgets one organization may hold: all of them are read by each tracking call. */
export const MAX_BUDGETS_PER_ORGANIZATION = 100;

/** Every column of a budget row, for reads that carry rows as JSON (src/db/json-sets.ts). */
export const BUDGET_COLUMNS = [
  'id',
  'org_id',
  'scope',
  'scope_id',
  'period',
  'limit_usd',
  'thresholds',
  'enforce',
  'created_at',
  'created_by',
  'updated_at',
] as const satisfies readonly (keyof BudgetTable)[];

export function budgetsOfOrganizationQuery(db: Db, orgId: string) {
  return db
    .selectFrom('budget')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(MAX_BUDGETS_PER_ORGANIZATION);
}

export function findBudgetsOfOrganization(db: Db, orgId: string) {
  return budgetsOfOrganizationQuery(db, orgId).execute();
}

export function findBudgetById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('budget')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findBudgetByKey(
  db: Db,
  orgId: string,
  key: { scope: string; scopeId: string; period: string },
) {
  return db
    .selectFrom('budget')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('scope', '=', key.scope)
    .where('scope_id', '=', key.scopeId)
    .where('period', '=', key.period)
    .executeTakeFirst();
}

/** Insert, or change the limit, thresholds and enforcement of the budget with the same key. */
export function upsertBudget(db: Db, row: BudgetTable) {
  return db
    .insertInto('budget')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['org_id', 'scope', 'scope_id', 'period']).doUpdateSet({
        limit_usd: row.limit_usd,
        thresholds: row.thresholds,
        enforce: row.enforce,
        updated_at: row.updated_at,
      }),
    );
}

export function deleteBudget(db: Db, orgId: string, id: string) {
  return db.deleteFrom('budget').where('org_id', '=', orgId).where('id', '=', id);
}

export function deleteRefusalsOfBudget(db: Db, budgetId: string) {
  return db.deleteFrom('budget_refusal').where('budget_id', '=', budgetId);
}

/** Adds refused requests to a budget's period (only if the budget still exists). */
export function addRefusal(db: Db, row: BudgetRefusalTable) {
  return sql`
    INSERT INTO budget_refusal (budget_id, period_start, org_id, refused_count, refused_usd, last_refused_at)
    SELECT ${row.budget_id}, ${row.period_start}, ${row.org_id}, ${row.refused_count}, ${row.refused_usd}, ${row.last_refused_at}
    WHERE EXISTS (SELECT 1 FROM budget WHERE id = ${row.budget_id})
    ON CONFLICT (budget_id, period_start) DO UPDATE SET
      refused_count = refused_count + excluded.refused_count,
      refused_usd = refused_usd + excluded.refused_usd,
      last_refused_at = max(last_refused_at, excluded.last_refused_at)
  `.compile(db);
}

/** Each budget's refusals in one period each: pairs [budgetId, periodStart] as one JSON parameter. */
export function findRefusals(db: Db, orgId: string, keys: readonly [string, string][]) {
  return db
    .selectFrom('budget_refusal')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(
      sql<boolean>`(budget_id, period_start) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(keys)}))`,
    )
    .execute();
}

/**
 * What D1 already holds as spend for a scope in [from, to): how a budget's counter seeds a new
 * period (a budget set mid-period, a counter that lost its state). Periods start on whole hours,
 * so the hourly rollup (kept exact by triggers) answers every scope but API_TOKEN, which the
 * rollup does not split by; that one reads the raw requests of the organization.
 */
export async function sumSpend(
  db: Db,
  orgId: string,
  scope: { scope: BudgetScope; scopeId: string | null },
  range: { from: string; to: string },
): Promise<number> {
  if (scope.scope === 'API_TOKEN') {
    const row = await db
      .selectFrom('inference_request')
      .select(sql<number>`coalesce(sum(cost_usd), 0)`.as('spent'))
      .where('org_id', '=', orgId)
      .where('token_id', '=', scope.scopeId)
      .where('requested_at', '>=', range.from)
      .where('requested_at', '<', range.to)
      .executeTakeFirst();
    return Number(row?.spent ?? 0);
  }
  let query = db
    .selectFrom('usage_rollup_hourly')
    .select(sql<number>`coalesce(sum(cost_sum), 0)`.as('spent'))
    .where('org_id', '=', orgId)
    .where('hour', '>=', range.from)
    .where('hour', '<', range.to);
  if (scope.scope === 'MODEL') query = query.where('model_id', '=', scope.scopeId ?? '');
  if (scope.scope === 'EXPERIMENT') query = query.where('experiment_id', '=', scope.scopeId ?? '');
  const row = await query.executeTakeFirst();
  return Number(row?.spent ?? 0);
}

/** The thresholds whose event was already written for a budget's period (a counter's seed). */
export async function findAnnouncedThresholds(
  db: Db,
  orgId: string,
  budgetId: string,
  periodStart: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('audit_event')
    .select(sql<number>`json_extract(after, '$.threshold')`.as('threshold'))
    .where('org_id', '=', orgId)
    .where('subject_id', '=', budgetId)
    .where('action', '=', 'budget.thresholdCrossed')
    .where(sql<boolean>`json_extract(after, '$.periodStart') = ${periodStart}`)
    .execute();
  return rows.map((row) => Number(row.threshold));
}

export function findOrganizationIds(db: Db) {
  return db.selectFrom('organization').select('id').orderBy('id').execute();
}

export function findOrganizationIdsWithBudgets(db: Db) {
  return db
    .selectFrom('organization')
    .select('id')
    .where('budget_count', '>', 0)
    .orderBy('id')
    .execute();
}

/**
 * Which of a counter's reservation keys D1 recorded as requests: `row:<id>`, `key:<idempotency
 * key>` or `span:<trace id>:<span id>` (the keys trackInferences reserves under).
 */
export async function findRecordedReservationKeys(
  db: Db,
  orgId: string,
  keys: readonly string[],
): Promise<Set<string>> {
  const rowIds: string[] = [];
  const idempotencyKeys: string[] = [];
  const traceIds: string[] = [];
  for (const key of keys) {
    if (key.startsWith('row:')) rowIds.push(key.slice(4));
    else if (key.startsWith('key:')) idempotencyKeys.push(key.slice(4));
    else if (key.startsWith('span:')) traceIds.push(key.slice(5, key.lastIndexOf(':')));
  }
  if (rowIds.length + idempotencyKeys.length + traceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('inference_request')
    .select(['id', 'idempotency_key', 'trace_id', 'span_id'])
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('id', 'in', jsonKeys(rowIds)),
        eb('idempotency_key', 'in', jsonKeys(idempotencyKeys)),
        eb('trace_id', 'in', jsonKeys(traceIds)),
      ]),
    )
    .execute();
  const found = new Set<string>();
  for (const row of rows) {
    found.add(`row:${row.id}`);
    if (row.idempotency_key) found.add(`key:${row.idempotency_key}`);
    if (row.trace_id && row.span_id) found.add(`span:${row.trace_id}:${row.span_id}`);
  }
  return found;
}

import { env } from 'cloudflare:test';
import { expect } from 'vitest';

/** Every table an idempotent mutation writes to, counted for one organization. */
export const WRITTEN_TABLES = [
  'model',
  'model_version',
  'dataset',
  'dataset_governance',
  'deployment',
  'experiment',
  'edge',
  'audit_event',
  'metric_point',
  'inference_request',
  'approval',
  'compliance_check',
  'artifact',
  'user',
  'erasure_request',
  'model_alias',
  'promotion_policy',
  'model_price',
  'auto_promotion_rule',
  'provider_model_map',
  'inference_score',
  'webhook',
  'webhook_delivery',
  'budget',
  'idempotency_key',
] as const;

export type TableCounts = Record<(typeof WRITTEN_TABLES)[number], number>;

/** Row counts of every written table for one organization, in one statement. */
export async function tableCounts(orgId: string): Promise<TableCounts> {
  const columns = WRITTEN_TABLES.map(
    (table) => `(SELECT count(*) FROM "${table}" WHERE org_id = ?1) AS "${table}"`,
  );
  const row = await env.DB.prepare(`SELECT ${columns.join(', ')}`)
    .bind(orgId)
    .first<TableCounts>();
  if (!row) throw new Error('no counts');
  return row;
}

/** The counts after minus before, leaving out tables that did not change. */
export function growth(before: TableCounts, after: TableCounts): Partial<TableCounts> {
  const changed: Partial<TableCounts> = {};
  for (const table of WRITTEN_TABLES) {
    if (after[table] !== before[table]) changed[table] = after[table] - before[table];
  }
  return changed;
}

export async function expectUnchanged(orgId: string, before: TableCounts) {
  expect(await tableCounts(orgId)).toEqual(before);
}

export async function keyRows(orgId: string) {
  const { results } = await env.DB.prepare(
    'SELECT scope, key, state, created_at, expires_at FROM idempotency_key WHERE org_id = ? ORDER BY scope, key, id',
  )
    .bind(orgId)
    .all<{ scope: string; key: string; state: string; created_at: string; expires_at: string }>();
  return results;
}

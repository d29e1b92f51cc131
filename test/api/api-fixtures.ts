import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { ORG_TABLES } from '../helpers/fixtures.ts';

/** The registry tables plus those the governance, performance and usage routes write. */
const API_TABLES = [
  ...ORG_TABLES,
  'approval',
  'compliance_check',
  'dataset_governance',
  'metric_point',
  'inference_request',
] as const;

export type ApiRowCounts = Record<(typeof API_TABLES)[number], number>;

/** How many rows each of those tables holds for one organization, in one statement. */
export async function apiRowCounts(orgId: string): Promise<ApiRowCounts> {
  const columns = API_TABLES.map(
    (table) => `(SELECT count(*) FROM "${table}" WHERE org_id = ?1) AS "${table}"`,
  );
  const row = await env.DB.prepare(`SELECT ${columns.join(', ')}`)
    .bind(orgId)
    .first<ApiRowCounts>();
  if (!row) throw new Error('no counts');
  return row;
}

/** Asserts that a refused write left every table of the organization as it was. */
export async function expectApiNothingWritten(orgId: string, before: ApiRowCounts) {
  expect(await apiRowCounts(orgId)).toEqual(before);
}

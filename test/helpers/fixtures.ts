import { env } from 'cloudflare:test';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import type { Role, Viewer } from '../../src/auth/viewer.ts';
import { durableBudgetCounters } from '../../src/ports/budget-counters.ts';
import { registerDataset } from '../../src/registry/dataset/dataset.service.ts';
import { createDeployment } from '../../src/registry/deployment/deployment.service.ts';
import { createExperiment } from '../../src/registry/experiment/experiment.service.ts';
import {
  createModelVersion,
  type ModelRegisterInput,
  type ModelVersionCreateInput,
  registerModel,
} from '../../src/registry/model/model.service.ts';
import { type GraphQLResponse, type TestOrg, testDb } from './graphql.ts';

/** What the services take: the Kysely db, the raw D1 binding (for batches), budget counters. */
export function serviceDeps() {
  return { db: testDb(), d1: env.DB, budgetCounters: durableBudgetCounters(env.BUDGET_COUNTER) };
}

/** The viewer a request with the org's token of `role` would resolve to. */
export function viewerOf(org: TestOrg, role: Role = 'EDITOR'): Viewer {
  return {
    userId: org.userIds[role],
    orgId: org.orgId,
    role,
    tokenId: '',
    webhooks: false,
    budgets: false,
  };
}

/** The global ID clients see for a row id (Pothos' default encoding). */
export function globalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}

/** The row id behind a global ID returned by the API. */
export function rowId(id: string): string {
  return decodeGlobalID(id).id;
}

/** A global ID of the right shape for a row that does not exist. */
export function unknownId(typename: string): string {
  return encodeGlobalID(typename, crypto.randomUUID());
}

export const ORG_TABLES = [
  'model',
  'model_version',
  'model_alias',
  'dataset',
  'deployment',
  'experiment',
  'edge',
  'audit_event',
  'user',
  'api_token',
] as const;

export type RowCounts = Record<(typeof ORG_TABLES)[number], number>;

/** How many rows each table holds for one organization, in one statement. */
export async function rowCounts(orgId: string): Promise<RowCounts> {
  const columns = ORG_TABLES.map(
    (table) => `(SELECT count(*) FROM "${table}" WHERE org_id = ?1) AS "${table}"`,
  );
  const row = await env.DB.prepare(`SELECT ${columns.join(', ')}`)
    .bind(orgId)
    .first<RowCounts>();
  if (!row) throw new Error('no counts');
  return row;
}

/** Asserts that no table of the organization gained or lost a row since `before`. */
export async function expectNothingWritten(orgId: string, before: RowCounts): Promise<void> {
  expect(await rowCounts(orgId)).toEqual(before);
}

/** The audit events of an organization, oldest first, with before/after parsed. */
export async function auditEvents(orgId: string, filter: { action?: string; subjectId?: string }) {
  let query = testDb().selectFrom('audit_event').selectAll().where('org_id', '=', orgId);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => ({
    ...row,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
  }));
}

/** The result of one root field, after asserting the request had no top-level errors. */
// biome-ignore lint/suspicious/noExplicitAny: response shapes are checked by the assertions that follow
export function fieldOf<T = any>(response: GraphQLResponse, field: string): T {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data?.[field] as T;
}

/** The single top-level error of a refused request. */
export function topLevelError(response: GraphQLResponse) {
  expect(response.errors, 'expected a top-level error').toHaveLength(1);
  return response.errors?.[0] as NonNullable<GraphQLResponse['errors']>[number];
}

// Set-up through the services: fast (no HTTP), and the same rules as the API.

export function seedModel(org: TestOrg, name: string, input: Partial<ModelRegisterInput> = {}) {
  return registerModel(serviceDeps(), viewerOf(org), { name, ...input });
}

export function seedVersion(
  org: TestOrg,
  modelId: string,
  version: string,
  input: Partial<ModelVersionCreateInput> = {},
) {
  return createModelVersion(serviceDeps(), viewerOf(org), { modelId, version, ...input });
}

export function seedDataset(org: TestOrg, name: string) {
  return registerDataset(serviceDeps(), viewerOf(org), { name, uri: `r2://datasets/${name}` });
}

export function seedDeployment(
  org: TestOrg,
  name: string,
  modelVersions: { versionId: string; properties?: unknown }[] = [],
) {
  return createDeployment(serviceDeps(), viewerOf(org), {
    name,
    environment: 'production',
    modelVersions,
  });
}

export function seedExperiment(org: TestOrg, name: string) {
  return createExperiment(serviceDeps(), viewerOf(org), { name });
}

import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { type JsonSet, jsonSet, readJsonSets } from '../../db/json-sets.ts';
import { BUDGET_COLUMNS, budgetsOfOrganizationQuery } from '../budget/budget.repository.ts';
import type { BudgetTable } from '../budget/budget.table.ts';
import { jsonKeys } from '../keys.ts';
import { findDistributions } from '../metrics/distribution.repository.ts';
import { bucketExpression } from '../metrics/metrics.repository.ts';
import type { Granularity, TimeRange } from '../metrics/metrics.ts';
import { versionsByIdsQuery } from '../model/model.repository.ts';
import { orgRowsByIdsQuery } from '../org-rows.ts';
import type { PageRequest } from '../paging.ts';
import type {
  AutoPromotionRuleTable,
  InferenceRequestTable,
  ModelPriceTable,
  UnmatchedInferenceTable,
} from './usage.table.ts';
import { type BreakdownColumn, EMPTY_TOTALS, type UsageTotals } from './usage.ts';
import { type ArmSelection, armScope, scopeWhere } from './usage-scope.ts';

/** Requests per INSERT statement: the rows travel as one JSON parameter (D1: 100 parameters). */
export const REQUESTS_PER_STATEMENT = 250;

const INFERENCE_COLUMNS = [
  'id',
  'org_id',
  'model_id',
  'version_id',
  'deployment_id',
  'experiment_id',
  'provider',
  'provider_model',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_source',
  'price_id',
  'quality',
  'status',
  'idempotency_key',
  'request_hash',
  'requested_at',
  'created_at',
  'created_by',
  'trace_id',
  'span_id',
  'token_id',
  'end_user_id',
] as const satisfies readonly (keyof InferenceRequestTable)[];

/**
 * Inserts many requests from one JSON parameter. No ON CONFLICT clause: a key stored by a
 * concurrent call since the service read the keys fails the statement and the whole batch, and the
 * service starts over (it then replays or refuses that key) instead of committing the rest of the
 * batch around a key it had not checked.
 */
export function insertInferenceRequests(db: Db, rows: readonly InferenceRequestTable[]) {
  return insertJsonRows(db, 'inference_request', INFERENCE_COLUMNS, rows);
}

/** One INSERT of many rows from a single JSON parameter (D1 binds at most 100 parameters). */
function insertJsonRows<Row>(
  db: Db,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
) {
  const names = sql.raw(columns.join(', '));
  const values = sql.raw(columns.map((column) => `r.value ->> '$.${column}'`).join(', '));
  return sql`
    INSERT INTO ${sql.table(table)} (${names})
    SELECT ${values} FROM json_each(${JSON.stringify(rows)}) AS r
  `.compile(db);
}

/** Every price of these providers; matching patterns happens in code (GLOB on few rows). */
export function findPricesOfProviders(db: Db, orgId: string, providers: readonly string[]) {
  return pricesOfProvidersQuery(db, orgId, providers)
    .orderBy('provider')
    .orderBy('model_pattern')
    .orderBy('effective_from')
    .orderBy('id')
    .execute();
}

function pricesOfProvidersQuery(db: Db, orgId: string, providers: readonly string[]) {
  return db
    .selectFrom('model_price')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('provider', 'in', jsonKeys(providers));
}

/** What one call of trackInferences names, per kind; an empty list is not read. */
export interface TrackingKeys {
  modelIds: readonly string[];
  versionIds: readonly string[];
  deploymentIds: readonly string[];
  experimentIds: readonly string[];
  /** Providers of the requests that bring no cost (only those need a price). */
  pricedProviders: readonly string[];
  idempotencyKeys: readonly string[];
  traceIds: readonly string[];
  /** Whether to read the organization's budgets too (it has some: viewer.budgets). */
  budgets: boolean;
}

const PRICE_COLUMNS = [
  'id',
  'org_id',
  'provider',
  'model_pattern',
  'input_per_million',
  'output_per_million',
  'cached_input_per_million',
  'reasoning_per_million',
  'effective_from',
  'created_at',
  'created_by',
] as const satisfies readonly (keyof ModelPriceTable)[];

/**
 * Everything a call of trackInferences checks its requests against, in the caller's organization,
 * as ONE statement (src/db/json-sets.ts): the models, versions, deployments and experiments they
 * name, the prices of their providers (every price of them: matching patterns happens in code, on
 * few rows), requests already stored under their idempotency keys or spans, and spans stored as
 * unmatched usage, and the organization's budgets when it has any. A tracked request then costs
 * its token lookup, this read and its write batch (and, with budgets, its counters' calls).
 */
export function findTrackingReferences(db: Db, orgId: string, keys: TrackingKeys) {
  const when = <Row>(list: readonly string[], set: () => JsonSet<Row>) =>
    list.length ? set() : null;
  return readJsonSets(db, {
    models: when(keys.modelIds, () =>
      jsonSet<{ id: string }>(orgRowsByIdsQuery(db, 'model', orgId, keys.modelIds), ['id']),
    ),
    versions: when(keys.versionIds, () =>
      jsonSet<{ id: string; model_id: string }>(versionsByIdsQuery(db, orgId, keys.versionIds), [
        'id',
        'model_id',
      ]),
    ),
    deployments: when(keys.deploymentIds, () =>
      jsonSet<{ id: string }>(orgRowsByIdsQuery(db, 'deployment', orgId, keys.deploymentIds), [
        'id',
      ]),
    ),
    experiments: when(keys.experimentIds, () =>
      jsonSet<{ id: string }>(orgRowsByIdsQuery(db, 'experiment', orgId, keys.experimentIds), [
        'id',
      ]),
    ),
    prices: when(keys.pricedProviders, () =>
      jsonSet<ModelPriceTable>(
        pricesOfProvidersQuery(db, orgId, keys.pricedProviders),
        PRICE_COLUMNS,
      ),
    ),
    existing: when(keys.idempotencyKeys, () =>
      jsonSet<InferenceRequestTable>(
        db
          .selectFrom('inference_request')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('idempotency_key', 'in', jsonKeys(keys.idempotencyKeys)),
        INFERENCE_COLUMNS,
      ),
    ),
    spanRows: when(keys.traceIds, () =>
      jsonSet<InferenceRequestTable>(
        requestsByTraceIdsQuery(db, orgId, keys.traceIds),
        INFERENCE_COLUMNS,
      ),
    ),
    unmatchedRows: when(keys.traceIds, () =>
      jsonSet<{ trace_id: string; span_id: string }>(
        db
          .selectFrom('unmatched_inference')
          .select(['trace_id', 'span_id'])
          .where('org_id', '=', orgId)
          .where('trace_id', 'in', jsonKeys(keys.traceIds)),
        ['trace_id', 'span_id'],
      ),
    ),
    budgets: keys.budgets
      ? jsonSet<BudgetTable>(budgetsOfOrganizationQuery(db, orgId), BUDGET_COLUMNS)
      : null,
  });
}

export function findPrice(
  db: Db,
  orgId: string,
  key: { provider: string; modelPattern: string; effectiveFrom: string },
) {
  return db
    .selectFrom('model_price')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('provider', '=', key.provider)
    .where('model_pattern', '=', key.modelPattern)
    .where('effective_from', '=', key.effectiveFrom)
    .executeTakeFirst();
}

/** Adds a price, or replaces the one with the same provider, pattern and effective date. */
export function upsertPrice(db: Db, row: ModelPriceTable) {
  return db
    .insertInto('model_price')
    .values(row)
    .onConflict((conflict) =>
      conflict.columns(['org_id', 'provider', 'model_pattern', 'effective_from']).doUpdateSet({
        input_per_million: row.input_per_million,
        output_per_million: row.output_per_million,
        cached_input_per_million: row.cached_input_per_million,
        reasoning_per_million: row.reasoning_per_million,
        created_at: row.created_at,
        created_by: row.created_by,
      }),
    );
}

export function findPricePage(db: Db, orgId: string, provider: string | null, page: PageRequest) {
  let query = db.selectFrom('model_price').selectAll().where('org_id', '=', orgId);
  if (provider !== null) query = query.where('provider', '=', provider);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

/** The requests of these models in [from, to): the range every usage figure reads. */
function modelRange(orgId: string, modelIds: readonly string[], range: TimeRange) {
  return sql`${scopeWhere(orgId, { kind: 'models', ids: modelIds }, 'raw')}
    AND requested_at >= ${range.from} AND requested_at < ${range.to}`;
}

const TOTALS_COLUMNS = sql`
  count(*) AS requests,
  coalesce(sum(status = 'SUCCESS'), 0) AS successful,
  coalesce(sum(status = 'ERROR'), 0) AS errors,
  coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens,
  coalesce(sum(cached_tokens), 0) AS cached_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
  sum(cost_usd) AS cost,
  count(cost_usd) AS priced,
  coalesce(sum(CASE WHEN cost_usd IS NOT NULL THEN input_tokens + output_tokens END), 0) AS priced_tokens,
  avg(latency_ms) AS mean_latency,
  avg(quality) AS mean_quality,
  count(quality) AS quality_n,
  count(CASE WHEN cost_usd IS NOT NULL THEN quality END) AS roi_n,
  avg(CASE WHEN cost_usd IS NOT NULL THEN quality END) AS roi_quality,
  avg(CASE WHEN quality IS NOT NULL THEN cost_usd END) AS roi_cost,
  coalesce(sum(status = 'SUCCESS' AND cost_usd IS NOT NULL), 0) AS priced_successful
`;

export interface TotalsRow {
  requests: number;
  successful: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost: number | null;
  priced: number;
  priced_tokens: number;
  mean_latency: number | null;
  mean_quality: number | null;
  quality_n: number;
  roi_n: number;
  roi_quality: number | null;
  roi_cost: number | null;
  priced_successful: number;
}

export function toTotals(row: TotalsRow | undefined): UsageTotals {
  if (!row) return EMPTY_TOTALS;
  return {
    requests: row.requests,
    successfulRequests: row.successful,
    errorRequests: row.errors,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedTokens: row.cached_tokens,
    reasoningTokens: row.reasoning_tokens,
    totalCostUsd: row.priced > 0 ? row.cost : null,
    pricedRequests: row.priced,
    unpricedRequests: row.requests - row.priced,
    pricedTokens: row.priced_tokens,
    meanLatencyMs: row.mean_latency,
    meanQuality: row.mean_quality,
    qualityScored: row.quality_n,
    roiRequests: row.roi_n,
    roiMeanQuality: row.roi_quality,
    roiMeanCostUsd: row.roi_cost,
    pricedSuccessfulRequests: row.priced_successful,
  };
}

/**
 * Totals per model over a range, one statement for any number of models, from the raw rows: the
 * reference the hourly rollup (rollup.repository.ts) is tested against, and USAGE_ROLLUP=off.
 */
export async function findUsageTotals(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
): Promise<Map<string, UsageTotals>> {
  const result = await sql<TotalsRow & { g: string }>`
    SELECT model_id AS g, ${TOTALS_COLUMNS} FROM inference_request
    WHERE ${modelRange(orgId, modelIds, range)}
    GROUP BY model_id ORDER BY model_id
  `.execute(db);
  return new Map(result.rows.map((row) => [row.g, toTotals(row)]));
}

/** Exact latency distributions per model over a range. */
export function findLatencyDistributions(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
) {
  return findDistributions(
    db,
    sql`SELECT model_id AS g, latency_ms AS v FROM inference_request
      WHERE ${modelRange(orgId, modelIds, range)}`,
  );
}

/** Totals per model and provider (or deployment), one statement. */
export async function findUsageBreakdowns(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
  by: BreakdownColumn,
) {
  const result = await sql<TotalsRow & { g: string; k: string | null }>`
    SELECT model_id AS g, ${sql.ref(by)} AS k, ${TOTALS_COLUMNS} FROM inference_request
    WHERE ${modelRange(orgId, modelIds, range)}
    GROUP BY model_id, ${sql.ref(by)} ORDER BY model_id, count(*) DESC, k
  `.execute(db);
  return result.rows.map((row) => ({ modelId: row.g, key: row.k, totals: toTotals(row) }));
}

/** Totals per model and time bucket, one statement. */
export async function findUsageTrends(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
  granularity: Granularity,
) {
  const bucket = bucketExpression('requested_at', granularity);
  const result = await sql<TotalsRow & { g: string; bucket: string }>`
    SELECT model_id AS g, ${bucket} AS bucket, ${TOTALS_COLUMNS} FROM inference_request
    WHERE ${modelRange(orgId, modelIds, range)}
    GROUP BY model_id, bucket ORDER BY model_id, bucket
  `.execute(db);
  return result.rows.map((row) => ({
    modelId: row.g,
    start: row.bucket,
    totals: toTotals(row),
  }));
}

/** The requests of the arms in [from, to), each with its arm as `g` (requests of no arm left out). */
export function armSource(
  orgId: string,
  arms: ArmSelection,
  range: TimeRange,
): RawBuilder<unknown> {
  const { scope, column } = armScope(arms);
  return sql`SELECT ${sql.ref(column)} AS g, * FROM inference_request
    WHERE ${scopeWhere(orgId, scope, 'raw')}
      AND requested_at >= ${range.from} AND requested_at < ${range.to}
      AND ${sql.ref(column)} IS NOT NULL`;
}

export interface ArmMomentsRow {
  g: string;
  n: number;
  errors: number;
  quality_n: number;
  quality_mean: number | null;
  quality_ss: number | null;
  latency_mean: number;
  latency_ss: number;
  cost_n: number;
  cost_mean: number | null;
  cost_ss: number | null;
  qpd_n: number;
  qpd_mean: number | null;
  qpd_ss: number | null;
}

/**
 * Per arm, in one statement: request and error counts, and count, mean and sum of squared
 * deviations (two-pass) of quality, latency, cost and quality per dollar (per request, where the
 * request has a quality score and a positive cost).
 */
export async function findArmMoments(db: Db, orgId: string, arms: ArmSelection, range: TimeRange) {
  const result = await sql<ArmMomentsRow>`
    WITH r AS (
      SELECT g, status, quality, latency_ms, cost_usd,
        CASE WHEN cost_usd > 0 THEN quality / cost_usd END AS qpd
      FROM (${armSource(orgId, arms, range)})
    ),
    agg AS (
      SELECT g, count(*) AS n, coalesce(sum(status = 'ERROR'), 0) AS errors,
        count(quality) AS quality_n, avg(quality) AS quality_mean,
        avg(latency_ms) AS latency_mean,
        count(cost_usd) AS cost_n, avg(cost_usd) AS cost_mean,
        count(qpd) AS qpd_n, avg(qpd) AS qpd_mean
      FROM r GROUP BY g
    ),
    dev AS (
      SELECT r.g AS g,
        sum((r.quality - agg.quality_mean) * (r.quality - agg.quality_mean)) AS quality_ss,
        sum((r.latency_ms - agg.latency_mean) * (r.latency_ms - agg.latency_mean)) AS latency_ss,
        sum((r.cost_usd - agg.cost_mean) * (r.cost_usd - agg.cost_mean)) AS cost_ss,
        sum((r.qpd - agg.qpd_mean) * (r.qpd - agg.qpd_mean)) AS qpd_ss
      FROM r JOIN agg ON agg.g = r.g GROUP BY r.g
    )
    SELECT agg.*, dev.quality_ss, dev.latency_ss, dev.cost_ss, dev.qpd_ss
    FROM agg JOIN dev ON dev.g = agg.g
    ORDER BY agg.g
  `.execute(db);
  return result.rows;
}

export function findArmLatencyDistributions(
  db: Db,
  orgId: string,
  arms: ArmSelection,
  range: TimeRange,
) {
  return findDistributions(
    db,
    sql`SELECT g, latency_ms AS v FROM (${armSource(orgId, arms, range)})`,
  );
}

/** Priced cost and request counts per model and UTC day. */
export async function findDailyCosts(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
) {
  const result = await sql<{
    g: string;
    day: string;
    cost: number | null;
    requests: number;
    priced: number;
  }>`
    SELECT model_id AS g, substr(requested_at, 1, 10) AS day, sum(cost_usd) AS cost,
      count(*) AS requests, count(cost_usd) AS priced
    FROM inference_request WHERE ${modelRange(orgId, modelIds, range)}
    GROUP BY model_id, day ORDER BY model_id, day
  `.execute(db);
  return result.rows;
}

export function findRulesByModelIds(db: Db, orgId: string, modelIds: readonly string[]) {
  return db
    .selectFrom('auto_promotion_rule')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('model_id', 'in', jsonKeys(modelIds))
    .orderBy('model_id')
    .execute();
}

export function upsertRule(db: Db, row: AutoPromotionRuleTable) {
  const { model_id: _model, org_id: _org, ...changes } = row;
  return db
    .insertInto('auto_promotion_rule')
    .values(row)
    .onConflict((conflict) => conflict.column('model_id').doUpdateSet(changes));
}

/**
 * Enabled rules of every organization, least recently evaluated first (never evaluated first), of
 * models that still exist: a deleted model's rule has nothing to promote and would otherwise fail
 * every run.
 */
export function findDueRules(db: Db, limit: number) {
  return db
    .selectFrom('auto_promotion_rule')
    .selectAll('auto_promotion_rule')
    .where('auto_promotion_rule.enabled', '=', 1)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('model')
          .select('model.id')
          .whereRef('model.id', '=', 'auto_promotion_rule.model_id')
          .whereRef('model.org_id', '=', 'auto_promotion_rule.org_id')
          .where('model.deleted_at', 'is', null),
      ),
    )
    .orderBy('auto_promotion_rule.last_evaluated_at')
    .orderBy('auto_promotion_rule.model_id')
    .limit(limit)
    .execute();
}

export function markRuleEvaluated(db: Db, modelId: string, at: string) {
  return db
    .updateTable('auto_promotion_rule')
    .set({ last_evaluated_at: at })
    .where('model_id', '=', modelId);
}

/** A price pattern as a SQLite GLOB: `*` and `?` as they are, `[` taken literally. */
export function patternToGlob(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}

/**
 * Unpriced requests (no cost given, none computed) of a provider at or after `from` whose provider
 * model name matches the GLOB: the requests a price added later may cover. Oldest first.
 */
export function findUnpricedRequests(
  db: Db,
  orgId: string,
  query: { provider: string; from: string; glob: string },
  limit: number,
) {
  return db
    .selectFrom('inference_request')
    .select([
      'id',
      'provider',
      'provider_model',
      'input_tokens',
      'output_tokens',
      'cached_tokens',
      'reasoning_tokens',
      'requested_at',
    ])
    .where('org_id', '=', orgId)
    .where('provider', '=', query.provider)
    .where('cost_usd', 'is', null)
    .where('requested_at', '>=', query.from)
    .where(sql<boolean>`provider_model GLOB ${query.glob}`)
    .orderBy('requested_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Sets the cost of requests that are still unpriced (a request priced meanwhile, or with a
 * caller-given cost, is never touched): one statement, the costs in one JSON parameter.
 */
export function repriceRequests(
  db: Db,
  orgId: string,
  rows: readonly { id: string; cost: number; priceId: string }[],
) {
  return sql`
    UPDATE inference_request SET cost_usd = j.cost, cost_source = 'PRICE_TABLE', price_id = j.price_id
    FROM (
      SELECT value ->> '$.id' AS id, value ->> '$.cost' AS cost, value ->> '$.priceId' AS price_id
      FROM json_each(${JSON.stringify(rows)})
    ) AS j
    WHERE inference_request.id = j.id AND inference_request.org_id = ${orgId}
      AND inference_request.cost_usd IS NULL
  `.compile(db);
}

/** Marks a price whose re-pricing is unfinished, for the scheduled job. */
export function insertRepricePending(db: Db, row: { priceId: string; orgId: string; at: string }) {
  return sql`
    INSERT INTO usage_reprice_pending (price_id, org_id, created_at)
    VALUES (${row.priceId}, ${row.orgId}, ${row.at})
    ON CONFLICT (price_id) DO NOTHING
  `.compile(db);
}

export function deleteRepricePending(db: Db, priceId: string) {
  return sql`DELETE FROM usage_reprice_pending WHERE price_id = ${priceId}`.compile(db);
}

/** Prices with unfinished re-pricing, oldest first, with their price rows. */
export async function findRepricePending(db: Db, limit: number) {
  const result = await sql<ModelPriceTable>`
    SELECT p.* FROM usage_reprice_pending AS q JOIN model_price AS p ON p.id = q.price_id
    ORDER BY q.created_at, q.price_id LIMIT ${limit}
  `.execute(db);
  return result.rows;
}

/** Requests recorded from spans of these traces; the caller matches span ids (few per trace). */
export function findRequestsByTraceIds(db: Db, orgId: string, traceIds: readonly string[]) {
  return requestsByTraceIdsQuery(db, orgId, traceIds).execute();
}

function requestsByTraceIdsQuery(db: Db, orgId: string, traceIds: readonly string[]) {
  return db
    .selectFrom('inference_request')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('trace_id', 'in', jsonKeys(traceIds));
}

const UNMATCHED_COLUMNS = [
  'id',
  'org_id',
  'provider',
  'provider_model',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'status',
  'trace_id',
  'span_id',
  'token_id',
  'end_user_id',
  'requested_at',
  'created_at',
  'created_by',
] as const satisfies readonly (keyof UnmatchedInferenceTable)[];

/** Inserts unmatched spans from one JSON parameter; a re-sent span fails the batch (UNIQUE). */
export function insertUnmatchedInferences(db: Db, rows: readonly UnmatchedInferenceTable[]) {
  return insertJsonRows(db, 'unmatched_inference', UNMATCHED_COLUMNS, rows);
}

/** Unmatched spans per provider model since `from`, most frequent first. */
export function summarizeUnmatched(db: Db, orgId: string, from: string, limit: number) {
  return db
    .selectFrom('unmatched_inference')
    .select((eb) => [
      'provider',
      'provider_model',
      eb.fn.countAll<number>().as('spans'),
      eb.fn.sum<number>('input_tokens').as('input_tokens'),
      eb.fn.sum<number>('output_tokens').as('output_tokens'),
      eb.fn.min<string>('requested_at').as('first_seen'),
      eb.fn.max<string>('requested_at').as('last_seen'),
    ])
    .where('org_id', '=', orgId)
    .where('requested_at', '>=', from)
    .groupBy(['provider', 'provider_model'])
    .orderBy('spans', 'desc')
    .orderBy('provider')
    .orderBy('provider_model')
    .limit(limit)
    .execute();
}

/** The newest unmatched spans since `from`. */
export function findRecentUnmatched(db: Db, orgId: string, from: string, limit: number) {
  return db
    .selectFrom('unmatched_inference')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('requested_at', '>=', from)
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** What usageAttribution groups an organization's requests by. */
export type AttributionColumn = 'token_id' | 'end_user_id' | 'experiment_id';

/**
 * Totals per API token, end user or experiment over a range, the whole organization (or one
 * model), busiest first: read from the raw requests, since the hourly rollup keeps neither token
 * nor end user.
 */
export async function findUsageAttribution(
  db: Db,
  orgId: string,
  range: TimeRange,
  by: AttributionColumn,
  modelId: string | null,
  limit: number,
) {
  const model = modelId === null ? sql`` : sql`AND model_id = ${modelId}`;
  const result = await sql<TotalsRow & { k: string | null }>`
    SELECT ${sql.ref(by)} AS k, ${TOTALS_COLUMNS} FROM inference_request
    WHERE org_id = ${orgId} ${model}
      AND requested_at >= ${range.from} AND requested_at < ${range.to}
    GROUP BY ${sql.ref(by)} ORDER BY count(*) DESC, k LIMIT ${limit}
  `.execute(db);
  return result.rows.map((row) => ({ key: row.k, totals: toTotals(row) }));
}

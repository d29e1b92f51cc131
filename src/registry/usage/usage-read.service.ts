// Reads of LLM usage and its settings for both APIs, as domain objects, from the source the Worker
// is configured with (USAGE_ROLLUP): one statement per read for many models, answered in their order.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import {
  type Distribution,
  EMPTY_DISTRIBUTION,
  type Granularity,
  type TimeRange,
} from '../metrics/metrics.ts';
import type { PageRequest } from '../paging.ts';
import { findTokensByIds } from '../user/user.repository.ts';
import { type ApiToken, toApiToken } from '../user/user.ts';
import { findProviderModelMaps } from './provider-model-map.repository.ts';
import { MAX_PROVIDER_MODEL_MAPS } from './provider-model-map.service.ts';
import { rollupOrganizationUsage } from './rollup.repository.ts';
import { findScoresByRequestIds } from './score.repository.ts';
import {
  type AttributionColumn,
  findPricePage,
  findRecentUnmatched,
  findRequestsByTraceIds,
  findRulesByModelIds,
  findUsageAttribution,
  summarizeUnmatched,
} from './usage.repository.ts';
import {
  type AutoPromotionRule,
  type BreakdownColumn,
  type InferenceRequest,
  type InferenceScore,
  type ModelPrice,
  type ProviderModelMap,
  toAutoPromotionRule,
  toInferenceRequest,
  toInferenceScore,
  toModelPrice,
  toProviderModelMap,
  toUnmatchedInference,
  type UnmatchedInference,
  type UnmatchedUsageGroup,
  type UsageTotals,
} from './usage.ts';
import { USAGE_READS } from './usage-source.ts';

/** Each model's exact latency distribution over the range. */
export async function usageLatencyOf(
  deps: Pick<Deps, 'db' | 'config'>,
  viewer: Viewer,
  modelIds: readonly string[],
  range: TimeRange,
): Promise<Distribution[]> {
  const read = USAGE_READS[deps.config.usageSource];
  const byModel = await read.latency(deps.db, viewer.orgId, modelIds, range);
  return modelIds.map((id) => byModel.get(id) ?? EMPTY_DISTRIBUTION);
}

/** Each model's totals per provider (or deployment) over the range. */
export async function usageBreakdownsOf(
  deps: Pick<Deps, 'db' | 'config'>,
  viewer: Viewer,
  modelIds: readonly string[],
  range: TimeRange,
  by: BreakdownColumn,
): Promise<{ key: string | null; totals: UsageTotals }[][]> {
  const read = USAGE_READS[deps.config.usageSource];
  const rows = await read.breakdowns(deps.db, viewer.orgId, modelIds, range, by);
  return modelIds.map((id) =>
    rows.filter((row) => row.modelId === id).map(({ key, totals }) => ({ key, totals })),
  );
}

/** Each model's totals per time bucket over the range, oldest first; empty buckets left out. */
export async function usageTrendsOf(
  deps: Pick<Deps, 'db' | 'config'>,
  viewer: Viewer,
  modelIds: readonly string[],
  range: TimeRange,
  granularity: Granularity,
): Promise<{ start: Date; totals: UsageTotals }[][]> {
  const read = USAGE_READS[deps.config.usageSource];
  const rows = await read.trends(deps.db, viewer.orgId, modelIds, range, granularity);
  return modelIds.map((id) =>
    rows
      .filter((row) => row.modelId === id)
      .map((row) => ({ start: new Date(row.start), totals: row.totals })),
  );
}

/** Each model's auto-promotion rule, or null. */
export async function autoPromotionRulesOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  modelIds: readonly string[],
): Promise<(AutoPromotionRule | null)[]> {
  const rows = await findRulesByModelIds(deps.db, viewer.orgId, modelIds);
  const byId = new Map(rows.map((row) => [row.model_id, toAutoPromotionRule(row)]));
  return modelIds.map((id) => byId.get(id) ?? null);
}

/** One page of the caller's price table (one provider's, lowercase, when given), by id. */
export async function pricePage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  provider: string | null,
  page: PageRequest,
): Promise<ModelPrice[]> {
  return (await findPricePage(deps.db, viewer.orgId, provider, page)).map(toModelPrice);
}

/** The caller's mappings, by provider and name. */
export async function providerModelMapsOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
): Promise<ProviderModelMap[]> {
  const rows = await findProviderModelMaps(deps.db, viewer.orgId, MAX_PROVIDER_MODEL_MAPS);
  return rows.map(toProviderModelMap);
}

export interface UnmatchedUsage {
  groups: UnmatchedUsageGroup[];
  recent: UnmatchedInference[];
}

/** Spans kept as unmatched since `from`: counts per provider model and the newest examples. */
export async function unmatchedUsageOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  from: Date,
  limits: { groups: number; examples: number },
): Promise<UnmatchedUsage> {
  const since = from.toISOString();
  const [groups, recent] = await Promise.all([
    summarizeUnmatched(deps.db, viewer.orgId, since, limits.groups),
    findRecentUnmatched(deps.db, viewer.orgId, since, limits.examples),
  ]);
  return {
    groups: groups.map((row) => ({
      provider: row.provider,
      providerModel: row.provider_model,
      spans: Number(row.spans),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      firstSeen: new Date(row.first_seen),
      lastSeen: new Date(row.last_seen),
    })),
    recent: recent.map(toUnmatchedInference),
  };
}

/** The requests recorded from a trace (one span's when `spanId` is given), oldest first. */
export async function inferenceRequestsOfTrace(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  traceId: string,
  spanId: string | null,
): Promise<InferenceRequest[]> {
  const rows = await findRequestsByTraceIds(deps.db, viewer.orgId, [traceId.toLowerCase()]);
  return rows
    .filter((row) => spanId === null || row.span_id === spanId.toLowerCase())
    .sort((a, b) => a.requested_at.localeCompare(b.requested_at) || a.id.localeCompare(b.id))
    .map(toInferenceRequest);
}

export const USAGE_ATTRIBUTIONS = ['API_TOKEN', 'END_USER', 'EXPERIMENT'] as const;
export type UsageAttribution = (typeof USAGE_ATTRIBUTIONS)[number];

const ATTRIBUTION_COLUMNS: Record<UsageAttribution, AttributionColumn> = {
  API_TOKEN: 'token_id',
  END_USER: 'end_user_id',
  EXPERIMENT: 'experiment_id',
};

export interface AttributedUsage {
  by: UsageAttribution;
  /** The token id, end user id or experiment id; null for requests that had none. */
  key: string | null;
  /** For API_TOKEN: the token when the viewer may see it (its owner or an admin). */
  apiToken: ApiToken | null;
  totals: UsageTotals;
}

/** The organization's (or one model's) usage per API token, end user or experiment. */
export async function usageAttributionOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  by: UsageAttribution,
  range: TimeRange,
  modelId: string | null,
  limit: number,
): Promise<AttributedUsage[]> {
  const groups = await findUsageAttribution(
    deps.db,
    viewer.orgId,
    range,
    ATTRIBUTION_COLUMNS[by],
    modelId,
    limit,
  );
  const tokenIds = by === 'API_TOKEN' ? groups.flatMap((g) => (g.key ? [g.key] : [])) : [];
  const tokens = tokenIds.length ? await findTokensByIds(deps.db, viewer.orgId, tokenIds) : [];
  // Token names are visible to their owner and to admins, as on User.apiTokens.
  const visible = new Map(
    tokens
      .filter((row) => viewer.role === 'ADMIN' || row.user_id === viewer.userId)
      .map((row) => [row.id, toApiToken(row)]),
  );
  return groups.map((group) => ({
    by,
    key: group.key,
    apiToken: by === 'API_TOKEN' && group.key ? (visible.get(group.key) ?? null) : null,
    totals: group.totals,
  }));
}

/** Each request's scores, by name and source, in the order asked (others' requests have none). */
export async function scoresOfRequests(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  requestIds: readonly string[],
): Promise<InferenceScore[][]> {
  const rows = await findScoresByRequestIds(deps.db, viewer.orgId, requestIds);
  return requestIds.map((id) => rows.filter((row) => row.request_id === id).map(toInferenceScore));
}

export const ORGANIZATION_USAGE_GROUPS = ['MODEL', 'PROVIDER', 'API_TOKEN', 'DAY'] as const;
export type OrganizationUsageGroup = (typeof ORGANIZATION_USAGE_GROUPS)[number];

export interface OrganizationUsage {
  by: OrganizationUsageGroup;
  /** The model id, provider, token id or day (YYYY-MM-DD); null for requests without a token. */
  key: string | null;
  apiToken: ApiToken | null;
  totals: UsageTotals;
}

/**
 * The organization-wide spend view: its usage over the range per model, provider, API token or
 * UTC day. Models, providers and days read the hourly rollup (plus the raw edge hours); tokens,
 * which the rollup does not split by, read the raw requests as usageAttribution does.
 */
export async function organizationUsageOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  by: OrganizationUsageGroup,
  range: TimeRange,
  limit: number,
): Promise<OrganizationUsage[]> {
  if (by === 'API_TOKEN') {
    const groups = await usageAttributionOf(deps, viewer, 'API_TOKEN', range, null, limit);
    return groups.map((group) => ({ ...group, by }));
  }
  const column = by === 'MODEL' ? 'model_id' : by === 'PROVIDER' ? 'provider' : 'day';
  const rows = await rollupOrganizationUsage(deps.db, viewer.orgId, range, column, limit);
  return rows.map((row) => ({ by, key: row.key, apiToken: null, totals: row.totals }));
}

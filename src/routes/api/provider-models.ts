// REST twins of the provider model map and unmatched usage (GraphQL providerModelMapSet,
// providerModelMapDelete, providerModelMaps, unmatchedUsage; docs/otlp.md): how GenAI spans from
// POST /v1/traces find their registered model, and which ones found none.
import * as z from 'zod/mini';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import {
  removeProviderModelMap,
  setProviderModelMap,
} from '../../registry/usage/provider-model-map.service.ts';
import type { ProviderModelMap } from '../../registry/usage/usage.ts';
import { providerModelMapsOf, unmatchedUsageOf } from '../../registry/usage/usage-read.service.ts';
import { isoTime } from './params.ts';
import { globalIdOf } from './present.ts';
import { defineRoute } from './route.ts';

const ProviderModelMapJson = z.object({
  id: globalIdOf('ProviderModelMap'),
  provider: z.string().check(z.describe('The provider, lowercase.')),
  provider_model: z
    .string()
    .check(z.describe('Provider model names it applies to: exact or a GLOB.')),
  model_id: globalIdOf('Model'),
  version_id: z.nullable(z.string()).check(z.describe('Global ID of the version, or null.')),
  updated_at: z.string().check(z.describe('ISO-8601 time it was last set.')),
});

function providerModelMapJson(map: ProviderModelMap): z.infer<typeof ProviderModelMapJson> {
  return {
    id: encodeGlobalID('ProviderModelMap', map.id),
    provider: map.provider,
    provider_model: map.providerModel,
    model_id: encodeGlobalID('Model', map.modelId),
    version_id: map.versionId === null ? null : encodeGlobalID('ModelVersion', map.versionId),
    updated_at: map.createdAt.toISOString(),
  };
}

const oneMapJson = (map: ProviderModelMap) => ({ provider_model_map: providerModelMapJson(map) });

export const providerModelMapSet = defineRoute({
  method: 'POST',
  path: '/api/vibe/provider-models',
  operationId: 'providerModelMapSet',
  summary:
    'Map a provider model name (exact or a GLOB) to a registered model for GenAI spans without registry.model; the same provider and name again changes the target. Admins; audited.',
  graphql: 'mutation providerModelMapSet',
  tag: 'vibe',
  scope: 'admin',
  body: z.strictObject({
    provider: z.string().check(z.describe('The provider as spans name it; stored lowercase.')),
    provider_model: z
      .string()
      .check(z.describe('The provider model name, exact or a GLOB ("gpt-4o*").')),
    model_id: globalIdOf('Model'),
    version_id: z.nullish(globalIdOf('ModelVersion')),
  }),
  response: z.object({ provider_model_map: ProviderModelMapJson }),
  handler: async ({ body, context, claim }) =>
    oneMapJson(
      await setProviderModelMap(
        context.deps,
        context.viewer,
        {
          provider: body.provider,
          providerModel: body.provider_model,
          modelId: decodeIdOf(body.model_id, ['Model'], ['body', 'model_id']).id,
          versionId:
            body.version_id == null
              ? null
              : decodeIdOf(body.version_id, ['ModelVersion'], ['body', 'version_id']).id,
        },
        claim?.presenting(oneMapJson),
      ),
    ),
});

export const providerModelMapDelete = defineRoute({
  method: 'DELETE',
  path: '/api/vibe/provider-models/:id',
  operationId: 'providerModelMapDelete',
  summary:
    'Remove a provider model mapping: later spans of that name are kept as unmatched usage. Admins; audited.',
  graphql: 'mutation providerModelMapDelete',
  tag: 'vibe',
  scope: 'admin',
  params: z.object({ id: globalIdOf('ProviderModelMap') }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ provider_model_map: ProviderModelMapJson }),
  handler: async ({ params, context, claim }) =>
    oneMapJson(
      await removeProviderModelMap(
        context.deps,
        context.viewer,
        decodeIdOf(params.id, ['ProviderModelMap'], ['params', 'id']).id,
        claim?.presenting(oneMapJson),
      ),
    ),
});

export const providerModelMaps = defineRoute({
  method: 'GET',
  path: '/api/vibe/provider-models',
  operationId: 'providerModelMaps',
  summary: 'The provider model map of your organization (at most 500 entries).',
  graphql: 'query providerModelMaps',
  tag: 'vibe',
  scope: 'viewer',
  response: z.object({ provider_model_maps: z.array(ProviderModelMapJson) }),
  handler: async ({ context }) => ({
    provider_model_maps: (await providerModelMapsOf(context.deps, context.viewer)).map(
      providerModelMapJson,
    ),
  }),
});

const UNMATCHED_ROWS = 100;

export const unmatchedUsage = defineRoute({
  method: 'GET',
  path: '/api/vibe/unmatched',
  operationId: 'unmatchedUsage',
  summary:
    'GenAI spans that mapped to no registered model: counts per provider model and the newest examples.',
  graphql: 'query unmatchedUsage',
  tag: 'vibe',
  scope: 'viewer',
  query: z.object({
    start: z.optional(
      isoTime('Only spans that started at or after this time (default 30 days ago).'),
    ),
    groups: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(UNMATCHED_ROWS)), 20),
    examples: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(UNMATCHED_ROWS)), 10),
  }),
  inputPaths: { start: ['query', 'start'] },
  response: z.object({
    groups: z.array(
      z.object({
        provider: z.string(),
        provider_model: z.string(),
        spans: z.number().check(z.int()),
        tokens_input: z.number(),
        tokens_output: z.number(),
        first_seen: z.string(),
        last_seen: z.string(),
      }),
    ),
    recent: z.array(
      z.object({
        trace_id: z.string(),
        span_id: z.string(),
        provider: z.string(),
        provider_model: z.string(),
        tokens_input: z.number().check(z.int()),
        tokens_output: z.number().check(z.int()),
        latency_ms: z.number(),
        status: z.enum(['SUCCESS', 'ERROR']),
        end_user_id: z.nullable(z.string()),
        timestamp: z.string(),
      }),
    ),
  }),
  handler: async ({ query, context }) => {
    const from = query.start ?? new Date(Date.now() - 30 * 86_400_000);
    const usage = await unmatchedUsageOf(context.deps, context.viewer, from, {
      groups: query.groups,
      examples: query.examples,
    });
    return {
      groups: usage.groups.map((group) => ({
        provider: group.provider,
        provider_model: group.providerModel,
        spans: group.spans,
        tokens_input: group.inputTokens,
        tokens_output: group.outputTokens,
        first_seen: group.firstSeen.toISOString(),
        last_seen: group.lastSeen.toISOString(),
      })),
      recent: usage.recent.map((span) => ({
        trace_id: span.traceId,
        span_id: span.spanId,
        provider: span.provider,
        provider_model: span.providerModel,
        tokens_input: span.inputTokens,
        tokens_output: span.outputTokens,
        latency_ms: span.latencyMs,
        status: span.status,
        end_user_id: span.endUserId,
        timestamp: span.requestedAt.toISOString(),
      })),
    };
  },
});

export const PROVIDER_MODEL_ROUTES = [
  providerModelMapSet,
  providerModelMapDelete,
  providerModelMaps,
  unmatchedUsage,
];

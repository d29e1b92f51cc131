import * as z from 'zod/mini';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import {
  compareModels,
  MAX_COMPARED_MODELS,
  recordMetrics,
  requireBucketSpan,
  requireRange,
} from '../../registry/metrics/metrics.service.ts';
import {
  EMPTY_DISTRIBUTION,
  GRANULARITIES,
  METRIC_TYPES,
  type MetricPoint,
  metricKey,
  metricTypeOf,
} from '../../registry/metrics/metrics.ts';
import { metricDistributions, metricSeries } from '../../registry/metrics/metrics-read.service.ts';
import { withBodyPaths } from './errors.ts';
import {
  anyCaseEnum,
  customName,
  isoTime,
  jsonObject,
  ModelIdParams,
  modelOfPath,
  RANGE_QUERY_PATHS,
  rangeQuery,
  versionOfBody,
} from './params.ts';
import {
  DistributionJson,
  distributionJson,
  globalIdOf,
  ResolvedVersionJson,
  resolvedVersionJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const metricType = anyCaseEnum(METRIC_TYPES, 'The metric.');

const MetricPointJson = z.object({
  id: z.string().check(z.describe('The point’s id (UUIDv7).')),
  model_id: globalIdOf('Model'),
  version_id: globalIdOf('ModelVersion'),
  metric_type: z.enum(METRIC_TYPES),
  name: z.nullable(z.string()).check(z.describe('The CUSTOM metric’s name, else null.')),
  value: z.number(),
  context: z.nullable(jsonObject),
  timestamp: z.string().check(z.describe('When it was measured (ISO-8601).')),
});

/** The answer to a batch of one point. */
function onePointJson([point]: readonly MetricPoint[]): z.infer<typeof MetricPointJson> {
  if (!point) throw new Error('recordMetrics returned no point for one input');
  const { type, name } = metricTypeOf(point.metric);
  return {
    id: point.id,
    model_id: encodeGlobalID('Model', point.modelId),
    version_id: encodeGlobalID('ModelVersion', point.versionId),
    metric_type: type,
    name,
    value: point.value,
    context: point.context,
    timestamp: point.recordedAt.toISOString(),
  };
}

// --- POST /api/performance/metrics ------------------------------------------------------------

const metricValue = z
  .number()
  .check(
    z.describe('Finite; LATENCY and THROUGHPUT at least 0, ACCURACY and ERROR_RATE from 0 to 1.'),
  );
const metricContext = z
  .nullish(jsonObject)
  .check(z.describe('A JSON object about the measurement (up to 64 KiB).'));
const metricTime = z.nullish(isoTime('When it was measured (default now); not in the future.'));

export const metricsRecord = defineRoute({
  method: 'POST',
  path: '/api/performance/metrics',
  operationId: 'metricsRecord',
  summary:
    'Record one performance measurement of a model version (and write it to Analytics Engine).',
  graphql: 'mutation metricsRecord',
  tag: 'performance',
  scope: 'editor',
  status: 201,
  body: z.union([
    z.strictObject({
      version_id: globalIdOf('ModelVersion'),
      metric_type: metricType,
      name: z.nullable(customName),
      value: metricValue,
      context: metricContext,
      timestamp: metricTime,
    }),
    z
      .strictObject({
        model_id: globalIdOf('Model').check(
          z.describe(
            'The model: the point is recorded on its production version, else its newest (resolved_version says which).',
          ),
        ),
        metric_type: metricType,
        name: z.nullable(customName),
        metric_value: metricValue,
        context: metricContext,
        timestamp: metricTime,
      })
      .check(z.describe('The seed’s shape: model_id and metric_value.')),
  ]),
  response: z.extend(MetricPointJson, { resolved_version: z.optional(ResolvedVersionJson) }),
  handler: async ({ body, context, claim }) => {
    const { versionId, resolved } = await versionOfBody(context, body);
    const value = 'value' in body ? body.value : body.metric_value;
    const present = (points: readonly MetricPoint[]) => ({
      ...onePointJson(points),
      ...(resolved ? { resolved_version: resolvedVersionJson(resolved) } : {}),
    });
    // recordMetrics takes a batch: this route sends a batch of one, and says body.<field>.
    const points = await withBodyPaths(
      () =>
        recordMetrics(
          context.deps,
          context.viewer,
          context.deps.events,
          [
            {
              versionId,
              type: body.metric_type,
              name: body.name,
              value,
              context: body.context,
              timestamp: body.timestamp,
            },
          ],
          claim?.presenting(present),
        ),
      ['points', '0'],
      {
        type: 'metric_type',
        ...(resolved ? { value: 'metric_value', versionId: 'model_id' } : {}),
      },
    );
    return present(points);
  },
});

// --- GET /api/performance/:modelId/metrics ----------------------------------------------------

/** `?type=&name=`: the stored metric key, or VALIDATION_ERROR on query.name. */
function metricOf(query: { type: (typeof METRIC_TYPES)[number]; name?: string }) {
  return metricKey(query.type, query.name, ['query', 'name']);
}

export const metricsList = defineRoute({
  method: 'GET',
  path: '/api/performance/:modelId/metrics',
  operationId: 'metricsList',
  summary:
    'One metric of all the model’s versions in time buckets (count, mean, min, max), oldest first.',
  graphql: 'query model(id:) { metricSeries(type:, granularity:, from:, to:) }',
  tag: 'performance',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object({
    type: metricType,
    name: customName,
    granularity: z.optional(anyCaseEnum(GRANULARITIES, 'Bucket width (default DAY).')),
    ...rangeQuery,
  }),
  inputPaths: { ...RANGE_QUERY_PATHS, granularity: ['query', 'granularity'] },
  response: z.object({
    metric_type: z.enum(METRIC_TYPES),
    name: z.nullable(z.string()),
    granularity: z.enum(GRANULARITIES),
    start: z.string(),
    end: z.string(),
    buckets: z.array(
      z.object({
        start: z.string().check(z.describe('Start of the bucket (UTC hour, day or ISO week).')),
        count: z.number().check(z.int()),
        mean: z.number(),
        min: z.number(),
        max: z.number(),
      }),
    ),
  }),
  handler: async ({ params, query, context }) => {
    const metric = metricOf(query);
    const range = requireRange(query.start, query.end, []);
    const granularity = query.granularity ?? 'DAY';
    requireBucketSpan(granularity, range, ['granularity']);
    const model = await modelOfPath(context, params.modelId);
    const [buckets = []] = await metricSeries(
      context.deps,
      context.viewer,
      'model_id',
      [model.id],
      metric,
      granularity,
      range,
    );
    return {
      metric_type: query.type,
      name: query.name ?? null,
      granularity,
      start: range.from,
      end: range.to,
      buckets: buckets.map((bucket) => ({ ...bucket, start: bucket.start.toISOString() })),
    };
  },
});

// --- GET /api/performance/:modelId/stats?type= ------------------------------------------------

export const metricsStats = defineRoute({
  method: 'GET',
  path: '/api/performance/:modelId/stats',
  operationId: 'metricsStats',
  summary:
    'Exact statistics (count, mean, min, max, stddev, p50/p95/p99) of one metric over all the model’s versions.',
  graphql: 'query model(id:) { metricStats(type:, from:, to:) }',
  tag: 'performance',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object({ type: metricType, name: customName, ...rangeQuery }),
  inputPaths: RANGE_QUERY_PATHS,
  response: z.extend(DistributionJson, {
    metric_type: z.enum(METRIC_TYPES),
    name: z.nullable(z.string()),
    start: z.string(),
    end: z.string(),
  }),
  handler: async ({ params, query, context }) => {
    const metric = metricOf(query);
    const range = requireRange(query.start, query.end, []);
    const model = await modelOfPath(context, params.modelId);
    const [distribution] = await metricDistributions(
      context.deps,
      context.viewer,
      'model_id',
      [model.id],
      metric,
      range,
    );
    return {
      metric_type: query.type,
      name: query.name ?? null,
      start: range.from,
      end: range.to,
      ...distributionJson(distribution ?? EMPTY_DISTRIBUTION),
    };
  },
});

// --- POST /api/performance/compare ------------------------------------------------------------

export const performanceCompare = defineRoute({
  method: 'POST',
  path: '/api/performance/compare',
  operationId: 'performanceCompare',
  summary:
    'One metric of several models side by side, best first (lowest for LATENCY and ERROR_RATE); models without points last.',
  graphql: 'query modelComparison(modelIds:, metricType:, from:, to:)',
  tag: 'performance',
  scope: 'viewer',
  readOnly: true,
  body: z.strictObject({
    model_ids: z
      .array(globalIdOf('Model'))
      .check(z.describe(`Global IDs of 1 to ${MAX_COMPARED_MODELS} models.`)),
    metric_type: metricType,
    name: z.nullable(customName),
    start: z.nullish(isoTime('Start (inclusive); default 30 days before end.')),
    end: z.nullish(isoTime('End (exclusive); default now.')),
  }),
  inputPaths: {
    modelIds: ['body', 'model_ids'],
    name: ['body', 'name'],
    from: ['body', 'start'],
    to: ['body', 'end'],
  },
  response: z.object({
    entries: z.array(
      z.object({
        rank: z
          .nullable(z.number().check(z.int()))
          .check(z.describe('1 for the best mean; null without points.')),
        model_id: globalIdOf('Model'),
        stats: DistributionJson,
      }),
    ),
  }),
  handler: async ({ body, context }) => {
    const metric = metricKey(body.metric_type, body.name, ['body', 'name']);
    const entries = await compareModels(context.db, context.viewer.orgId, {
      modelIds: body.model_ids,
      // An id of another kind or a malformed one is refused like an unknown one (as GraphQL does).
      decodeModelId: (id, index) => decodeIdOf(id, ['Model'], ['modelIds', String(index)]).id,
      type: body.metric_type,
      metric,
      range: requireRange(body.start, body.end, []),
    });
    return {
      entries: entries.map((entry) => ({
        rank: entry.rank,
        model_id: encodeGlobalID('Model', entry.modelId),
        stats: distributionJson(entry.stats),
      })),
    };
  },
});

/** In match order: the literal `/metrics` and `/compare` before `/:modelId/...`. */
export const PERFORMANCE_ROUTES = [metricsRecord, performanceCompare, metricsList, metricsStats];

import { z } from 'zod';
import type { Context } from '../../context.ts';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { ValidationError } from '../../registry/errors.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../registry/idempotency/idempotency.service.ts';
import { requireBucketSpan, requireRange } from '../../registry/metrics/metrics.service.ts';
import { GRANULARITIES, type TimeRange } from '../../registry/metrics/metrics.ts';
import type { TestResult } from '../../registry/metrics/statistics.ts';
import { compareArms, usageReports } from '../../registry/usage/analysis.service.ts';
import { resolveArms } from '../../registry/usage/arms.service.ts';
import { type ScoredInference, scoreInference } from '../../registry/usage/score.service.ts';
import {
  MAX_REQUESTS_PER_BATCH,
  type TrackedInference,
  trackInferences,
} from '../../registry/usage/usage.service.ts';
import { INFERENCE_STATUSES, SCORE_SOURCES } from '../../registry/usage/usage.ts';
import { usageTrendsOf } from '../../registry/usage/usage-read.service.ts';
import { withBodyPaths, withItemBodyPaths } from './errors.ts';
import {
  anyCaseEnum,
  isoTime,
  ModelIdParams,
  modelOfPath,
  RANGE_QUERY_PATHS,
  rangeQuery,
} from './params.ts';
import {
  DistributionJson,
  distributionJson,
  globalIdOf,
  InferenceRequestJson,
  inferenceRequestJson,
  RoiJson,
  roiJson,
  UsageTotalsJson,
  usageTotalsJson,
} from './present.ts';
import { defineRoute } from './route.ts';

const optionalId = (kind: string, what: string) =>
  globalIdOf(kind).nullish().describe(`Global ID of ${what}.`);

/** The request a client tracks, in the original snake_case. */
const TrackBody = z.strictObject({
  model_id: globalIdOf('Model').describe('Global ID of the registered model.'),
  version_id: optionalId('ModelVersion', 'one of its versions'),
  deployment_id: optionalId('Deployment', 'the deployment that served it'),
  experiment_id: optionalId('Experiment', 'the A/B experiment it belongs to'),
  provider: z.string().describe('The provider (openai, anthropic...); stored lowercase.'),
  provider_model: z.string().describe('The provider’s model name, e.g. "gpt-4o-2024-08-06".'),
  latency_ms: z.number().describe('Latency in milliseconds (0 to 86,400,000).'),
  tokens_input: z.number().describe('Input tokens, cached ones included (a whole number).'),
  tokens_output: z.number().describe('Output tokens, reasoning ones included (a whole number).'),
  tokens_cached: z.number().nullish().describe('Of the input tokens, those read from cache.'),
  tokens_reasoning: z.number().nullish().describe('Of the output tokens, reasoning ones.'),
  cost_usd: z
    .number()
    .nullish()
    .describe('What it cost in USD; default: from the price table, else unpriced (never $0).'),
  quality_score: z.number().nullish().describe('A quality score on your own scale.'),
  status: anyCaseEnum(INFERENCE_STATUSES, 'How it ended (default SUCCESS).').optional(),
  idempotency_key: z
    .string()
    .nullish()
    .describe(
      `Recorded once (1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, as every idempotency key): a retry with the same key returns the first result.`,
    ),
  timestamp: isoTime('When it was made (default now).').nullish(),
  end_user_id: z
    .string()
    .nullish()
    .describe('Your application’s end user, free text (1 to 200 characters).'),
});

/** The seed's shape: the same, with model_name for provider_model. */
const SeedTrackBody = TrackBody.omit({ provider_model: true })
  .extend({
    model_name: z
      .string()
      .describe(
        'The seed’s name for provider_model: the provider’s model name, e.g. "gpt-4-turbo".',
      ),
  })
  .describe('The seed’s shape: model_name instead of provider_model.');

/** Service field names that the REST body spells differently. */
const TRACK_FIELDS: Record<string, string> = {
  inputTokens: 'tokens_input',
  outputTokens: 'tokens_output',
  cachedTokens: 'tokens_cached',
  reasoningTokens: 'tokens_reasoning',
  quality: 'quality_score',
};

/** A tracked body (either shape) as the service's input; ids decoded, errors under `path`. */
function trackInput(
  body: z.infer<typeof TrackBody> | z.infer<typeof SeedTrackBody>,
  path: string[],
) {
  const optional = (value: string | null | undefined, kind: string, field: string) =>
    value == null ? null : decodeIdOf(value, [kind], [...path, field]).id;
  return {
    modelId: decodeIdOf(body.model_id, ['Model'], [...path, 'model_id']).id,
    versionId: optional(body.version_id, 'ModelVersion', 'version_id'),
    deploymentId: optional(body.deployment_id, 'Deployment', 'deployment_id'),
    experimentId: optional(body.experiment_id, 'Experiment', 'experiment_id'),
    provider: body.provider,
    providerModel: 'model_name' in body ? body.model_name : body.provider_model,
    latencyMs: body.latency_ms,
    inputTokens: body.tokens_input,
    outputTokens: body.tokens_output,
    cachedTokens: body.tokens_cached,
    reasoningTokens: body.tokens_reasoning,
    costUsd: body.cost_usd,
    quality: body.quality_score,
    status: body.status ?? 'SUCCESS',
    idempotencyKey: body.idempotency_key,
    timestamp: body.timestamp,
    endUserId: body.end_user_id,
  };
}

/** The answer to a batch of one request. */
function oneTrackedJson([tracked]: readonly TrackedInference[]) {
  if (!tracked) throw new Error('trackInferences returned nothing for one request');
  return { request: inferenceRequestJson(tracked.request), deduplicated: tracked.deduplicated };
}

// --- POST /api/vibe/track ---------------------------------------------------------------------

export const inferenceTrack = defineRoute({
  method: 'POST',
  path: '/api/vibe/track',
  operationId: 'inferenceTrack',
  summary:
    'Track one LLM request (latency, tokens, cost, quality); cost from the body, else the price table, else unpriced.',
  graphql: 'mutation inferenceTrack(input: { request })',
  tag: 'vibe',
  scope: 'editor',
  status: 201,
  body: z.union([TrackBody, SeedTrackBody]),
  response: z.object({
    request: InferenceRequestJson,
    deduplicated: z
      .boolean()
      .describe('True when the idempotency key was already recorded: this is the first result.'),
  }),
  handler: async ({ body, context, claim }) => {
    const input = trackInput(body, ['body']);
    const tracked = await withBodyPaths(
      () =>
        trackInferences(
          context.deps,
          context.viewer,
          context.deps.events,
          [input],
          claim?.presenting(oneTrackedJson),
        ),
      // A batch of one: the service names it by index.
      ['0'],
      'model_name' in body ? { ...TRACK_FIELDS, providerModel: 'model_name' } : TRACK_FIELDS,
    );
    return oneTrackedJson(tracked);
  },
});

// --- POST /api/vibe/track/batch ---------------------------------------------------------------

/** The answer to a batch: each request in the order sent. */
function trackedJson(tracked: readonly TrackedInference[]) {
  return {
    requests: tracked.map((one) => ({
      request: inferenceRequestJson(one.request),
      deduplicated: one.deduplicated,
    })),
    recorded: tracked.filter((one) => !one.deduplicated).length,
  };
}

export const inferenceTrackBatch = defineRoute({
  method: 'POST',
  path: '/api/vibe/track/batch',
  operationId: 'inferenceTrackBatch',
  summary: `Track up to ${MAX_REQUESTS_PER_BATCH} LLM requests in one call: all recorded, or none (the first bad one named).`,
  graphql: 'mutation inferenceTrack(input: { requests })',
  tag: 'vibe',
  scope: 'editor',
  status: 201,
  body: z.strictObject({
    requests: z
      .array(z.union([TrackBody, SeedTrackBody]))
      .min(1)
      .max(MAX_REQUESTS_PER_BATCH)
      .describe('The requests, each in either shape of POST /api/vibe/track.'),
  }),
  response: z.object({
    requests: z.array(
      z.object({
        request: InferenceRequestJson,
        deduplicated: z.boolean().describe('True when its idempotency key was already recorded.'),
      }),
    ),
    recorded: z.number().describe('How many of them were new (not deduplicated).'),
  }),
  handler: async ({ body, context, claim }) => {
    const inputs = body.requests.map((item, index) =>
      trackInput(item, ['body', 'requests', String(index)]),
    );
    const tracked = await withItemBodyPaths(
      () =>
        trackInferences(
          context.deps,
          context.viewer,
          context.deps.events,
          inputs,
          claim?.presenting(trackedJson),
        ),
      'requests',
      (index) => {
        const item = body.requests[index];
        return item && 'model_name' in item
          ? { ...TRACK_FIELDS, providerModel: 'model_name' }
          : TRACK_FIELDS;
      },
    );
    return trackedJson(tracked);
  },
});

// --- POST /api/vibe/score ---------------------------------------------------------------------

const ScoreJson = z.object({
  id: z.string().describe('The score’s id.'),
  request_id: z.string().describe('The scored request’s id.'),
  name: z.string(),
  value: z.number(),
  comment: z.string().nullable(),
  source: z.enum(SCORE_SOURCES),
  timestamp: z.string().describe('When it was last set, ISO-8601.'),
});

function scoredJson(scored: ScoredInference) {
  return {
    score: {
      id: scored.score.id,
      request_id: scored.score.requestId,
      name: scored.score.name,
      value: scored.score.value,
      comment: scored.score.comment,
      source: scored.score.source,
      timestamp: scored.score.createdAt.toISOString(),
    },
    request: inferenceRequestJson(scored.request),
  };
}

export const inferenceScore = defineRoute({
  method: 'POST',
  path: '/api/vibe/score',
  operationId: 'inferenceScore',
  summary:
    'Score a tracked request after the fact (by request_id, or trace_id + span_id); scores named "quality" feed its quality (their mean).',
  graphql: 'mutation inferenceScore',
  tag: 'vibe',
  scope: 'editor',
  body: z.strictObject({
    request_id: z.string().nullish().describe('The request’s id.'),
    trace_id: z.string().nullish().describe('Or the trace id of its span (32 hex digits)…'),
    span_id: z.string().nullish().describe('…with the span id (16 hex digits).'),
    name: z.string().describe('The score’s name; "quality" feeds the request’s quality.'),
    value: z.number().describe('The value, on your own scale.'),
    comment: z.string().nullish().describe('Why (up to 2,000 characters).'),
    source: anyCaseEnum(SCORE_SOURCES, 'Who gives it.'),
  }),
  response: z.object({ score: ScoreJson, request: InferenceRequestJson }),
  handler: async ({ body, context, claim }) =>
    scoredJson(
      await scoreInference(
        context.deps,
        context.viewer,
        {
          requestId: body.request_id,
          traceId: body.trace_id,
          spanId: body.span_id,
          name: body.name,
          value: body.value,
          comment: body.comment,
          source: body.source,
        },
        claim?.presenting(scoredJson),
      ),
    ),
});

// --- GET /api/vibe/:modelId/costs, /trends, /roi -----------------------------------------------

async function reportOf(context: Context, modelId: string, range: TimeRange, latency: boolean) {
  const model = await modelOfPath(context, modelId);
  const [report] = await usageReports(
    context.db,
    context.viewer.orgId,
    [model.id],
    range,
    context.deps.config.usageSource,
    { latency },
  );
  if (!report) throw new Error('usageReports returned no report for one model');
  return report;
}

const RangeJson = {
  model_id: globalIdOf('Model'),
  start: z.string().describe('Start (inclusive), ISO-8601.'),
  end: z.string().describe('End (exclusive), ISO-8601.'),
};

export const usageCosts = defineRoute({
  method: 'GET',
  path: '/api/vibe/:modelId/costs',
  operationId: 'usageCosts',
  summary:
    'LLM usage and cost of a model over [start, end): requests, tokens, total and mean cost, latency. Costs count priced requests only.',
  graphql: 'query model(id:) { usage(from:, to:) }',
  tag: 'vibe',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object(rangeQuery),
  inputPaths: RANGE_QUERY_PATHS,
  response: z.object({
    ...RangeJson,
    totals: UsageTotalsJson,
    latency_ms: DistributionJson.nullable().describe(
      'Exact latency percentiles; null if not read.',
    ),
  }),
  handler: async ({ params, query, context }) => {
    const range = requireRange(query.start, query.end, []);
    const report = await reportOf(context, params.modelId, range, true);
    return {
      model_id: encodeGlobalID('Model', report.modelId),
      start: range.from,
      end: range.to,
      totals: usageTotalsJson(report.totals),
      latency_ms: report.latency ? distributionJson(report.latency) : null,
    };
  },
});

export const usageTrends = defineRoute({
  method: 'GET',
  path: '/api/vibe/:modelId/trends',
  operationId: 'usageTrends',
  summary: 'LLM usage of a model in time buckets over [start, end), oldest first.',
  graphql: 'query model(id:) { usageTrends(granularity:, from:, to:) }',
  tag: 'vibe',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object({
    granularity: anyCaseEnum(GRANULARITIES, 'Bucket width (default DAY).').optional(),
    ...rangeQuery,
  }),
  inputPaths: { ...RANGE_QUERY_PATHS, granularity: ['query', 'granularity'] },
  response: z.object({
    ...RangeJson,
    granularity: z.enum(GRANULARITIES),
    buckets: z.array(UsageTotalsJson.extend({ start: z.string().describe('Bucket start.') })),
  }),
  handler: async ({ params, query, context }) => {
    const range = requireRange(query.start, query.end, []);
    const granularity = query.granularity ?? 'DAY';
    requireBucketSpan(granularity, range, ['granularity']);
    const model = await modelOfPath(context, params.modelId);
    const [buckets = []] = await usageTrendsOf(
      context.deps,
      context.viewer,
      [model.id],
      range,
      granularity,
    );
    return {
      model_id: encodeGlobalID('Model', model.id),
      start: range.from,
      end: range.to,
      granularity,
      buckets: buckets.map((bucket) => ({
        start: bucket.start.toISOString(),
        ...usageTotalsJson(bucket.totals),
      })),
    };
  },
});

export const usageRoi = defineRoute({
  method: 'GET',
  path: '/api/vibe/:modelId/roi',
  operationId: 'usageRoi',
  summary:
    'Return on spend of a model over [start, end): quality per dollar and cost per successful request.',
  graphql: 'query model(id:) { roi(from:, to:) }',
  tag: 'vibe',
  scope: 'viewer',
  params: ModelIdParams,
  query: z.object(rangeQuery),
  inputPaths: RANGE_QUERY_PATHS,
  response: RoiJson.extend(RangeJson),
  handler: async ({ params, query, context }) => {
    const range = requireRange(query.start, query.end, []);
    const report = await reportOf(context, params.modelId, range, false);
    return {
      model_id: encodeGlobalID('Model', report.modelId),
      start: range.from,
      end: range.to,
      ...roiJson(report.totals),
    };
  },
});

// --- POST /api/vibe/compare -------------------------------------------------------------------

/** NaN and infinities (no variance, different means) are not JSON numbers: null. */
function finite(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

const TestJson = z
  .object({
    statistic: z.number().nullable().describe('t or z; null when infinite.'),
    degrees_of_freedom: z.number().nullable().describe('Welch–Satterthwaite (t-tests only).'),
    p_value: z.number().describe('Two-sided p-value.'),
  })
  .nullable();

function testJson(test: TestResult | null): z.infer<typeof TestJson> {
  return test
    ? {
        statistic: finite(test.statistic),
        degrees_of_freedom: finite(test.degreesOfFreedom),
        p_value: test.pValue,
      }
    : null;
}

const CompareBody = z.strictObject({
  experiment_id: globalIdOf('Experiment').nullish().describe('Compare this experiment’s requests.'),
  model_ids: z.array(globalIdOf('Model')).nullish().describe('Or: each model is an arm.'),
  version_ids: z
    .array(globalIdOf('ModelVersion'))
    .nullish()
    .describe('Or: each version is an arm.'),
  arms_by: anyCaseEnum(
    ['MODEL', 'VERSION'] as const,
    'With experiment_id: the arms (default MODEL).',
  ).optional(),
  objective: anyCaseEnum(
    ['QUALITY', 'QUALITY_PER_DOLLAR'] as const,
    'What the verdict maximises (default QUALITY).',
  ).optional(),
  start: isoTime('Start (inclusive); default 30 days before end.').nullish(),
  end: isoTime('End (exclusive); default now.').nullish(),
  alpha: z.number().optional().describe('Significance level, between 0 and 0.5 (default 0.05).'),
  power: z
    .number()
    .optional()
    .describe('Power for the sample size, between 0.5 and 1 (default 0.8).'),
});

/** The seed's shape: start_time and end_time (epoch seconds in its example) for start and end. */
const SeedCompareBody = CompareBody.omit({ start: true, end: true })
  .extend({
    start_time: isoTime('The seed’s name for start.').nullish(),
    end_time: isoTime('The seed’s name for end.').nullish(),
  })
  .describe('The seed’s shape: start_time and end_time instead of start and end.');

/** The range of either shape; the seed's range errors name its start_time. */
function compareRange(
  body: z.infer<typeof CompareBody> | z.infer<typeof SeedCompareBody>,
): TimeRange {
  if (!('start_time' in body || 'end_time' in body)) {
    const { start, end } = body as z.infer<typeof CompareBody>;
    return requireRange(start, end, []);
  }
  try {
    return requireRange(body.start_time, body.end_time, []);
  } catch (error) {
    if (error instanceof ValidationError && error.path[0] === 'from') {
      throw new ValidationError(error.message, ['startTime']);
    }
    throw error;
  }
}

export const usageCompare = defineRoute({
  method: 'POST',
  path: '/api/vibe/compare',
  operationId: 'usageCompare',
  summary:
    'A/B comparison of LLM requests: an experiment’s (arms by model or version), or those of 2-20 models or versions. Welch’s t-test of quality and latency, z-test of error rates, a verdict and the sample size still needed.',
  graphql: 'query abTestCompare',
  tag: 'vibe',
  scope: 'viewer',
  readOnly: true,
  body: z.union([CompareBody, SeedCompareBody]),
  inputPaths: {
    '': ['body'],
    experimentId: ['body', 'experiment_id'],
    modelIds: ['body', 'model_ids'],
    versionIds: ['body', 'version_ids'],
    from: ['body', 'start'],
    to: ['body', 'end'],
    startTime: ['body', 'start_time'],
    alpha: ['body', 'alpha'],
    power: ['body', 'power'],
  },
  response: z.object({
    arms_by: z.enum(['MODEL', 'VERSION']),
    arms: z.array(
      z.object({
        arm_id: z.string().describe('Global ID of the arm’s model or version.'),
        requests: z.number().int(),
        error_rate: z.number(),
        quality_scored: z.number().int(),
        mean_quality_score: z.number().nullable(),
        quality_ci95: z.object({ low: z.number(), high: z.number() }).nullable(),
        latency_ms: DistributionJson,
        mean_cost_usd: z.number().nullable(),
        unpriced_requests: z.number().int(),
        mean_quality_per_dollar: z.number().nullable(),
      }),
    ),
    comparisons: z.array(
      z.object({
        a: z.string(),
        b: z.string(),
        objective_difference: z.number().nullable(),
        objective_test: TestJson,
        quality_difference: z.number().nullable(),
        quality_test: TestJson,
        latency_difference_ms: z.number().nullable(),
        latency_test: TestJson,
        error_rate_difference: z.number(),
        error_rate_test: TestJson,
      }),
    ),
    verdict: z.object({
      outcome: z.enum(['WINNER', 'NOT_ENOUGH_EVIDENCE']),
      winner: z.string().nullable(),
      objective: z.enum(['QUALITY', 'QUALITY_PER_DOLLAR']),
      adjusted_alpha: z.number(),
      required_per_arm: z.number().nullable(),
      additional_per_arm: z.number().nullable(),
      reason: z.string(),
    }),
    alpha: z.number(),
    power: z.number(),
    start: z.string(),
    end: z.string(),
  }),
  handler: async ({ body, context }) => {
    const { arms, kind } = await resolveArms(context.db, context.viewer.orgId, {
      experimentId: body.experiment_id,
      modelIds: body.model_ids,
      versionIds: body.version_ids,
      armsBy: body.arms_by ?? 'MODEL',
      decode: (id, idKind, path) => decodeIdOf(id, [idKind], path).id,
    });
    const report = await compareArms(context.db, context.viewer.orgId, {
      arms,
      range: compareRange(body),
      alpha: body.alpha ?? 0.05,
      power: body.power ?? 0.8,
      objective: body.objective ?? 'QUALITY',
      source: context.deps.config.usageSource,
    });
    const armId = (key: string) => encodeGlobalID(kind === 'MODEL' ? 'Model' : 'ModelVersion', key);
    return {
      arms_by: kind,
      arms: report.arms.map((arm) => ({
        arm_id: armId(arm.key),
        requests: arm.requests,
        error_rate: arm.errorRate,
        quality_scored: arm.quality.n,
        mean_quality_score: arm.quality.n ? finite(arm.quality.mean) : null,
        quality_ci95: arm.quality.ci,
        latency_ms: distributionJson(arm.latency),
        mean_cost_usd: arm.cost.n ? finite(arm.cost.mean) : null,
        unpriced_requests: arm.requests - arm.cost.n,
        mean_quality_per_dollar: arm.qualityPerDollar.n ? finite(arm.qualityPerDollar.mean) : null,
      })),
      comparisons: report.comparisons.map((pair) => ({
        a: armId(pair.a),
        b: armId(pair.b),
        objective_difference: finite(pair.objectiveDifference),
        objective_test: testJson(pair.objectiveTest),
        quality_difference: finite(pair.qualityDifference),
        quality_test: testJson(pair.qualityTest),
        latency_difference_ms: finite(pair.latencyDifference),
        latency_test: testJson(pair.latencyTest),
        error_rate_difference: pair.errorRateDifference,
        error_rate_test: testJson(pair.errorRateTest),
      })),
      verdict: {
        outcome: report.verdict.outcome,
        winner: report.verdict.winner ? armId(report.verdict.winner) : null,
        objective: report.verdict.objective,
        adjusted_alpha: report.verdict.adjustedAlpha,
        required_per_arm: report.verdict.requiredPerArm,
        additional_per_arm: report.verdict.additionalPerArm,
        reason: report.verdict.reason,
      },
      alpha: report.alpha,
      power: report.power,
      start: report.from.toISOString(),
      end: report.to.toISOString(),
    };
  },
});

/** In match order: the literal `/track` and `/compare` before `/:modelId/...`. */
export const VIBE_ROUTES = [
  inferenceTrack,
  inferenceTrackBatch,
  inferenceScore,
  usageCompare,
  usageCosts,
  usageTrends,
  usageRoi,
];

import { decodeIdOf } from '../../global-id.ts';
import { BudgetExceededError } from '../../registry/budget/budget.service.ts';
import { atPath, RegistryError, ValidationError } from '../../registry/errors.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../registry/idempotency/idempotency.service.ts';
import {
  type InferenceTrackInput as InferenceRequestData,
  type TrackedInference,
  trackInferences,
} from '../../registry/usage/usage.service.ts';
import type { InferenceStatus } from '../../registry/usage/usage.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import '../objects/Budget.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { InferenceRequestRef, InferenceStatusEnum } from '../objects/InferenceRequest.ts';

const InferenceRequestInput = builder.inputType('InferenceRequestInput', {
  description: 'One LLM request.',
  fields: (t) => ({
    modelId: t.id({ required: true, description: 'Global ID of the registered model.' }),
    versionId: t.id({ description: 'Global ID of one of its versions.' }),
    deploymentId: t.id({ description: 'Global ID of the deployment that served it.' }),
    experimentId: t.id({ description: 'Global ID of the A/B experiment it belongs to.' }),
    provider: t.string({
      required: true,
      description: 'The provider (openai, anthropic...); stored lowercase.',
    }),
    providerModel: t.string({
      required: true,
      description: 'The provider’s model name, e.g. "gpt-4o-2024-08-06".',
    }),
    latencyMs: t.float({
      required: true,
      description: 'Latency in milliseconds (0 to 86,400,000).',
    }),
    inputTokens: t.int({ required: true, description: 'Input tokens, cached ones included.' }),
    outputTokens: t.int({ required: true, description: 'Output tokens, reasoning ones included.' }),
    cachedTokens: t.int({
      description: 'Of the input tokens, those read from the cache (default 0).',
    }),
    reasoningTokens: t.int({
      description: 'Of the output tokens, those spent reasoning (default 0).',
    }),
    costUsd: t.float({
      description: 'The cost in USD, if known; otherwise computed from the price table.',
    }),
    quality: t.float({ description: 'A quality score on your own scale.' }),
    status: t.field({ type: InferenceStatusEnum, required: true, description: 'How it ended.' }),
    idempotencyKey: t.string({
      description: `A key unique to this request (1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, the rule of every idempotency key): sending it again with the same request records nothing and returns the first result; with another request it is a ConflictError.`,
    }),
    timestamp: t.field({ type: 'DateTime', description: 'When it was made (default now).' }),
    endUserId: t.string({
      description:
        'Your application’s end user, free text (1 to 200 characters), for usageAttribution(by: END_USER).',
    }),
  }),
});

const InferenceTrackInputRef = builder.inputType('InferenceTrackInput', {
  description: 'One request (`request`) or a batch (`requests`), recorded all or nothing.',
  fields: (t) => ({
    request: t.field({ type: InferenceRequestInput, description: 'A single request.' }),
    requests: t.field({ type: [InferenceRequestInput], description: 'Or a batch of 1 to 1,000.' }),
  }),
});

const TrackedInferenceRef = builder.objectRef<TrackedInference>('TrackedInference');
TrackedInferenceRef.implement({
  description: 'One request as stored.',
  fields: (t) => ({
    request: t.field({
      type: InferenceRequestRef,
      description: 'The stored request.',
      resolve: (x) => x.request,
    }),
    deduplicated: t.exposeBoolean('deduplicated', {
      description: 'True when its idempotency key was already recorded: this is the first result.',
    }),
  }),
});

const InferenceTrackPayload = builder.objectRef<{ tracked: TrackedInference[] }>(
  'InferenceTrackPayload',
);
InferenceTrackPayload.implement({
  description: 'The requests as stored, in the order sent.',
  fields: (t) => ({
    tracked: t.field({
      type: [TrackedInferenceRef],
      description: 'Each request.',
      resolve: (p) => p.tracked,
    }),
    recorded: t.int({
      description: 'Requests newly recorded.',
      resolve: (p) => p.tracked.filter((x) => !x.deduplicated).length,
    }),
    unpriced: t.int({
      description:
        'Of the returned requests, those without a cost (counted as unpriced, never $0).',
      resolve: (p) => p.tracked.filter((x) => x.request.costUsd === null).length,
    }),
  }),
});

type RequestArg = {
  modelId: string | number;
  versionId?: string | number | null;
  deploymentId?: string | number | null;
  experimentId?: string | number | null;
} & Omit<
  InferenceRequestData,
  'modelId' | 'versionId' | 'deploymentId' | 'experimentId' | 'status'
> & {
    status: string;
  };

function decodeRequest(request: RequestArg, path: readonly string[]): InferenceRequestData {
  const optional = (value: string | number | null | undefined, kind: string, field: string) =>
    value === null || value === undefined
      ? null
      : decodeIdOf(String(value), [kind], [...path, field]).id;
  return {
    ...request,
    modelId: decodeIdOf(String(request.modelId), ['Model'], [...path, 'modelId']).id,
    versionId: optional(request.versionId, 'ModelVersion', 'versionId'),
    deploymentId: optional(request.deploymentId, 'Deployment', 'deploymentId'),
    experimentId: optional(request.experimentId, 'Experiment', 'experimentId'),
    status: request.status as InferenceStatus,
  };
}

/** The service names its requests by index; a single `request` has none: `['0', f]` is `['request', f]`. */
function singleRequestPath(error: unknown): unknown {
  if (!(error instanceof RegistryError)) return error;
  const [, ...rest] = error.path;
  return atPath(error, ['request', ...rest]);
}

function prefixedPath(error: unknown, prefix: readonly string[]): unknown {
  return error instanceof RegistryError ? atPath(error, [...prefix, ...error.path]) : error;
}

const InferenceTrackResult = mutationResult('inferenceTrack', InferenceTrackPayload, [
  ...COMMON_ERRORS,
  BudgetExceededError,
]);

builder.mutationField('inferenceTrack', (t) =>
  t.field({
    type: InferenceTrackResult,
    description:
      'Records LLM requests (latency, tokens, cost, quality), all or nothing in one D1 batch, and writes each new one to Analytics Engine. Cost comes from the request, else the price table, else the request is unpriced. Idempotency keys record once. An enforced budget that the call would take past its limit refuses it whole (BudgetExceededError).',
    authScopes: { editor: true },
    args: {
      input: t.arg({
        type: InferenceTrackInputRef,
        required: true,
        description: 'What to record.',
      }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const single = input.request ?? null;
        const batch = input.requests ?? null;
        if ((single === null) === (batch === null)) {
          throw new ValidationError('Give exactly one of request or requests', []);
        }
        const basePath = single ? ['request'] : ['requests'];
        const requests = single
          ? [decodeRequest(single as RequestArg, basePath)]
          : (batch as RequestArg[]).map((request, index) =>
              decodeRequest(request, [...basePath, String(index)]),
            );
        try {
          return {
            tracked: await trackInferences(
              context.deps,
              context.viewer,
              context.deps.events,
              requests,
            ),
          };
        } catch (error) {
          throw single ? singleRequestPath(error) : prefixedPath(error, basePath);
        }
      }),
  }),
);

// One tracked LLM request (inferenceTrack), with how it ended and how it was priced.
import type { InferenceRequest, InferenceScore } from '../../registry/usage/usage.ts';
import {
  inferenceRequestsOfTrace,
  scoresOfRequests,
} from '../../registry/usage/usage-read.service.ts';
import { builder } from '../builder.ts';
import { keyedLoader } from '../lib/range-loaders.ts';
import { DeploymentRef, ExperimentRef, ModelRef, ModelVersionRef } from './refs.ts';

export const InferenceStatusEnum = builder.enumType('InferenceStatus', {
  description: 'How an LLM request ended.',
  values: {
    SUCCESS: { value: 'SUCCESS', description: 'The provider answered.' },
    ERROR: { value: 'ERROR', description: 'The request failed (error, timeout, refusal).' },
  } as const,
});

const CostSourceEnum = builder.enumType('CostSource', {
  description: 'Where a request’s cost came from.',
  values: {
    PROVIDED: { value: 'PROVIDED', description: 'Sent with the request.' },
    PRICE_TABLE: { value: 'PRICE_TABLE', description: 'Computed from the price table.' },
  } as const,
});

export const ScoreSourceEnum = builder.enumType('ScoreSource', {
  description: 'Who gave a score.',
  values: {
    USER: { value: 'USER', description: 'The application’s end user (thumbs up, a rating).' },
    MODEL_JUDGE: { value: 'MODEL_JUDGE', description: 'A model acting as judge.' },
    HUMAN_REVIEW: { value: 'HUMAN_REVIEW', description: 'A human reviewer.' },
  } as const,
});

export const InferenceScoreRef = builder.objectRef<InferenceScore>('InferenceScore');
InferenceScoreRef.implement({
  description: 'A named score of a request, given after the fact (inferenceScore).',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The score’s id.' }),
    name: t.exposeString('name', {
      description: 'Its name; "quality" feeds the request’s quality.',
    }),
    value: t.exposeFloat('value', { description: 'The value, on your own scale.' }),
    comment: t.exposeString('comment', { nullable: true, description: 'Why, when given.' }),
    source: t.field({
      type: ScoreSourceEnum,
      description: 'Who gave it.',
      resolve: (s) => s.source,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was last set.',
      resolve: (s) => s.createdAt,
    }),
  }),
});

export const InferenceRequestRef = builder.objectRef<InferenceRequest>('InferenceRequest');
InferenceRequestRef.implement({
  description: 'One recorded LLM request.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The request’s id (UUIDv7).' }),
    model: t.field({
      type: ModelRef,
      description: 'The registered model.',
      resolve: (r) => r.modelId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version, when given.',
      resolve: (r) => r.versionId,
    }),
    deployment: t.field({
      type: DeploymentRef,
      nullable: true,
      description: 'The deployment that served it, when given.',
      resolve: (r) => r.deploymentId,
    }),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'The A/B experiment it belongs to, when given.',
      resolve: (r) => r.experimentId,
    }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    providerModel: t.exposeString('providerModel', { description: 'The provider’s model name.' }),
    latencyMs: t.exposeFloat('latencyMs', { description: 'Latency in milliseconds.' }),
    inputTokens: t.exposeInt('inputTokens', { description: 'Input tokens, cached ones included.' }),
    outputTokens: t.exposeInt('outputTokens', {
      description: 'Output tokens, reasoning ones included.',
    }),
    cachedTokens: t.exposeInt('cachedTokens', { description: 'Cached input tokens.' }),
    reasoningTokens: t.exposeInt('reasoningTokens', { description: 'Reasoning output tokens.' }),
    costUsd: t.exposeFloat('costUsd', {
      nullable: true,
      description: 'Cost in USD; null when unpriced (never $0 for unknown).',
    }),
    costSource: t.field({
      type: CostSourceEnum,
      nullable: true,
      description: 'Where the cost came from; null when unpriced.',
      resolve: (r) => r.costSource,
    }),
    quality: t.exposeFloat('quality', {
      nullable: true,
      description: 'Quality score, when given.',
    }),
    status: t.field({
      type: InferenceStatusEnum,
      description: 'How it ended.',
      resolve: (r) => r.status,
    }),
    idempotencyKey: t.exposeString('idempotencyKey', {
      nullable: true,
      description: 'The client’s idempotency key, when given.',
    }),
    requestedAt: t.field({
      type: 'DateTime',
      description: 'When the request was made.',
      resolve: (r) => r.requestedAt,
    }),
    traceId: t.exposeString('traceId', {
      nullable: true,
      description: 'The W3C trace id (32 hex digits) of the span it was recorded from, if any.',
    }),
    spanId: t.exposeString('spanId', {
      nullable: true,
      description: 'The span id (16 hex digits) it was recorded from, if any.',
    }),
    endUserId: t.exposeString('endUserId', {
      nullable: true,
      description: 'The application’s end user (enduser.id or user.id), when sent.',
    }),
    scores: t.field({
      type: [InferenceScoreRef],
      description: 'Its scores (inferenceScore), by name and source.',
      resolve: (r, _args, context) =>
        keyedLoader<InferenceScore[]>(context, 'inferenceScores', (ids) =>
          scoresOfRequests(context.deps, context.viewer, ids),
        ).load(r.id),
    }),
  }),
});

builder.queryField('inferenceRequests', (t) =>
  t.field({
    type: [InferenceRequestRef],
    description:
      'The requests recorded from one trace (OTLP spans), oldest first; one span’s with spanId.',
    args: {
      traceId: t.arg.string({ required: true, description: 'The trace id, 32 hex digits.' }),
      spanId: t.arg.string({ description: 'Only this span, 16 hex digits.' }),
    },
    resolve: (_root, args, context) =>
      inferenceRequestsOfTrace(context.deps, context.viewer, args.traceId, args.spanId ?? null),
  }),
);

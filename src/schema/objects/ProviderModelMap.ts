// The provider model map (providerModelMapSet) and what maps to nothing yet (unmatchedUsage): how
// GenAI spans from OTLP exports find their registered model (docs/otlp.md).
import { ValidationError } from '../../registry/errors.ts';
import type {
  ProviderModelMap,
  UnmatchedInference,
  UnmatchedUsageGroup,
} from '../../registry/usage/usage.ts';
import {
  providerModelMapsOf,
  type UnmatchedUsage,
  unmatchedUsageOf,
} from '../../registry/usage/usage-read.service.ts';
import { builder } from '../builder.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { InferenceStatusEnum } from './InferenceRequest.ts';
import { ModelRef, ModelVersionRef } from './refs.ts';

export const ProviderModelMapRef = builder.objectRef<ProviderModelMap>('ProviderModelMap');
ProviderModelMapRef.implement({
  description:
    'A provider’s model name (exact or a GLOB) standing for a registered model: GenAI spans without registry.model are recorded against it. The most specific matching name wins, as for prices.',
  fields: (t) => ({
    id: t.globalID({
      description: 'Global ID of the mapping (for providerModelMapDelete).',
      resolve: (map) => ({ type: 'ProviderModelMap', id: map.id }),
    }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    providerModel: t.exposeString('providerModel', {
      description: 'Provider model names it applies to: a GLOB (`*` any run, `?` one character).',
    }),
    model: t.field({
      type: ModelRef,
      description: 'The registered model.',
      resolve: (map) => map.modelId,
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version recorded when the span names none (registry.version).',
      resolve: (map) => map.versionId,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it was last set.',
      resolve: (map) => map.createdAt,
    }),
  }),
});

builder.queryField('providerModelMaps', (t) =>
  t.field({
    type: [ProviderModelMapRef],
    description:
      'The provider model map of your organization (at most 500 entries), by provider and name.',
    resolve: (_root, _args, context) => providerModelMapsOf(context.deps, context.viewer),
  }),
);

const UnmatchedUsageGroupRef = builder.objectRef<UnmatchedUsageGroup>('UnmatchedUsageGroup');
UnmatchedUsageGroupRef.implement({
  description: 'Unmatched spans of one provider model name.',
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    providerModel: t.exposeString('providerModel', { description: 'The provider’s model name.' }),
    spans: t.exposeInt('spans', { description: 'Spans kept unmatched.' }),
    inputTokens: t.exposeFloat('inputTokens', { description: 'Their input tokens.' }),
    outputTokens: t.exposeFloat('outputTokens', { description: 'Their output tokens.' }),
    firstSeen: t.field({
      type: 'DateTime',
      description: 'The earliest span’s start.',
      resolve: (g) => g.firstSeen,
    }),
    lastSeen: t.field({
      type: 'DateTime',
      description: 'The latest span’s start.',
      resolve: (g) => g.lastSeen,
    }),
  }),
});

const UnmatchedSpanRef = builder.objectRef<UnmatchedInference>('UnmatchedSpan');
UnmatchedSpanRef.implement({
  description: 'A GenAI span that named no registered model and matched no mapping.',
  fields: (t) => ({
    traceId: t.exposeString('traceId', { description: 'Its trace id (32 hex digits).' }),
    spanId: t.exposeString('spanId', { description: 'Its span id (16 hex digits).' }),
    provider: t.exposeString('provider', { description: 'The provider, lowercase.' }),
    providerModel: t.exposeString('providerModel', { description: 'The provider’s model name.' }),
    inputTokens: t.exposeInt('inputTokens', { description: 'Input tokens.' }),
    outputTokens: t.exposeInt('outputTokens', { description: 'Output tokens.' }),
    latencyMs: t.exposeFloat('latencyMs', { description: 'The span’s duration in milliseconds.' }),
    status: t.field({
      type: InferenceStatusEnum,
      description: 'How it ended.',
      resolve: (s) => s.status,
    }),
    endUserId: t.exposeString('endUserId', {
      nullable: true,
      description: 'The end user (enduser.id or user.id), when sent.',
    }),
    requestedAt: t.field({
      type: 'DateTime',
      description: 'The span’s start.',
      resolve: (s) => s.requestedAt,
    }),
  }),
});

const UnmatchedUsageRef = builder.objectRef<UnmatchedUsage>('UnmatchedUsage');
UnmatchedUsageRef.implement({
  description:
    'GenAI spans kept because they mapped to no registered model: set registry.model on the spans or add a providerModelMapSet entry.',
  fields: (t) => ({
    groups: t.field({
      type: [UnmatchedUsageGroupRef],
      description: 'Counts per provider model name, most spans first.',
      resolve: (u) => u.groups,
    }),
    recent: t.field({
      type: [UnmatchedSpanRef],
      description: 'The newest unmatched spans, newest first.',
      resolve: (u) => u.recent,
    }),
  }),
});

const MAX_UNMATCHED_ROWS = 100;

builder.queryField('unmatchedUsage', (t) =>
  t.field({
    type: UnmatchedUsageRef,
    description: 'GenAI spans of your organization that mapped to no registered model.',
    args: {
      from: t.arg({
        type: 'DateTime',
        description: 'Only spans that started at or after this time (default: 30 days ago).',
      }),
      groups: t.arg.int({
        required: true,
        defaultValue: 20,
        description: `Provider model names to return (1-${MAX_UNMATCHED_ROWS}).`,
      }),
      examples: t.arg.int({
        required: true,
        defaultValue: 10,
        description: `Newest spans to return (0-${MAX_UNMATCHED_ROWS}).`,
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(() => {
        if (args.groups < 1 || args.groups > MAX_UNMATCHED_ROWS) {
          throw new ValidationError(`Must be 1 to ${MAX_UNMATCHED_ROWS}`, ['groups']);
        }
        if (args.examples < 0 || args.examples > MAX_UNMATCHED_ROWS) {
          throw new ValidationError(`Must be 0 to ${MAX_UNMATCHED_ROWS}`, ['examples']);
        }
        const from = args.from ?? new Date(Date.now() - 30 * 86_400_000);
        return unmatchedUsageOf(context.deps, context.viewer, from, {
          groups: args.groups,
          examples: args.examples,
        });
      }),
  }),
);

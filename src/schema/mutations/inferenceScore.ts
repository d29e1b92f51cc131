import { type ScoredInference, scoreInference } from '../../registry/usage/score.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import {
  InferenceRequestRef,
  InferenceScoreRef,
  ScoreSourceEnum,
} from '../objects/InferenceRequest.ts';

const InferenceScoreInput = builder.inputType('InferenceScoreInput', {
  description:
    'A named score for one request, found by its id or by the span it was recorded from; the same name and source again replaces that score.',
  fields: (t) => ({
    requestId: t.string({ description: 'The request’s id (InferenceRequest.id).' }),
    traceId: t.string({ description: 'Or the trace id of the span it came from (32 hex digits)…' }),
    spanId: t.string({ description: '…with its span id (16 hex digits).' }),
    name: t.string({
      required: true,
      description: 'The score’s name (1 to 100 characters); "quality" feeds the request’s quality.',
    }),
    value: t.float({ required: true, description: 'The value, on your own scale.' }),
    comment: t.string({ description: 'Why (up to 2,000 characters).' }),
    source: t.field({ type: ScoreSourceEnum, required: true, description: 'Who gives it.' }),
  }),
});

const InferenceScorePayload = builder.objectRef<ScoredInference>('InferenceScorePayload');
InferenceScorePayload.implement({
  description: 'The score as stored and the request it scores.',
  fields: (t) => ({
    score: t.field({ type: InferenceScoreRef, description: 'The score.', resolve: (p) => p.score }),
    request: t.field({
      type: InferenceRequestRef,
      description: 'The request, with its quality after the score.',
      resolve: (p) => p.request,
    }),
  }),
});

const InferenceScoreResult = mutationResult('inferenceScore', InferenceScorePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('inferenceScore', (t) =>
  t.field({
    type: InferenceScoreResult,
    description:
      'Scores a tracked request after the fact (a user rating, a model judge, a human review). Several named scores per request; the mean of its scores named "quality" becomes its quality in usage, ROI and A/B reports.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: InferenceScoreInput, required: true, description: 'The score.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() => scoreInference(context.deps, context.viewer, input)),
  }),
);

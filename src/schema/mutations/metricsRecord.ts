import { decodeIdOf } from '../../global-id.ts';
import { recordMetrics } from '../../registry/metrics/metrics.service.ts';
import type { MetricType } from '../../registry/metrics/metrics.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { MetricTypeEnum } from '../objects/MetricStats.ts';

const MetricPointInput = builder.inputType('MetricPointInput', {
  description: 'One measured value of a model version.',
  fields: (t) => ({
    versionId: t.id({ required: true, description: 'Global ID of the model version.' }),
    type: t.field({ type: MetricTypeEnum, required: true, description: 'What was measured.' }),
    name: t.string({ description: 'The name of a CUSTOM metric (lowercase, e.g. "bleu").' }),
    value: t.float({
      required: true,
      description:
        'The value: finite; LATENCY and THROUGHPUT at least 0, ACCURACY and ERROR_RATE from 0 to 1.',
    }),
    context: t.field({
      type: 'JSON',
      description: 'A JSON object about the measurement (up to 64 KiB).',
    }),
    timestamp: t.field({
      type: 'DateTime',
      description: 'When it was measured (default now); not in the future, not before 2000.',
    }),
  }),
});

const MetricsRecordInput = builder.inputType('MetricsRecordInput', {
  description: 'A batch of points, recorded all or nothing.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    points: t.field({
      type: [MetricPointInput],
      required: true,
      description: '1 to 1,000 points.',
    }),
  }),
});

const MetricsRecordPayload = builder.objectRef<{ recorded: number }>('MetricsRecordPayload');
MetricsRecordPayload.implement({
  description: 'The batch was recorded.',
  fields: (t) => ({
    recorded: t.exposeInt('recorded', { description: 'Points recorded.' }),
  }),
});

const MetricsRecordResult = mutationResult('metricsRecord', MetricsRecordPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('metricsRecord', (t) =>
  t.field({
    type: MetricsRecordResult,
    description:
      'Records performance metric points, all or nothing in one D1 batch, and writes each to Analytics Engine. A bad point is reported with its index in the error path.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: MetricsRecordInput, required: true, description: 'What to record.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const points = await idempotent(context, 'metricsRecord', input, (claim) =>
          recordMetrics(
            context.deps,
            context.viewer,
            context.deps.events,
            input.points.map((point, index) => ({
              versionId: decodeIdOf(
                point.versionId,
                ['ModelVersion'],
                ['points', String(index), 'versionId'],
              ).id,
              type: point.type as MetricType,
              name: point.name,
              value: point.value,
              context: point.context,
              timestamp: point.timestamp,
            })),
            claim,
          ),
        );
        return { recorded: points.length };
      }),
  }),
);

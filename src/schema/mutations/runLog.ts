import { decodeIdOf } from '../../global-id.ts';
import { ValidationError } from '../../registry/errors.ts';
import { logRun } from '../../registry/run/run.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { RunKeyValueInput } from '../nodes/Run.ts';
import { RunRef } from '../objects/refs.ts';

const RunMetricInput = builder.inputType('RunMetricInput', {
  description: 'One metric point.',
  fields: (t) => ({
    key: t.string({ required: true, description: 'The metric’s name (up to 250 characters).' }),
    value: t.float({
      description:
        'The value. Leave it out and set isNaN for NaN (GraphQL floats have no NaN); +-Infinity cannot be sent as a GraphQL float either: send +-1.7976931348623157e308.',
    }),
    isNaN: t.boolean({ description: 'Log NaN (value left out).' }),
    step: t.field({ type: 'SafeInt', description: 'The step; 0 by default.' }),
    timestamp: t.field({ type: 'DateTime', description: 'When it was measured; now by default.' }),
  }),
});

const RunLogInput = builder.inputType('RunLogInput', {
  description:
    'What to log to a run in one batch (MLflow’s log-batch): at most 1,000 metrics, 100 params and 100 tags, checked whole before anything is written.',
  fields: (t) => ({
    runId: t.id({ required: true, description: 'Global ID of the run (active, not deleted).' }),
    metrics: t.field({ type: [RunMetricInput], description: 'Metric points to append.' }),
    params: t.field({
      type: [RunKeyValueInput],
      description:
        'Parameters (values up to 6,000 characters). Written once: the same value again is accepted, another value is a ValidationError.',
    }),
    tags: t.field({ type: [RunKeyValueInput], description: 'Tags to set or overwrite.' }),
  }),
});

const RunLogPayload = builder.objectRef<{ runId: string }>('RunLogPayload');
RunLogPayload.implement({
  description: 'The run after logging.',
  fields: (t) => ({
    run: t.field({ type: RunRef, description: 'The run.', resolve: (p) => p.runId }),
  }),
});

const RunLogResult = mutationResult('runLog', RunLogPayload, [...COMMON_ERRORS]);

builder.mutationField('runLog', (t) =>
  t.field({
    type: RunLogResult,
    description:
      'Logs metrics, params and tags to a run, all or nothing, in one D1 batch. Sending the same batch again writes nothing new: a metric point is kept once per (key, step, timestamp, value), params are written once and tags are overwritten with the same values. Not audited (telemetry); the run’s creation and status changes are.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: RunLogInput, required: true, description: 'What to log.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const runId = decodeIdOf(input.runId, ['Run'], ['runId']).id;
        const now = Date.now();
        await logRun(context.deps, context.viewer, {
          runId,
          metrics: input.metrics?.map((metric, index) => ({
            key: metric.key,
            value: metricValue(metric, index),
            step: metric.step,
            timestamp: metric.timestamp?.getTime() ?? now,
          })),
          params: input.params,
          tags: input.tags,
        });
        return { runId };
      }),
  }),
);

function metricValue(
  metric: { key: string; value?: number | null; isNaN?: boolean | null },
  index: number,
): number {
  if (metric.isNaN) {
    if (metric.value != null) {
      throw new ValidationError('Send either a value or isNaN, not both', [
        'metrics',
        String(index),
        'value',
      ]);
    }
    return Number.NaN;
  }
  if (metric.value == null) {
    throw new ValidationError('A metric point needs a value (or isNaN: true)', [
      'metrics',
      String(index),
      'value',
    ]);
  }
  return metric.value;
}

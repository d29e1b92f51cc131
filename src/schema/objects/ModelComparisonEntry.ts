// Side-by-side metric statistics of several models (modelComparison).
import { decodeIdOf } from '../../global-id.ts';
import {
  compareModels,
  type ModelComparisonEntry,
} from '../../registry/metrics/metrics.service.ts';
import { builder } from '../builder.ts';
import { parseMetricArgs } from '../lib/metric-args.ts';
import { requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { MetricStatsRef, MetricTypeEnum } from './MetricStats.ts';
import { ModelRef } from './refs.ts';

const ModelComparisonEntryRef = builder.objectRef<ModelComparisonEntry>('ModelComparisonEntry');
ModelComparisonEntryRef.implement({
  description: 'One model’s statistics in a comparison.',
  fields: (t) => ({
    rank: t.exposeInt('rank', {
      nullable: true,
      description:
        '1 for the best mean (lowest for LATENCY and ERROR_RATE, highest otherwise); null without points.',
    }),
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (e) => e.modelId }),
    stats: t.field({
      type: MetricStatsRef,
      description: 'Its statistics.',
      resolve: (e) => e.stats,
    }),
  }),
});

builder.queryField('modelComparison', (t) =>
  t.field({
    type: [ModelComparisonEntryRef],
    description:
      'One metric of several models side by side, best first (ties by id); models without points come last. Unknown or invisible ids are a BAD_USER_INPUT error.',
    args: {
      modelIds: t.arg.idList({ required: true, description: 'Global IDs of 1 to 50 models.' }),
      metricType: t.arg({ type: MetricTypeEnum, required: true, description: 'The metric.' }),
      name: t.arg.string({ description: 'The name of a CUSTOM metric.' }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const { metric, range } = parseMetricArgs(
          { ...args, type: args.metricType },
          requestNow(context),
        );
        return compareModels(context.db, context.viewer.orgId, {
          modelIds: args.modelIds.map(String),
          decodeModelId: (id, index) => decodeIdOf(id, ['Model'], ['modelIds', String(index)]).id,
          type: args.metricType,
          metric,
          range,
        });
      }),
  }),
);

// The cost/quality Pareto frontier of several models (roiFrontier).
import { decodeIdOf } from '../../global-id.ts';
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import {
  type FrontierEntry,
  paretoFrontier,
  type RoiFrontier,
  usageReports,
} from '../../registry/usage/analysis.service.ts';
import { requireVisibleIds } from '../../registry/usage/arms.service.ts';
import { builder } from '../builder.ts';
import { requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { ModelRef } from './refs.ts';

/** Models in one roiFrontier. */
const MAX_FRONTIER_MODELS = 50;

const FrontierEntryRef = builder.objectRef<FrontierEntry>('RoiFrontierEntry');
FrontierEntryRef.implement({
  description: 'One model on the cost/quality plane.',
  fields: (t) => ({
    model: t.field({ type: ModelRef, description: 'The model.', resolve: (e) => e.modelId }),
    meanQuality: t.exposeFloat('meanQuality', {
      nullable: true,
      description: 'Mean quality over requests with a quality and a cost.',
    }),
    meanCostUsd: t.exposeFloat('meanCostUsd', {
      nullable: true,
      description: 'Mean cost over the same requests.',
    }),
    qualityPerDollar: t.exposeFloat('qualityPerDollar', {
      nullable: true,
      description: 'meanQuality / meanCostUsd.',
    }),
    requests: t.exposeInt('requests', { description: 'Requests with a quality and a cost.' }),
    onFrontier: t.exposeBoolean('onFrontier', {
      description: 'No other model is at least as good and at most as costly, one strictly.',
    }),
  }),
});

export const RoiFrontierRef = builder.objectRef<RoiFrontier>('RoiFrontier');
RoiFrontierRef.implement({
  description: 'The cost/quality Pareto frontier of a set of models.',
  fields: (t) => ({
    entries: t.field({
      type: [FrontierEntryRef],
      description: 'Every model asked for, in the order given.',
      resolve: (f) => f.entries,
    }),
    frontier: t.field({
      type: [FrontierEntryRef],
      description: 'The models on the frontier, cheapest first.',
      resolve: (f) =>
        f.entries
          .filter((e) => e.onFrontier)
          .sort(
            (a, b) =>
              (a.meanCostUsd ?? 0) - (b.meanCostUsd ?? 0) || a.modelId.localeCompare(b.modelId),
          ),
    }),
    bestQuality: t.exposeFloat('bestQuality', {
      nullable: true,
      description: 'The best mean quality among the models.',
    }),
    qualityTolerance: t.exposeFloat('qualityTolerance', {
      description: 'The tolerance asked for.',
    }),
    cheapestWithinTolerance: t.field({
      type: ModelRef,
      nullable: true,
      description: 'The cheapest model whose mean quality is within the tolerance of the best.',
      resolve: (f) => f.cheapestWithinTolerance,
    }),
  }),
});

builder.queryField('roiFrontier', (t) =>
  t.field({
    type: RoiFrontierRef,
    description:
      'The cost/quality Pareto frontier of a set of models over [from, to), and the cheapest model within qualityTolerance of the best quality.',
    args: {
      modelIds: t.arg.idList({ required: true, description: 'Global IDs of 1 to 50 models.' }),
      qualityTolerance: t.arg.float({
        required: true,
        defaultValue: 0,
        description: 'How far below the best mean quality still counts as good enough.',
      }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive); default 30 days before `to`.',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        const ids = await requireVisibleIds(
          context.db,
          context.viewer.orgId,
          {
            ids: args.modelIds.map(String),
            kind: 'Model',
            argument: 'modelIds',
            max: MAX_FRONTIER_MODELS,
          },
          (id, kind, path) => decodeIdOf(id, [kind], path).id,
        );
        const reports = await usageReports(
          context.db,
          context.viewer.orgId,
          ids,
          requireRange(args.from, args.to, [], requestNow(context)),
          context.deps.config.usageSource,
          { latency: false },
        );
        return paretoFrontier(reports, args.qualityTolerance);
      }),
  }),
);

// What a model's LLM spend buys (Model.roi).
import {
  costPerSuccessfulRequest,
  qualityPerDollar,
} from '../../registry/usage/analysis.service.ts';
import { builder } from '../builder.ts';
import type { UsageGroup } from './UsageReport.ts';

export const RoiRef = builder.objectRef<UsageGroup>('ModelRoi');
RoiRef.implement({
  description: 'Return on spend of a model over a range.',
  fields: (t) => ({
    qualityPerDollar: t.float({
      nullable: true,
      description: 'Mean quality divided by mean cost (USD), over requests with both.',
      resolve: (r) => qualityPerDollar(r.totals),
    }),
    costPerSuccessfulRequest: t.float({
      nullable: true,
      description:
        'All priced cost (failures are paid for too) divided by the successful priced requests, in USD.',
      resolve: (r) => costPerSuccessfulRequest(r.totals),
    }),
    meanQuality: t.float({
      nullable: true,
      description: 'Mean quality over requests with a quality and a cost.',
      resolve: (r) => r.totals.roiMeanQuality,
    }),
    meanCostUsd: t.float({
      nullable: true,
      description: 'Mean cost over requests with a quality and a cost.',
      resolve: (r) => r.totals.roiMeanCostUsd,
    }),
    requests: t.int({
      description: 'Requests with both a quality score and a cost: the base of these figures.',
      resolve: (r) => r.totals.roiRequests,
    }),
    unpricedRequests: t.int({
      description: 'Requests left out for want of a cost.',
      resolve: (r) => r.totals.unpricedRequests,
    }),
  }),
});

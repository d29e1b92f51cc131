// A model's projected LLM spend (Model.costForecast).
import type { CostForecast } from '../../registry/usage/analysis.service.ts';
import { builder } from '../builder.ts';

const DailyCostRef = builder.objectRef<CostForecast['daily'][number]>('DailyCost');
DailyCostRef.implement({
  description: 'Spend on one UTC day.',
  fields: (t) => ({
    day: t.exposeString('day', { description: 'The day, YYYY-MM-DD.' }),
    costUsd: t.exposeFloat('costUsd', { description: 'Priced spend that day, in USD.' }),
    requests: t.exposeInt('requests', { description: 'Requests that day.' }),
    unpricedRequests: t.exposeInt('unpricedRequests', { description: 'Of which unpriced.' }),
  }),
});

export const CostForecastRef = builder.objectRef<CostForecast>('CostForecast');
CostForecastRef.implement({
  description:
    'Spend forecast from a least-squares trend of daily spend, with a 95% prediction interval. Unpriced requests are not in it; see unpricedRequests.',
  fields: (t) => ({
    historyFrom: t.field({
      type: 'DateTime',
      description: 'First day of the history.',
      resolve: (f) => f.historyFrom,
    }),
    historyTo: t.field({
      type: 'DateTime',
      description: 'End of the history (today, 00:00 UTC).',
      resolve: (f) => f.historyTo,
    }),
    horizonDays: t.exposeInt('horizonDays', { description: 'Days forecast, from today.' }),
    daily: t.field({
      type: [DailyCostRef],
      description: 'The history, day by day.',
      resolve: (f) => f.daily,
    }),
    trendPerDayUsd: t.exposeFloat('trendPerDayUsd', {
      nullable: true,
      description: 'Slope of the trend: change in daily spend per day.',
    }),
    forecastUsd: t.exposeFloat('forecastUsd', {
      nullable: true,
      description: 'Forecast spend over the horizon.',
    }),
    forecastLowUsd: t.exposeFloat('forecastLowUsd', {
      nullable: true,
      description: 'Lower 95% bound.',
    }),
    forecastHighUsd: t.exposeFloat('forecastHighUsd', {
      nullable: true,
      description: 'Upper 95% bound.',
    }),
    unpricedRequests: t.exposeInt('unpricedRequests', {
      description: 'Unpriced requests in the history.',
    }),
    monthlyBudgetUsd: t.exposeFloat('monthlyBudgetUsd', {
      nullable: true,
      description: 'The budget asked about.',
    }),
    monthToDateUsd: t.exposeFloat('monthToDateUsd', {
      description: 'Spend this calendar month before today.',
    }),
    budgetCrossedOn: t.exposeString('budgetCrossedOn', {
      nullable: true,
      description:
        'The first day (YYYY-MM-DD) a calendar month’s spend passes the budget at the trend; null if not within the horizon.',
    }),
  }),
});

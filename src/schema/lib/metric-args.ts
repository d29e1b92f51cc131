// The arguments every metric field takes (type, name, from, to), checked once.
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import { type MetricType, metricKey, type TimeRange } from '../../registry/metrics/metrics.ts';

export interface MetricArgs {
  type: MetricType;
  name?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export function parseMetricArgs(args: MetricArgs, now: Date): { metric: string; range: TimeRange } {
  return {
    metric: metricKey(args.type, args.name, ['name']),
    range: requireRange(args.from, args.to, [], now),
  };
}

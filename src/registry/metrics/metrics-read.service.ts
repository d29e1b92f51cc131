// Reads of recorded metric points for both APIs: exact statistics and time buckets per version (or
// per model), batched over many ids in one statement and answered in the order of the ids.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { distributionOf } from './distribution.repository.ts';
import { findMetricDistributions, findMetricSeries } from './metrics.repository.ts';
import type { Distribution, Granularity, MetricGroup, SeriesBucket, TimeRange } from './metrics.ts';

/** The statistics of `metric` over [from, to) for each id; an empty distribution when none. */
export async function metricDistributions(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  group: MetricGroup,
  ids: readonly string[],
  metric: string,
  range: TimeRange,
): Promise<Distribution[]> {
  const map = await findMetricDistributions(deps.db, viewer.orgId, group, ids, metric, range);
  return ids.map((id) => distributionOf(map, id));
}

/** The buckets of `metric` over [from, to) for each id, oldest first; none without points. */
export async function metricSeries(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  group: MetricGroup,
  ids: readonly string[],
  metric: string,
  granularity: Granularity,
  range: TimeRange,
): Promise<SeriesBucket[][]> {
  const rows = await findMetricSeries(
    deps.db,
    viewer.orgId,
    group,
    ids,
    metric,
    granularity,
    range,
  );
  const byId = new Map<string, SeriesBucket[]>();
  for (const row of rows) {
    const list = byId.get(row.g) ?? [];
    list.push({
      start: new Date(row.bucket),
      count: row.n,
      mean: row.mean,
      min: row.min,
      max: row.max,
    });
    byId.set(row.g, list);
  }
  return ids.map((id) => byId.get(id) ?? []);
}

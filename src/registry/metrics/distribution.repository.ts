import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { type Distribution, EMPTY_DISTRIBUTION } from './metrics.ts';
import { distributionFrom, REPORTED_PERCENTILES, varianceOf } from './statistics.ts';

interface DistributionRow {
  g: string;
  n: number;
  mean: number;
  min: number;
  max: number;
  ss: number;
  rn: number;
  v: number;
}

/** `CAST(... AS INTEGER)` truncates, which for these non-negative ranks is floor, as in JS. */
const rankConditions = REPORTED_PERCENTILES.map(
  (p) =>
    `ranked.rn IN (CAST((agg.n - 1) * ${p} AS INTEGER) + 1, CAST((agg.n - 1) * ${p} AS INTEGER) + 2)`,
).join(' OR ');

/**
 * Exact distributions of grouped values in one statement. `source` is a SELECT of two columns, `g`
 * (the group) and `v` (the value). Count, mean, min and max are aggregates; the standard deviation
 * is two-pass (sum of squared deviations from the mean, no catastrophic cancellation); percentiles
 * number each group's values in order with a window and keep only the ranks p50, p95 and p99 need,
 * so at most six rows per group come back.
 */
export async function findDistributions(
  db: Db,
  source: RawBuilder<unknown>,
): Promise<Map<string, Distribution>> {
  const result = await sql<DistributionRow>`
    WITH pts AS (${source}),
    agg AS (SELECT g, count(*) AS n, avg(v) AS mean, min(v) AS min, max(v) AS max FROM pts GROUP BY g),
    dev AS (
      SELECT pts.g AS g, sum((pts.v - agg.mean) * (pts.v - agg.mean)) AS ss
      FROM pts JOIN agg ON agg.g = pts.g GROUP BY pts.g
    ),
    ranked AS (SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v) AS rn FROM pts)
    SELECT agg.g AS g, agg.n AS n, agg.mean AS mean, agg.min AS min, agg.max AS max, dev.ss AS ss,
      ranked.rn AS rn, ranked.v AS v
    FROM agg JOIN dev ON dev.g = agg.g JOIN ranked ON ranked.g = agg.g
    WHERE ${sql.raw(rankConditions)}
    ORDER BY agg.g, ranked.rn
  `.execute(db);
  const byGroup = new Map<string, DistributionRow[]>();
  for (const row of result.rows) {
    const rows = byGroup.get(row.g);
    if (rows) rows.push(row);
    else byGroup.set(row.g, [row]);
  }
  const out = new Map<string, Distribution>();
  for (const [group, rows] of byGroup) {
    const first = rows[0] as DistributionRow;
    const values = new Map(rows.map((row) => [row.rn, row.v]));
    const n = first.n;
    out.set(
      group,
      distributionFrom(
        {
          count: n,
          mean: first.mean,
          min: first.min,
          max: first.max,
          variance: varianceOf(n, first.ss),
        },
        (rank) => values.get(rank),
      ),
    );
  }
  return out;
}

export function distributionOf(map: Map<string, Distribution>, group: string): Distribution {
  return map.get(group) ?? EMPTY_DISTRIBUTION;
}

// Exact latency distributions guided by the hourly latency histogram (migrations/0008), whatever
// the number of requests in the range: two statements for up to ~10 groups (models, versions or
// experiment arms), one more per 80 wanted ranks (5 to 8 a group), run in parallel.
//
// 1. Histogram: per group and latency bucket, the count, sum and sum of squares of the latencies,
//    from usage_latency_hourly for the whole hours of the range and from the raw requests of its
//    partial edge hours (the same split as the usage rollup).
// 2. In JS: each group's count n and the ranks its figures need (1 and n for min and max, and the
//    two ranks each of p50, p95 and p99 interpolates between: percentileRanks, the same ranks the
//    raw window computation reads); the bucket holding each rank (cumulative counts), and the
//    rank inside that bucket.
// 3. Ranks: per wanted rank, the requests of its bucket in the range, in latency order straight
//    from inference_request_model_latency (one index range per model and bucket, no sort),
//    stepped to the rank with LIMIT 1 OFFSET from the nearer end of the bucket (its count in the
//    range is known from step 1): all ranks in one statement (one more per 80).
//
// min, max and the percentiles are the raw answers bit for bit (the same values at the same ranks,
// interpolated by the same function) when no request of the range is written between steps 1 and
// 3; a rank that went missing meanwhile (a delete) makes the whole answer come from the raw rows.
// The mean and variance come from sums, as in the rollup: the one-pass sum-of-squares variance,
// which can lose precision to cancellation for large, nearly equal latencies (the raw path is two-
// pass); exact when all values are equal.
// Cost: step 3 walks the bucket's requests of the model's whole history in latency order and
// filters them by time, so a short range over a long history reads more than the range holds
// (every benchmark range covers all its data; not measured).
import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import type { Distribution, TimeRange } from '../metrics/metrics.ts';
import {
  distributionFrom,
  percentileRanks,
  REPORTED_PERCENTILES,
  varianceOf,
} from '../metrics/statistics.ts';
import { splitRange } from './rollup.repository.ts';
import { findArmLatencyDistributions, findLatencyDistributions } from './usage.repository.ts';
import {
  type ArmColumn,
  type ArmSelection,
  armScope,
  scopeWhere,
  type UsageScope,
} from './usage-scope.ts';

interface BucketRow {
  g: string;
  model_id: string;
  bucket: number;
  n: number;
  s: number;
  q: number;
}

/** The bucket of a latency: the last one whose lower bound is at most the latency. */
const BUCKET_OF_R = sql`(SELECT b.bucket FROM usage_latency_bucket AS b
  WHERE b.lower_ms <= r.latency_ms ORDER BY b.lower_ms DESC LIMIT 1)`;

/** Step 1: per group, model and bucket, count and sums over the range. */
async function findLatencyHistogram(
  db: Db,
  orgId: string,
  scope: UsageScope,
  column: ArmColumn,
  range: TimeRange,
): Promise<BucketRow[]> {
  const { whole, raw } = splitRange(range);
  const branches = [];
  if (whole) {
    const g = column === 'model_id' ? sql`model_id` : sql`NULLIF(version_id, '')`;
    branches.push(sql`SELECT ${g} AS g, model_id, bucket, requests, latency_sum, latency_sumsq
      FROM usage_latency_hourly
      WHERE ${scopeWhere(orgId, scope, 'hourly')} AND hour >= ${whole.from} AND hour < ${whole.to}`);
  }
  for (const edge of raw) {
    branches.push(sql`SELECT ${sql.ref(`r.${column}`)} AS g, r.model_id AS model_id,
        ${BUCKET_OF_R} AS bucket, 1 AS requests, r.latency_ms AS latency_sum,
        r.latency_ms * r.latency_ms AS latency_sumsq
      FROM inference_request AS r
      WHERE ${scopeWhere(orgId, scope, 'raw', 'r')}
        AND r.requested_at >= ${edge.from} AND r.requested_at < ${edge.to}`);
  }
  const result = await sql<BucketRow>`
    SELECT g, model_id, bucket, sum(requests) AS n, sum(latency_sum) AS s, sum(latency_sumsq) AS q
    FROM (${sql.join(branches, sql` UNION ALL `)})
    WHERE g IS NOT NULL
    GROUP BY g, model_id, bucket HAVING sum(requests) > 0
    ORDER BY g, bucket, model_id
  `.execute(db);
  return result.rows;
}

interface GroupPlan {
  n: number;
  sum: number;
  sumsq: number;
  /** Global rank -> index of the read that fetches it. */
  ranks: Map<number, number>;
}

/** One wanted rank: the rank-th smallest latency (1-based) of a group's requests in a bucket. */
interface RankRead {
  g: string;
  /** The group's models with requests in the bucket: one, as a version belongs to one model. */
  models: string[];
  bucket: number;
  rank: number;
  /** The group's requests in the bucket and range: a rank past the middle is read from the top. */
  count: number;
}

/** Step 2: the ranks each group needs, and which bucket (and rank inside it) holds each. */
function planRanks(rows: readonly BucketRow[]): {
  plans: Map<string, GroupPlan>;
  reads: RankRead[];
} {
  const byGroup = new Map<string, BucketRow[]>();
  for (const row of rows) {
    const list = byGroup.get(row.g);
    if (list) list.push(row);
    else byGroup.set(row.g, [row]);
  }
  const plans = new Map<string, GroupPlan>();
  const reads: RankRead[] = [];
  for (const [g, list] of byGroup) {
    // Buckets in order (the rows come ordered by group, bucket), counts summed over models.
    const buckets: { b: number; n: number; models: string[] }[] = [];
    let sum = 0;
    let sumsq = 0;
    for (const row of list) {
      sum += row.s;
      sumsq += row.q;
      const last = buckets.at(-1);
      if (last && last.b === row.bucket) {
        last.n += row.n;
        last.models.push(row.model_id);
      } else buckets.push({ b: row.bucket, n: row.n, models: [row.model_id] });
    }
    const n = buckets.reduce((total, bucket) => total + bucket.n, 0);
    const needed = new Set<number>([1, n]);
    for (const p of REPORTED_PERCENTILES) {
      const { low, high } = percentileRanks(n, p);
      needed.add(low);
      needed.add(high);
    }
    const sorted = [...needed].sort((x, y) => x - y);
    const ranks = new Map<number, number>();
    let before = 0;
    let index = 0;
    for (const bucket of buckets) {
      while (index < sorted.length && (sorted[index] as number) <= before + bucket.n) {
        const rank = sorted[index] as number;
        ranks.set(rank, reads.length);
        reads.push({
          g,
          models: bucket.models,
          bucket: bucket.b,
          rank: rank - before,
          count: bucket.n,
        });
        index += 1;
      }
      before += bucket.n;
    }
    plans.set(g, { n, sum, sumsq, ranks });
  }
  return { plans, reads };
}

/** Rank reads per statement: under 1 KB of SQL each, D1 takes 100 KB per statement. */
const READS_PER_STATEMENT = 80;

const integer = (value: number) => {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Not a count: ${value}`);
  return sql.raw(String(value));
};

/**
 * Step 3: the value at each wanted rank, one statement per 80 ranks. D1 allows no more than 5
 * terms in a compound SELECT and no outer column in LIMIT/OFFSET, so each statement is one row per
 * read (json_each over the reads) whose CASE evaluates that read's own subquery: one range of
 * inference_request_model_latency (the group's model, the bucket's bounds, already in latency
 * order, no sort) stepped to the rank with LIMIT 1 OFFSET. The strings (organization, range, model
 * and group ids, experiment) travel as parameters in `p`; only integers (read index, bucket,
 * offset) are written into the SQL.
 */
async function findRankValues(
  db: Db,
  orgId: string,
  scope: UsageScope,
  column: ArmColumn,
  range: TimeRange,
  reads: readonly RankRead[],
): Promise<(number | undefined)[]> {
  const values: (number | undefined)[] = reads.map(() => undefined);
  const experiment = scope.kind === 'experiment' ? scope.experimentId : null;
  const chunks: RankRead[][] = [];
  for (let start = 0; start < reads.length; start += READS_PER_STATEMENT) {
    chunks.push(reads.slice(start, start + READS_PER_STATEMENT));
  }
  await Promise.all(
    chunks.map(async (chunk, c) => {
      const offset = c * READS_PER_STATEMENT;
      const ids = JSON.stringify(chunk.map((read) => ({ g: read.g, m: read.models })));
      const branches = chunk.map((read, position) => {
        const at = (path: string) => sql.raw(`'$[${position}].${path}'`);
        // One model (always, in practice): an equality, so the index gives the order.
        const model =
          read.models.length === 1
            ? sql`r.model_id = json_extract((SELECT j FROM p), ${at('m[0]')})`
            : sql`r.model_id IN (SELECT value FROM json_each(json_extract((SELECT j FROM p), ${at('m')})))`;
        // From whichever end of the bucket is nearer: the same value, half the steps on average.
        const fromTop = read.rank > (read.count + 1) / 2;
        const steps = fromTop ? read.count - read.rank : read.rank - 1;
        return sql`WHEN ${integer(position)} THEN (SELECT r.latency_ms
          FROM inference_request AS r INDEXED BY inference_request_model_latency
          WHERE r.org_id = (SELECT org FROM p) AND ${model}
            AND r.latency_ms >= (SELECT lower_ms FROM usage_latency_bucket WHERE bucket = ${integer(read.bucket)})
            AND r.latency_ms < (SELECT upper_ms FROM usage_latency_bucket WHERE bucket = ${integer(read.bucket)})
            AND r.requested_at >= (SELECT f FROM p) AND r.requested_at < (SELECT t FROM p)
            AND ${sql.ref(`r.${column}`)} = json_extract((SELECT j FROM p), ${at('g')})
            ${experiment === null ? sql`` : sql`AND r.experiment_id = (SELECT e FROM p)`}
          ORDER BY r.latency_ms ${fromTop ? sql`DESC` : sql``} LIMIT 1 OFFSET ${integer(steps)})`;
      });
      const result = await sql<{ i: number; v: number | null }>`
        WITH p AS MATERIALIZED (
          SELECT ${orgId} AS org, ${range.from} AS f, ${range.to} AS t, ${experiment} AS e, ${ids} AS j
        )
        SELECT x.key AS i, CASE x.key ${sql.join(branches, sql` `)} END AS v
        FROM json_each((SELECT j FROM p)) AS x
      `.execute(db);
      for (const row of result.rows) {
        if (row.v !== null) values[offset + row.i] = row.v;
      }
    }),
  );
  return values;
}

/**
 * Exact latency distributions per group (`column`: model or version) of the requests of a scope
 * in a range, guided by the histogram: two statements (one when the range has no requests).
 */
async function histogramLatencyDistributions(
  db: Db,
  orgId: string,
  scope: UsageScope,
  column: ArmColumn,
  range: TimeRange,
  raw: () => Promise<Map<string, Distribution>>,
): Promise<Map<string, Distribution>> {
  const rows = await findLatencyHistogram(db, orgId, scope, column, range);
  const out = new Map<string, Distribution>();
  if (rows.length === 0) return out;
  const { plans, reads } = planRanks(rows);
  const found = await findRankValues(db, orgId, scope, column, range, reads);
  // A rank the histogram promised is missing: a request of the range was deleted between the two
  // statements. The raw rows answer exactly instead (never a wrong rank, never a 500).
  if (found.some((value) => value === undefined)) return raw();
  for (const [g, plan] of plans) {
    const valueAt = (rank: number) => {
      const read = plan.ranks.get(rank);
      return read === undefined ? undefined : found[read];
    };
    const { n } = plan;
    const min = valueAt(1);
    const max = valueAt(n);
    if (min === undefined || max === undefined) throw new Error('unreachable: every rank was read');
    const constant = min === max;
    const variance = constant
      ? varianceOf(n, 0)
      : varianceOf(n, Math.max(0, plan.sumsq - (plan.sum * plan.sum) / n));
    out.set(
      g,
      distributionFrom(
        {
          count: n,
          mean: constant ? min : Math.min(max, Math.max(min, plan.sum / n)),
          min,
          max,
          variance,
        },
        valueAt,
      ),
    );
  }
  return out;
}

/** Histogram twin of findLatencyDistributions (per model). */
export function histogramModelLatency(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
) {
  return histogramLatencyDistributions(
    db,
    orgId,
    { kind: 'models', ids: modelIds },
    'model_id',
    range,
    () => findLatencyDistributions(db, orgId, modelIds, range),
  );
}

/** Histogram twin of findArmLatencyDistributions (per arm). */
export function histogramArmLatency(db: Db, orgId: string, arms: ArmSelection, range: TimeRange) {
  const { scope, column } = armScope(arms);
  return histogramLatencyDistributions(db, orgId, scope, column, range, () =>
    findArmLatencyDistributions(db, orgId, arms, range),
  );
}

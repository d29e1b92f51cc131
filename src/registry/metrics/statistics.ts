// The statistics behind metricAlerts, abTestCompare, automatic promotion and the cost forecast.
// The distribution functions (Student's t and normal CDF and quantiles) are in distributions.ts,
// held to stdlib-js's values by test/metrics/distributions.test.ts. Everything else here is a
// formula with its textbook name, tested against hand-computed values in
// test/metrics/statistics.test.ts.
import { normalCdf, normalQuantile, tCdf, tQuantile } from './distributions.ts';
import type { Distribution } from './metrics.ts';

/** What a sample is summarised to: enough for means, intervals and Welch's test. */
export interface Moments {
  n: number;
  mean: number;
  /** Sample variance (n - 1 in the denominator); null below two values. */
  variance: number | null;
}

export interface TestResult {
  /** The test statistic (t or z). */
  statistic: number;
  /** Degrees of freedom (Welch-Satterthwaite for t; null for z). */
  degreesOfFreedom: number | null;
  /** Two-sided p-value. */
  pValue: number;
}

/** Sample variance from the sum of squared deviations (computed in SQL, two-pass). */
export function varianceOf(n: number, sumSquaredDeviations: number): number | null {
  return n >= 2 ? Math.max(0, sumSquaredDeviations) / (n - 1) : null;
}

/** Two-sided p-value of a t statistic. */
export function tTwoSidedP(t: number, degreesOfFreedom: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), degreesOfFreedom));
}

/** The two-sided (1 - alpha) confidence interval of a mean, from Student's t. */
export function meanConfidenceInterval(
  sample: Moments,
  confidence = 0.95,
): { low: number; high: number } | null {
  if (sample.n < 2 || sample.variance === null) return null;
  const t = tQuantile(1 - (1 - confidence) / 2, sample.n - 1);
  const half = t * Math.sqrt(sample.variance / sample.n);
  return { low: sample.mean - half, high: sample.mean + half };
}

/**
 * Welch's unequal-variances t-test of mean(a) - mean(b), with Welch-Satterthwaite degrees of
 * freedom. Null when either sample has fewer than two values. Two identical constant samples give
 * p = 1; two different constant samples give p = 0 (the difference is certain).
 */
export function welchTTest(a: Moments, b: Moments): TestResult | null {
  if (a.n < 2 || b.n < 2 || a.variance === null || b.variance === null) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const diff = a.mean - b.mean;
  if (va + vb === 0) {
    return {
      statistic: diff === 0 ? 0 : Math.sign(diff) * Infinity,
      degreesOfFreedom: null,
      pValue: diff === 0 ? 1 : 0,
    };
  }
  const t = diff / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return { statistic: t, degreesOfFreedom: df, pValue: tTwoSidedP(t, df) };
}

/**
 * Two-proportion z-test (pooled) of successesA/nA - successesB/nB: for error rates. Null when
 * either group is empty; p = 1 when both rates are 0 or both 1.
 */
export function twoProportionZTest(
  successesA: number,
  nA: number,
  successesB: number,
  nB: number,
): TestResult | null {
  if (nA === 0 || nB === 0) return null;
  const pa = successesA / nA;
  const pb = successesB / nB;
  const pooled = (successesA + successesB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  if (se === 0) return { statistic: 0, degreesOfFreedom: null, pValue: 1 };
  const z = (pa - pb) / se;
  return {
    statistic: z,
    degreesOfFreedom: null,
    pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))),
  };
}

/** Cohen's d of mean(a) - mean(b), with the pooled standard deviation; null when undefined. */
export function cohensD(a: Moments, b: Moments): number | null {
  if (a.n < 2 || b.n < 2 || a.variance === null || b.variance === null) return null;
  const pooled = ((a.n - 1) * a.variance + (b.n - 1) * b.variance) / (a.n + b.n - 2);
  if (pooled === 0) return null;
  return (a.mean - b.mean) / Math.sqrt(pooled);
}

/**
 * Per-arm sample size for a two-sided two-sample test to detect a difference `delta` in means with
 * the given variances, significance and power (normal approximation):
 * n = (z_{1-alpha/2} + z_{power})^2 (varA + varB) / delta^2. Null when delta is 0 (never detectable).
 */
export function sampleSizePerArm(
  varianceA: number,
  varianceB: number,
  delta: number,
  alpha: number,
  power: number,
): number | null {
  if (delta === 0 || !Number.isFinite(delta)) return null;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((z * z * (varianceA + varianceB)) / (delta * delta));
}

/** The quantile of Student's t, for intervals computed elsewhere. */
export function tCritical(confidence: number, degreesOfFreedom: number): number {
  return tQuantile(1 - (1 - confidence) / 2, degreesOfFreedom);
}

/**
 * Linear interpolation between closest ranks (numpy's default, R's type 7) of sorted values at
 * 1-based ranks: the percentile p of n values sits at h = (n - 1) p, between ranks floor(h) + 1 and
 * floor(h) + 2. `valueAt(rank)` gives the value at a rank; SQL fetches only those ranks.
 */
export function percentileRanks(
  n: number,
  p: number,
): { low: number; high: number; weight: number } {
  const h = (n - 1) * p;
  const low = Math.floor(h) + 1;
  return { low, high: Math.min(low + 1, n), weight: h - Math.floor(h) };
}

export function interpolatePercentile(
  n: number,
  p: number,
  valueAt: (rank: number) => number | undefined,
): number | null {
  if (n === 0) return null;
  const { low, high, weight } = percentileRanks(n, p);
  const lowValue = valueAt(low);
  const highValue = valueAt(high);
  if (lowValue === undefined || highValue === undefined) return null;
  return lowValue + weight * (highValue - lowValue);
}

/** The percentiles every distribution in the API reports. */
export const REPORTED_PERCENTILES = [0.5, 0.95, 0.99] as const;

/**
 * A distribution from its moments and a way to read the value at a rank (1-based, ascending);
 * the reported percentiles interpolate between the two ranks around each.
 */
export function distributionFrom(
  moments: { count: number; mean: number; min: number; max: number; variance: number | null },
  valueAt: (rank: number) => number | undefined,
): Distribution {
  const { count, variance } = moments;
  const [p50, p95, p99] = REPORTED_PERCENTILES.map((p) => interpolatePercentile(count, p, valueAt));
  return {
    ...moments,
    stddev: variance === null ? null : Math.sqrt(variance),
    p50: p50 ?? null,
    p95: p95 ?? null,
    p99: p99 ?? null,
  };
}

/**
 * Ordinary least squares of y on x, with the residual variance: the cost forecast's trend line.
 * Null below three points (no residual degrees of freedom).
 */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): {
  intercept: number;
  slope: number;
  residualVariance: number;
  n: number;
  meanX: number;
  sxx: number;
} | null {
  const n = xs.length;
  if (n < 3) return null;
  const meanX = xs.reduce((s, x) => s + x, 0) / n;
  const meanY = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - meanX) ** 2;
    sxy += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    rss += ((ys[i] as number) - (intercept + slope * (xs[i] as number))) ** 2;
  }
  return { intercept, slope, residualVariance: rss / (n - 2), n, meanX, sxx };
}

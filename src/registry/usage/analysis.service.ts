// Reading usage: reports, A/B comparisons with significance, ROI and the cost/quality frontier,
// and the cost forecast. All statistics are computed over the stored requests (exact), in SQL
// aggregates; the tests of significance run here on those aggregates.
import type { Db } from '../../db/db.ts';
import { ValidationError } from '../errors.ts';
import type { Distribution, TimeRange } from '../metrics/metrics.ts';
import { EMPTY_DISTRIBUTION } from '../metrics/metrics.ts';
import {
  linearFit,
  type Moments,
  meanConfidenceInterval,
  sampleSizePerArm,
  type TestResult,
  tCritical,
  twoProportionZTest,
  varianceOf,
  welchTTest,
} from '../metrics/statistics.ts';
import type { ArmMomentsRow } from './usage.repository.ts';
import { EMPTY_TOTALS, type UsageReport, type UsageTotals } from './usage.ts';
import type { ArmSelection } from './usage-scope.ts';
import { USAGE_READS, type UsageSource } from './usage-source.ts';

/**
 * Usage of each model over a range: three statements for any number of models (one without
 * `latency`). Totals come from the hourly rollup, latency distributions from the hourly latency
 * histogram and the requests of the buckets holding the wanted ranks (exact); or both from the raw
 * rows (`source`). Latency only when asked for: it is the costly part.
 */
export async function usageReports(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  range: TimeRange,
  source: UsageSource = 'ROLLUP',
  options: { latency: boolean } = { latency: true },
): Promise<UsageReport[]> {
  const [totals, latency] = await Promise.all([
    USAGE_READS[source].totals(db, orgId, modelIds, range),
    options.latency
      ? USAGE_READS[source].latency(db, orgId, modelIds, range)
      : new Map<string, Distribution>(),
  ]);
  return modelIds.map((modelId) => ({
    modelId,
    from: new Date(range.from),
    to: new Date(range.to),
    totals: totals.get(modelId) ?? EMPTY_TOTALS,
    latency: options.latency ? (latency.get(modelId) ?? EMPTY_DISTRIBUTION) : null,
  }));
}

export function costPer1kTokens(totals: UsageTotals): number | null {
  if (totals.totalCostUsd === null || totals.pricedTokens === 0) return null;
  return (totals.totalCostUsd / totals.pricedTokens) * 1000;
}

export function meanCost(totals: UsageTotals): number | null {
  return totals.totalCostUsd === null ? null : totals.totalCostUsd / totals.pricedRequests;
}

/** Mean quality divided by mean cost, over requests that have both; null without such requests. */
export function qualityPerDollar(totals: UsageTotals): number | null {
  if (totals.roiRequests === 0 || totals.roiMeanQuality === null || !totals.roiMeanCostUsd) {
    return null;
  }
  return totals.roiMeanQuality / totals.roiMeanCostUsd;
}

/** All priced cost divided by the successful priced requests: failures are paid for too. */
export function costPerSuccessfulRequest(totals: UsageTotals): number | null {
  if (totals.totalCostUsd === null || totals.pricedSuccessfulRequests === 0) return null;
  return totals.totalCostUsd / totals.pricedSuccessfulRequests;
}

export type Objective = 'QUALITY' | 'QUALITY_PER_DOLLAR';

export interface ArmSummary {
  key: string;
  requests: number;
  errors: number;
  errorRate: number;
  quality: Moments & { ci: { low: number; high: number } | null };
  latency: Distribution;
  cost: Moments;
  qualityPerDollar: Moments;
}

export interface PairComparison {
  a: string;
  b: string;
  /** mean(a) - mean(b) of the objective. */
  objectiveDifference: number | null;
  objectiveTest: TestResult | null;
  qualityDifference: number | null;
  qualityTest: TestResult | null;
  latencyDifference: number | null;
  latencyTest: TestResult | null;
  errorRateDifference: number;
  errorRateTest: TestResult | null;
}

export interface Verdict {
  outcome: 'WINNER' | 'NOT_ENOUGH_EVIDENCE';
  winner: string | null;
  objective: Objective;
  /** The per-comparison level after Bonferroni over the leader's k - 1 comparisons. */
  adjustedAlpha: number;
  /** Per-arm sample size the leader and runner-up need to tell their observed difference apart. */
  requiredPerArm: number | null;
  /** How many more requests the smaller of those two arms needs (0 once decided). */
  additionalPerArm: number | null;
  reason: string;
}

export interface AbTestReport {
  arms: ArmSummary[];
  comparisons: PairComparison[];
  verdict: Verdict;
  alpha: number;
  power: number;
  from: Date;
  to: Date;
}

function moments(n: number, mean: number | null, ss: number | null): Moments {
  return {
    n,
    mean: mean ?? Number.NaN,
    variance: n >= 2 && ss !== null ? varianceOf(n, ss) : null,
  };
}

function armSummary(row: ArmMomentsRow, latency: Distribution): ArmSummary {
  const quality = moments(row.quality_n, row.quality_mean, row.quality_ss);
  return {
    key: row.g,
    requests: row.n,
    errors: row.errors,
    errorRate: row.errors / row.n,
    quality: { ...quality, ci: meanConfidenceInterval(quality) },
    latency,
    cost: moments(row.cost_n, row.cost_mean, row.cost_ss),
    qualityPerDollar: moments(row.qpd_n, row.qpd_mean, row.qpd_ss),
  };
}

const objectiveOf = (arm: ArmSummary, objective: Objective) =>
  objective === 'QUALITY' ? arm.quality : arm.qualityPerDollar;

/**
 * The leader (highest mean objective among arms with at least `minSamples` scored requests) wins
 * when Welch's test against every other eligible arm gives p < alpha / (k - 1) in its favour.
 * Otherwise there is not enough evidence, and the sample size the leader and runner-up would need
 * (two-sided, at the adjusted level and the given power) says how far away a decision is.
 */
export function decideWinner(
  arms: readonly ArmSummary[],
  objective: Objective,
  alpha: number,
  power: number,
  minSamples = 2,
): Verdict {
  const eligible = arms
    .filter((arm) => objectiveOf(arm, objective).n >= Math.max(2, minSamples))
    .sort(
      (x, y) =>
        objectiveOf(y, objective).mean - objectiveOf(x, objective).mean ||
        x.key.localeCompare(y.key),
    );
  const adjustedAlpha = eligible.length > 1 ? alpha / (eligible.length - 1) : alpha;
  const none = (reason: string): Verdict => ({
    outcome: 'NOT_ENOUGH_EVIDENCE',
    winner: null,
    objective,
    adjustedAlpha,
    requiredPerArm: null,
    additionalPerArm: null,
    reason,
  });
  if (eligible.length < 2) {
    return none(
      `Fewer than two arms have at least ${Math.max(2, minSamples)} requests with the objective measured`,
    );
  }
  const [leader, runnerUp] = eligible as [ArmSummary, ArmSummary];
  const lead = objectiveOf(leader, objective);
  const second = objectiveOf(runnerUp, objective);
  const beatsAll = eligible.slice(1).every((other) => {
    const test = welchTTest(lead, objectiveOf(other, objective));
    return test !== null && test.statistic > 0 && test.pValue < adjustedAlpha;
  });
  const required = sampleSizePerArm(
    lead.variance ?? 0,
    second.variance ?? 0,
    lead.mean - second.mean,
    adjustedAlpha,
    power,
  );
  if (beatsAll) {
    return {
      outcome: 'WINNER',
      winner: leader.key,
      objective,
      adjustedAlpha,
      requiredPerArm: required,
      additionalPerArm: 0,
      reason: `Higher mean ${objective === 'QUALITY' ? 'quality' : 'quality per dollar'} than every other arm, p < ${adjustedAlpha} (Welch's t-test, Bonferroni over ${eligible.length - 1} comparison(s))`,
    };
  }
  return {
    ...none(
      required === null
        ? 'The leading arms have the same mean: no sample size can separate them'
        : `The leader is not significantly ahead of every other arm at p < ${adjustedAlpha}`,
    ),
    requiredPerArm: required,
    additionalPerArm: required === null ? null : Math.max(0, required - Math.min(lead.n, second.n)),
  };
}

export function comparePair(a: ArmSummary, b: ArmSummary, objective: Objective): PairComparison {
  const diff = (x: Moments, y: Moments) => (x.n > 0 && y.n > 0 ? x.mean - y.mean : null);
  const latencyA: Moments = {
    n: a.latency.count,
    mean: a.latency.mean ?? Number.NaN,
    variance: a.latency.variance,
  };
  const latencyB: Moments = {
    n: b.latency.count,
    mean: b.latency.mean ?? Number.NaN,
    variance: b.latency.variance,
  };
  return {
    a: a.key,
    b: b.key,
    objectiveDifference: diff(objectiveOf(a, objective), objectiveOf(b, objective)),
    objectiveTest: welchTTest(objectiveOf(a, objective), objectiveOf(b, objective)),
    qualityDifference: diff(a.quality, b.quality),
    qualityTest: welchTTest(a.quality, b.quality),
    latencyDifference: diff(latencyA, latencyB),
    latencyTest: welchTTest(latencyA, latencyB),
    errorRateDifference: a.errorRate - b.errorRate,
    errorRateTest: twoProportionZTest(a.errors, a.requests, b.errors, b.requests),
  };
}

export interface AbTestOptions {
  arms: ArmSelection;
  range: TimeRange;
  alpha: number;
  power: number;
  objective: Objective;
  minSamples?: number;
  /** Where counts, means, variances and latency distributions are read from. */
  source?: UsageSource;
}

export function checkSignificance(alpha: number, power: number) {
  if (!(alpha > 0 && alpha < 0.5)) {
    throw new ValidationError('Must be between 0 and 0.5 (exclusive)', ['alpha']);
  }
  if (!(power > 0.5 && power < 1)) {
    throw new ValidationError('Must be between 0.5 and 1 (exclusive)', ['power']);
  }
}

/**
 * The A/B comparison: arm moments (one statement) and latency distributions (two from the
 * histogram, one raw), nothing per arm.
 */
export async function compareArms(
  db: Db,
  orgId: string,
  options: AbTestOptions,
): Promise<AbTestReport> {
  checkSignificance(options.alpha, options.power);
  const reads = USAGE_READS[options.source ?? 'ROLLUP'];
  const [rows, latency] = await Promise.all([
    reads.armMoments(db, orgId, options.arms, options.range),
    reads.armLatency(db, orgId, options.arms, options.range),
  ]);
  const arms = rows.map((row) => armSummary(row, latency.get(row.g) ?? EMPTY_DISTRIBUTION));
  const comparisons: PairComparison[] = [];
  for (let i = 0; i < arms.length; i++) {
    for (let j = i + 1; j < arms.length; j++) {
      comparisons.push(
        comparePair(arms[i] as ArmSummary, arms[j] as ArmSummary, options.objective),
      );
    }
  }
  return {
    arms,
    comparisons,
    verdict: decideWinner(
      arms,
      options.objective,
      options.alpha,
      options.power,
      options.minSamples,
    ),
    alpha: options.alpha,
    power: options.power,
    from: new Date(options.range.from),
    to: new Date(options.range.to),
  };
}

export interface FrontierEntry {
  modelId: string;
  meanQuality: number | null;
  meanCostUsd: number | null;
  qualityPerDollar: number | null;
  requests: number;
  onFrontier: boolean;
}

export interface RoiFrontier {
  entries: FrontierEntry[];
  /** The best mean quality among models with a quality and a cost. */
  bestQuality: number | null;
  /** The cheapest model whose mean quality is within the tolerance of the best. */
  cheapestWithinTolerance: string | null;
  qualityTolerance: number;
}

/**
 * The cost/quality Pareto frontier: a model is on it when no other model has at least its quality
 * at no more than its cost, one of them strictly. Quality and cost are means over the requests
 * that have both (the ROI base), so each model is judged on the same requests for both.
 */
export function paretoFrontier(
  reports: readonly UsageReport[],
  qualityTolerance: number,
): RoiFrontier {
  if (!(qualityTolerance >= 0) || !Number.isFinite(qualityTolerance)) {
    throw new ValidationError('Must be a finite number of at least 0', ['qualityTolerance']);
  }
  const entries: FrontierEntry[] = reports.map((report) => ({
    modelId: report.modelId,
    meanQuality: report.totals.roiMeanQuality,
    meanCostUsd: report.totals.roiMeanCostUsd,
    qualityPerDollar: qualityPerDollar(report.totals),
    requests: report.totals.roiRequests,
    onFrontier: false,
  }));
  const measured = entries.filter(
    (entry) => entry.meanQuality !== null && entry.meanCostUsd !== null,
  ) as (FrontierEntry & { meanQuality: number; meanCostUsd: number })[];
  for (const entry of measured) {
    entry.onFrontier = !measured.some(
      (other) =>
        other !== entry &&
        other.meanQuality >= entry.meanQuality &&
        other.meanCostUsd <= entry.meanCostUsd &&
        (other.meanQuality > entry.meanQuality || other.meanCostUsd < entry.meanCostUsd),
    );
  }
  const bestQuality = measured.length ? Math.max(...measured.map((e) => e.meanQuality)) : null;
  const within =
    bestQuality === null
      ? []
      : measured
          .filter((entry) => entry.meanQuality >= bestQuality - qualityTolerance)
          .sort(
            (x, y) =>
              x.meanCostUsd - y.meanCostUsd ||
              y.meanQuality - x.meanQuality ||
              x.modelId.localeCompare(y.modelId),
          );
  return {
    entries,
    bestQuality,
    cheapestWithinTolerance: within[0]?.modelId ?? null,
    qualityTolerance,
  };
}

export interface CostForecast {
  modelId: string;
  historyFrom: Date;
  historyTo: Date;
  horizonDays: number;
  /** Spend per day over the history (UTC days; a day without requests costs 0). */
  daily: { day: string; costUsd: number; requests: number; unpricedRequests: number }[];
  trendPerDayUsd: number | null;
  forecastUsd: number | null;
  /** 95% prediction interval of the forecast total (null below three days of history). */
  forecastLowUsd: number | null;
  forecastHighUsd: number | null;
  unpricedRequests: number;
  monthlyBudgetUsd: number | null;
  monthToDateUsd: number;
  /** The first day on which this calendar month's spend would pass the budget, at the trend. */
  budgetCrossedOn: string | null;
}

const DAY_MS = 86_400_000;

/**
 * The next `horizonDays` of spend from a least-squares line through the daily spend of the last
 * `historyDays` (negative predictions count as 0), with a 95% prediction interval for the total:
 * Var = s^2 (h + h^2/n + (sum of (x_future - mean x))^2 / Sxx), t with n - 2 degrees of freedom.
 */
export async function forecastCosts(
  db: Db,
  orgId: string,
  modelIds: readonly string[],
  options: {
    at: Date;
    historyDays: number;
    horizonDays: number;
    monthlyBudgetUsd: number | null;
    source?: UsageSource;
  },
): Promise<CostForecast[]> {
  const { historyDays, horizonDays } = options;
  if (!Number.isInteger(historyDays) || historyDays < 3 || historyDays > 365) {
    throw new ValidationError('Must be a whole number of days between 3 and 365', ['historyDays']);
  }
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 365) {
    throw new ValidationError('Must be a whole number of days between 1 and 365', ['days']);
  }
  if (
    options.monthlyBudgetUsd !== null &&
    !(Number.isFinite(options.monthlyBudgetUsd) && options.monthlyBudgetUsd > 0)
  ) {
    throw new ValidationError('Must be a positive amount', ['monthlyBudgetUsd']);
  }
  const at = options.at.getTime();
  if (!Number.isFinite(at)) throw new ValidationError('Must be a valid date', ['at']);
  // Whole UTC days: the history ends with the last complete day before `at`.
  const today = Math.floor(at / DAY_MS) * DAY_MS;
  const historyStart = today - historyDays * DAY_MS;
  const monthStart = Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth(), 1);
  const rows = await USAGE_READS[options.source ?? 'ROLLUP'].dailyCosts(db, orgId, modelIds, {
    from: new Date(Math.min(historyStart, monthStart)).toISOString(),
    // Up to the start of today: today is not used, and whole days come from the rollup alone.
    to: new Date(today).toISOString(),
  });
  const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return modelIds.map((modelId) => {
    const byDay = new Map(rows.filter((row) => row.g === modelId).map((row) => [row.day, row]));
    const daily = [];
    for (let i = 0; i < historyDays; i++) {
      const row = byDay.get(dayKey(historyStart + i * DAY_MS));
      daily.push({
        day: dayKey(historyStart + i * DAY_MS),
        costUsd: row?.cost ?? 0,
        requests: row?.requests ?? 0,
        unpricedRequests: row ? row.requests - row.priced : 0,
      });
    }
    let monthToDate = 0;
    for (const [day, row] of byDay) {
      // Complete days only: today is the forecast's first day.
      const dayMs = Date.parse(`${day}T00:00:00.000Z`);
      if (dayMs >= monthStart && dayMs < today) monthToDate += row.cost ?? 0;
    }
    const fit = linearFit(
      daily.map((_, i) => i),
      daily.map((d) => d.costUsd),
    );
    const base: CostForecast = {
      modelId,
      historyFrom: new Date(historyStart),
      historyTo: new Date(today),
      horizonDays,
      daily,
      trendPerDayUsd: null,
      forecastUsd: null,
      forecastLowUsd: null,
      forecastHighUsd: null,
      unpricedRequests: daily.reduce((sum, d) => sum + d.unpricedRequests, 0),
      monthlyBudgetUsd: options.monthlyBudgetUsd,
      monthToDateUsd: monthToDate,
      budgetCrossedOn: null,
    };
    if (!fit) return base;
    // Future day j (0-based from today) sits at x = historyDays + j.
    const future = Array.from({ length: horizonDays }, (_, j) => historyDays + j);
    const predicted = future.map((x) => Math.max(0, fit.intercept + fit.slope * x));
    const total = predicted.reduce((sum, value) => sum + value, 0);
    const spread = future.reduce((sum, x) => sum + (x - fit.meanX), 0);
    const variance =
      fit.residualVariance *
      (horizonDays + (horizonDays * horizonDays) / fit.n + (spread * spread) / fit.sxx);
    const half = tCritical(0.95, fit.n - 2) * Math.sqrt(variance);
    let crossed: string | null = null;
    if (options.monthlyBudgetUsd !== null) {
      let spent = monthToDate;
      if (spent >= options.monthlyBudgetUsd) crossed = dayKey(today);
      for (let j = 0; crossed === null && j < horizonDays; j++) {
        const dayMs = today + j * DAY_MS;
        if (j > 0 && new Date(dayMs).getUTCDate() === 1) spent = 0;
        spent += predicted[j] as number;
        if (spent >= options.monthlyBudgetUsd) crossed = dayKey(dayMs);
      }
    }
    return {
      ...base,
      trendPerDayUsd: fit.slope,
      forecastUsd: total,
      forecastLowUsd: Math.max(0, total - half),
      forecastHighUsd: total + half,
      budgetCrossedOn: crossed,
    };
  });
}

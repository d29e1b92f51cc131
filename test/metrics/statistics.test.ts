// The statistics against hand-computed values and reference tables (R's t.test, prop.test and
// numpy.percentile give the same numbers).
import { describe, expect, it } from 'vitest';
import {
  cohensD,
  interpolatePercentile,
  linearFit,
  type Moments,
  meanConfidenceInterval,
  sampleSizePerArm,
  tCritical,
  twoProportionZTest,
  welchTTest,
} from '../../src/registry/metrics/statistics.ts';

function momentsOf(values: number[]): Moments {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { n: values.length, mean, variance: values.length > 1 ? ss / (values.length - 1) : null };
}

describe('statistics', () => {
  it('Welch t-test matches R: t.test(1:5, c(2,4,6,8,10)) gives t = -1.8974, df = 5.8824, p = 0.1075', () => {
    const test = welchTTest(momentsOf([1, 2, 3, 4, 5]), momentsOf([2, 4, 6, 8, 10]));
    expect(test?.statistic).toBeCloseTo(-1.897367, 5);
    expect(test?.degreesOfFreedom).toBeCloseTo(5.882353, 5);
    expect(test?.pValue).toBeCloseTo(0.107531, 5);
  });

  it('Welch t-test is undefined below two values and certain for different constants', () => {
    expect(welchTTest(momentsOf([1]), momentsOf([1, 2]))).toBeNull();
    expect(welchTTest(momentsOf([2, 2, 2]), momentsOf([2, 2]))?.pValue).toBe(1);
    expect(welchTTest(momentsOf([3, 3, 3]), momentsOf([2, 2]))?.pValue).toBe(0);
  });

  it('95% confidence interval of a mean uses t(0.975, n-1) = 2.776445 for n = 5', () => {
    expect(tCritical(0.95, 4)).toBeCloseTo(2.776445, 5);
    const ci = meanConfidenceInterval(momentsOf([1, 2, 3, 4, 5]));
    expect(ci?.low).toBeCloseTo(3 - 2.776445 * Math.sqrt(2.5 / 5), 5);
    expect(ci?.high).toBeCloseTo(3 + 2.776445 * Math.sqrt(2.5 / 5), 5);
    expect(meanConfidenceInterval(momentsOf([4]))).toBeNull();
  });

  it('two-proportion z-test matches prop.test(c(45, 30), c(100, 100), correct = FALSE): p = 0.02846', () => {
    const test = twoProportionZTest(45, 100, 30, 100);
    expect(test?.statistic).toBeCloseTo(2.19089, 4);
    expect(test?.pValue).toBeCloseTo(0.02846, 5);
    expect(twoProportionZTest(0, 10, 0, 10)?.pValue).toBe(1);
    expect(twoProportionZTest(1, 0, 1, 10)).toBeNull();
  });

  it('percentiles interpolate between closest ranks like numpy.percentile', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const at = (rank: number) => values[rank - 1];
    expect(interpolatePercentile(10, 0.5, at)).toBeCloseTo(5.5, 10);
    expect(interpolatePercentile(10, 0.95, at)).toBeCloseTo(9.55, 10);
    expect(interpolatePercentile(10, 0.99, at)).toBeCloseTo(9.91, 10);
    expect(interpolatePercentile(1, 0.99, () => 7)).toBe(7);
    expect(interpolatePercentile(0, 0.5, at)).toBeNull();
  });

  it('sample size per arm: (z.975 + z.80)^2 (1 + 1) / 1^2 = 15.7, so 16', () => {
    expect(sampleSizePerArm(1, 1, 1, 0.05, 0.8)).toBe(16);
    expect(sampleSizePerArm(1, 1, 0, 0.05, 0.8)).toBeNull();
  });

  it("Cohen's d uses the pooled standard deviation", () => {
    // pooled variance (4 * 2.5 + 4 * 10) / 8 = 6.25, so d = -3 / 2.5
    expect(cohensD(momentsOf([1, 2, 3, 4, 5]), momentsOf([2, 4, 6, 8, 10]))).toBeCloseTo(-1.2, 10);
  });

  it('least squares recovers an exact line with zero residual variance', () => {
    const fit = linearFit([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(fit?.slope).toBeCloseTo(2, 10);
    expect(fit?.intercept).toBeCloseTo(1, 10);
    expect(fit?.residualVariance).toBeCloseTo(0, 10);
    expect(linearFit([0, 1], [1, 2])).toBeNull();
  });
});

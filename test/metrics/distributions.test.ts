// The distribution functions against stdlib-js (the library they replaced in the Worker, kept as a
// devDependency for this comparison) and against exact values, from the centre to the far tails.
import stdlibNormalCdf from '@stdlib/stats-base-dists-normal-cdf';
import stdlibNormalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import stdlibTCdf from '@stdlib/stats-base-dists-t-cdf';
import stdlibTQuantile from '@stdlib/stats-base-dists-t-quantile';
import { describe, expect, it } from 'vitest';
import {
  normalCdf,
  normalQuantile,
  tCdf,
  tQuantile,
} from '../../src/registry/metrics/distributions.ts';

/** Agreement with stdlib-js; stdlib's own normal quantile is off by 2e-9 at p = 1e-10. */
const TOLERANCE = 1e-8;

function relativeError(value: number, reference: number): number {
  if (value === reference) return 0;
  return Math.abs(value - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE);
}

/** The worst relative error over the cases, with the case, so a failure names it. */
function worst(cases: { args: number[]; value: number; reference: number }[]) {
  return cases.reduce(
    (worstCase, c) => {
      const error = relativeError(c.value, c.reference);
      return error > worstCase.error ? { error, args: c.args } : worstCase;
    },
    { error: 0, args: [] as number[] },
  );
}

const XS = [0, 1e-8, 0.001, 0.1, 0.5, 1, 1.5, 2, 2.4999, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 26, 37];
const PS = [
  1e-20,
  1e-10,
  1e-6,
  0.001,
  0.01,
  0.025,
  0.05,
  0.1,
  0.2,
  0.3,
  0.4,
  0.49,
  0.51,
  0.6,
  0.8,
  0.9,
  0.95,
  0.975,
  0.99,
  0.999,
  1 - 1e-6,
  1 - 1e-10,
];
const DFS = [0.3, 0.5, 1, 1.5, 2, 3, 4, 5, 5.882353, 7, 10, 19, 30, 100, 1000, 1e4, 1e5, 1e6, 1e7];
const TS = [0, 1e-6, 0.1, 0.5, 1, 1.9, 2, 3, 5, 10, 30, 100, 1e4, 1e8];

describe('distributions', () => {
  it('normalCdf matches stdlib-js on both sides, into the tails', () => {
    const cases = XS.flatMap((x) =>
      [x, -x].map((v) => ({ args: [v], value: normalCdf(v), reference: stdlibNormalCdf(v, 0, 1) })),
    );
    expect(worst(cases).error, JSON.stringify(worst(cases))).toBeLessThan(TOLERANCE);
  });

  it('normalQuantile matches stdlib-js and inverts normalCdf', () => {
    const cases = PS.map((p) => ({
      args: [p],
      value: normalQuantile(p),
      reference: stdlibNormalQuantile(p, 0, 1),
    }));
    expect(worst(cases).error, JSON.stringify(worst(cases))).toBeLessThan(TOLERANCE);
    for (const p of PS) expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
  });

  it('tCdf matches stdlib-js for fractional and huge degrees of freedom', () => {
    const cases = DFS.flatMap((df) =>
      TS.flatMap((t) =>
        [t, -t].map((v) => ({ args: [v, df], value: tCdf(v, df), reference: stdlibTCdf(v, df) })),
      ),
    );
    expect(worst(cases).error, JSON.stringify(worst(cases))).toBeLessThan(TOLERANCE);
  });

  it('tQuantile matches stdlib-js', () => {
    const cases = DFS.flatMap((df) =>
      PS.map((p) => ({
        args: [p, df],
        value: tQuantile(p, df),
        reference: stdlibTQuantile(p, df),
      })),
    );
    expect(worst(cases).error, JSON.stringify(worst(cases))).toBeLessThan(TOLERANCE);
  });

  it('gives the exact values and the edges', () => {
    // Cauchy (df = 1): the 0.975 quantile is tan(0.475 pi); df = 2 has a closed form.
    expect(tQuantile(0.975, 1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 10);
    expect(tQuantile(0.975, 2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.025 * 0.975), 12);
    expect(tCdf(1, 1)).toBeCloseTo(0.75, 14);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalQuantile(0.5)).toBe(0);
    expect(tQuantile(0.5, 7)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(tQuantile(0, 3)).toBe(-Infinity);
    expect(tCdf(Infinity, 3)).toBe(1);
    expect(tCdf(-Infinity, 3)).toBe(0);
    expect(tCdf(1.5, Infinity)).toBe(normalCdf(1.5));
    expect(tCdf(1, 0)).toBeNaN();
    expect(tQuantile(1.5, 3)).toBeNaN();
    expect(normalCdf(Number.NaN)).toBeNaN();
  });
});

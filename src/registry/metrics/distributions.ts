// The standard normal and Student's t distribution functions the statistics need (CDF and
// quantile), written out instead of taken from stdlib-js: its four packages pulled 60 of its
// micro-packages into the Worker, about 200 KiB of the minified bundle with their licence
// comments, for four functions. Each is a textbook method chosen to stay accurate in the tails:
// - erfc: its Taylor series (positive terms only) below 2.5, its continued fraction above
//   (Abramowitz and Stegun 7.1.6 and 7.1.14);
// - the regularized incomplete beta: its continued fraction (Numerical Recipes, 3rd ed., 6.4),
//   with log B(a, b) from Lanczos (g = 7) and, for a large argument, a Stirling series difference
//   that does not cancel;
// - the quantiles: Newton or Halley steps on the CDF from a close start, kept inside a bracket.
// test/metrics/distributions.test.ts holds them to stdlib-js's values (relative 1e-9) on a grid
// from the centre to the far tails.

const SQRT_PI = Math.sqrt(Math.PI);
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Relative change at which an iteration has converged (a few units in the last place). */
const EPSILON = 1e-15;
/** Stands in for 0 in the modified Lentz method, whose denominators may vanish. */
const TINY = 1e-300;

/** erfc(x) for x >= 0. */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (1 * 3 * ... * (2n + 1)): no cancellation.
    const twoX2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 500 && term > sum * 1e-17; n++) {
      term *= twoX2 / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))), modified Lentz.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = 1 / (d === 0 ? TINY : d);
    c = x + a / (c === 0 ? TINY : c);
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const tail = 0.5 * erfcNonNegative(Math.abs(x) / Math.SQRT2);
  return x < 0 ? tail : 1 - tail;
}

/** Standard normal quantile: the x with normalCdf(x) = p. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Solved in the lower tail, where the CDF is exact to the last digits: x <= 0 with Phi(x) = q.
  const q = Math.min(p, 1 - p);
  // Start: Abramowitz and Stegun 26.2.23 (error below 4.5e-4).
  const t = Math.sqrt(-2 * Math.log(q));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let step = 0; step < 50; step++) {
    const error = 0.5 * erfcNonNegative(-x / Math.SQRT2) - q;
    // Halley's step on Phi(x) - q: u = error / phi(x), x -= u / (1 + x u / 2).
    const u = error * Math.exp(LN_SQRT_2PI + (x * x) / 2);
    const next = x - u / (1 + (x * u) / 2);
    const converged = Math.abs(next - x) <= EPSILON * Math.max(1, Math.abs(next));
    x = next;
    if (converged) break;
  }
  if (x > 0) x = 0;
  return p < 0.5 ? x : -x;
}

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for 0 < x, Lanczos (g = 7, 9 terms), relative error near 1e-15. */
function logGamma(x: number): number {
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The correction terms of Stirling's series: log Gamma(x) - ((x - 1/2) ln x - x + ln sqrt(2 pi)). */
function stirlingCorrection(x: number): number {
  const r = 1 / (x * x);
  return (
    (1 / x) *
    (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r * (1 / 1188 - (r * 691) / 360360)))))
  );
}

/** log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b), for 0 < a, b. */
function logBeta(a: number, b: number): number {
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  if (large < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  // log Gamma(large) - log Gamma(large + small) from Stirling's series, rearranged so that no two
  // large terms cancel (the naive difference loses digits in proportion to large * ln(large)).
  const difference =
    -(large - 0.5) * Math.log1p(small / large) -
    small * Math.log(large + small) +
    small +
    stirlingCorrection(large) -
    stirlingCorrection(large + small);
  return logGamma(small) + difference;
}

/** The continued fraction of I_x(a, b) (Numerical Recipes betacf), modified Lentz. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Converges in O(sqrt(max(a, b))) steps; a = df / 2 stays far below this bound.
  for (let m = 1; m <= 1_000_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
}

/**
 * The regularized incomplete beta I_x(a, b), given x and y = 1 - x computed apart (so that neither
 * loses digits when the other is close to 1).
 */
function regularizedBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/** P(T > |t|) for Student's t with `df` degrees of freedom: (1/2) I_{df/(df+t^2)}(df/2, 1/2). */
function tUpperTail(t: number, df: number): number {
  const t2 = t * t;
  return 0.5 * regularizedBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
}

/** Student's t CDF with `df` > 0 degrees of freedom (not necessarily an integer). */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return Number.NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (df === Infinity) return normalCdf(t);
  const tail = tUpperTail(t, df);
  return t < 0 ? tail : 1 - tail;
}

/** Student's t density. */
function tDensity(t: number, df: number): number {
  return Math.exp(
    -0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/** Student's t quantile: the t with tCdf(t, df) = p. */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || Number.isNaN(df) || df <= 0 || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantile(p);
  // Solved for the upper tail q = P(T > x), x > 0, then given the sign of p - 1/2.
  const q = Math.min(p, 1 - p);
  let x: number;
  if (df === 1) {
    x = 1 / Math.tan(Math.PI * q); // tan(pi (1/2 - q)), without rounding 1/2 - q
  } else if (df === 2) {
    x = (1 - 2 * q) / Math.sqrt(2 * q * (1 - q));
  } else {
    // Start: the normal quantile with the first Cornish-Fisher term; then Newton's steps, each kept
    // inside a bracket [low, high] of the root (bisection when a step would leave it).
    const z = -normalQuantile(q);
    x = z + (z * z * z + z) / (4 * df);
    let low = 0;
    let high = Math.max(2 * x, 1);
    while (tUpperTail(high, df) > q && high < Number.MAX_VALUE / 2) high *= 2;
    if (!(x > low && x < high)) x = (low + high) / 2;
    for (let step = 0; step < 200; step++) {
      const error = tUpperTail(x, df) - q;
      if (error === 0) break;
      if (error > 0) low = x;
      else high = x;
      let next = x + error / tDensity(x, df);
      if (!(next > low && next < high)) next = (low + high) / 2;
      const converged = Math.abs(next - x) <= EPSILON * Math.abs(next);
      x = next;
      if (converged || high - low <= EPSILON * high) break;
    }
  }
  return p < 0.5 ? -x : x;
}

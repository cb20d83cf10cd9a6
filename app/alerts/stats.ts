// Exact tail probabilities for count data. Alerts compare counts (orders,
// converting sessions, shoppers who met friction) against a baseline, and
// counts this small are where normal approximations mislead.

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6,
  1.5056327351493116e-7,
];

/** Natural logarithm of Γ(x) for x > 0 (Lanczos, g = 7, about 15 digits). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = 0.9999999999998099;
  for (let i = 0; i < LANCZOS.length; i += 1) {
    sum += LANCZOS[i] / (z + i + 1);
  }
  const t = z + LANCZOS.length - 0.5;
  return (
    0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
  );
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

function binomialLogPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialLowerTail(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let total = 0;
  for (let i = 0; i <= k; i += 1) total += Math.exp(binomialLogPmf(i, n, p));
  return Math.min(1, total);
}

/** P(X ≥ k) for X ~ Binomial(n, p). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let total = 0;
  for (let i = k; i <= n; i += 1) {
    const term = Math.exp(binomialLogPmf(i, n, p));
    total += term;
    // Past the mode the terms only shrink; stop once they stop counting.
    if (i > n * p && term < total * 1e-16) break;
  }
  return Math.min(1, total);
}

/** P(X ≤ k) for X ~ Poisson(mean). */
export function poissonLowerTail(k: number, mean: number): number {
  if (k < 0) return 0;
  if (mean === 0) return 1;
  let total = 0;
  for (let i = 0; i <= k; i += 1) {
    total += Math.exp(i * Math.log(mean) - mean - logGamma(i + 1));
  }
  return Math.min(1, total);
}

/**
 * One-sided p-value that events in a current period happen at a higher
 * rate than in a baseline, given each period's exposure (sessions). Under
 * equal rates, and given the total k1 + k0, the current count follows
 * Binomial(k1 + k0, n1 / (n1 + n0)): the exact conditional test for two
 * Poisson rates.
 */
export function rateIncreasePValue(
  current: { events: number; exposure: number },
  baseline: { events: number; exposure: number },
): number {
  const total = current.events + baseline.events;
  const share = current.exposure / (current.exposure + baseline.exposure);
  return binomialUpperTail(current.events, total, share);
}

// Seeded float64 symmetric test matrices for the eigen-solver: random entries, a prescribed spectrum
// under a random orthogonal similarity (repeated, clustered, graded eigenvalues), and low-rank
// Gram matrices like a kernel on more samples than features. Built from uniform draws with only
// + − × ÷ √ (correctly rounded everywhere), so every runtime gets the same bits.

import { Rng } from '../../src/random/rng.js';

/** Symmetric n x n with entries uniform in [−1, 1) (the lower triangle mirrored). */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const u = new Rng(seed).uniform(n * n, -1, 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      a[i * n + j] = u[i * n + j];
      a[j * n + i] = u[i * n + j];
    }
  }
  return a;
}

/**
 * Q diag(values) Qᵀ, Q a product of `reflectors` random Householder reflections, so the eigenvalues
 * are `values` up to a few roundings of max|value|. Each reflection H = I − 2uuᵀ is applied as
 * HMH = M − 2(u qᵀ + q uᵀ) with p = Mu, q = p − (uᵀp)u: O(n²), exactly symmetric.
 */
export function withSpectrum(values: ArrayLike<number>, seed: number, reflectors = 12): Float64Array {
  const n = values.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = values[i];
  const rng = new Rng(seed);
  const p = new Float64Array(n);
  for (let r = 0; r < reflectors; r++) {
    const u = Float64Array.from(rng.uniform(n, -1, 1));
    let len = 0;
    for (let i = 0; i < n; i++) len += u[i] * u[i];
    len = Math.sqrt(len);
    for (let i = 0; i < n; i++) u[i] /= len;
    let upu = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += m[i * n + j] * u[j];
      p[i] = s;
      upu += u[i] * s;
    }
    for (let i = 0; i < n; i++) p[i] -= upu * u[i];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = m[i * n + j] - 2 * (u[i] * p[j] + p[i] * u[j]);
        m[i * n + j] = v;
        m[j * n + i] = v;
      }
    }
  }
  return m;
}

/** B Bᵀ with B n x r uniform in [−1, 1): a PSD matrix of rank r (a Gram/kernel matrix on r features). */
export function lowRankGram(n: number, r: number, seed: number): Float64Array {
  const b = new Rng(seed).uniform(n * r, -1, 1);
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += b[i * r + k] * b[j * r + k];
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  }
  return g;
}

/**
 * n values decreasing from 1 to 2^-octaves (cond 2^40 ≈ 1.1e12 by default), geometric up to a linear
 * interpolation within each octave: λ(t) = 2^-⌊t⌋·(1 − (t − ⌊t⌋)/2), t = octaves·i/(n−1). Built with
 * exact operations only (Math.pow differs between engines).
 */
export function gradedSpectrum(n: number, octaves = 40): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const t = (octaves * i) / Math.max(1, n - 1);
    const e = Math.floor(t);
    let scale = 1;
    for (let k = 0; k < e; k++) scale /= 2;
    return scale * (1 - (t - e) / 2);
  });
}

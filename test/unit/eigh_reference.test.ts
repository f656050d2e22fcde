// The eigen-solver's oracles (src/reference/eigh.ts): cyclic Jacobi against analytic and prescribed
// spectra, and the residual measure, which must flag a wrong decomposition.

import { describe, expect, it } from 'vitest';
import { eighResiduals, jacobiEigenRef } from '../../src/reference/eigh.js';
import { randomSymmetric, withSpectrum } from '../conformance/matrices.js';

describe('cyclic Jacobi reference', () => {
  it('2x2 [[2,1],[1,2]]: eigenvalues 3, 1 with eigenvectors (1,1)/√2 and (1,−1)/√2', () => {
    const { values, vectors } = jacobiEigenRef([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 15);
    expect(values[1]).toBeCloseTo(1, 15);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(vectors[0] * vectors[1]).toBeCloseTo(0.5, 15);
    expect(vectors[2] * vectors[3]).toBeCloseTo(-0.5, 15);
  });

  it('a diagonal matrix needs no sweep and is only sorted', () => {
    const r = jacobiEigenRef([1, 0, 0, 0, 3, 0, 0, 0, 2], 3);
    expect(Array.from(r.values)).toEqual([3, 2, 1]);
    expect(r.sweeps).toBe(0);
  });

  it('recovers a prescribed spectrum (repeated and graded values) with small residuals', () => {
    const spectrum = [8, 8, 8, 3, 1, 1e-3, 1e-6, 0, -2, -2];
    const n = spectrum.length;
    const a = withSpectrum(spectrum, 4);
    const r = jacobiEigenRef(a, n);
    spectrum.forEach((v, i) => expect(Math.abs(r.values[i] - v)).toBeLessThan(1e-13 * 8));
    const { residual, orthogonality } = eighResiduals(a, n, r.values, r.vectors);
    expect(residual).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-14);
  });

  it('random 40 x 40: residuals at rounding level', () => {
    const a = randomSymmetric(40, 8);
    const r = jacobiEigenRef(a, 40);
    const { residual, orthogonality } = eighResiduals(a, 40, r.values, r.vectors);
    expect(residual).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-13);
  });
});

describe('eighResiduals', () => {
  const n = 12;
  const a = randomSymmetric(n, 2);
  const r = jacobiEigenRef(a, n);

  it('flags a wrong eigenvalue, a non-unit vector and two swapped vectors', () => {
    const values = r.values.slice();
    values[3] += 1e-6;
    expect(eighResiduals(a, n, values, r.vectors).residual).toBeGreaterThan(1e-8);
    const scaled = r.vectors.slice();
    for (let k = 0; k < n; k++) scaled[k] *= 1 + 1e-6;
    expect(eighResiduals(a, n, r.values, scaled).orthogonality).toBeGreaterThan(1e-7);
    const swapped = r.vectors.slice();
    swapped.set(r.vectors.subarray(0, n), n);
    swapped.set(r.vectors.subarray(n, 2 * n), 0);
    expect(eighResiduals(a, n, r.values, swapped).residual).toBeGreaterThan(1e-2);
  });

  it('checks only the k pairs given (top-k)', () => {
    const k = 5;
    const { residual, orthogonality } = eighResiduals(a, n, r.values.subarray(0, k), r.vectors.subarray(0, k * n));
    expect(residual).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-14);
  });
});

// Kernel metrics (src/ntk/metrics.ts) against analytic values: similarity/distance of identical,
// scaled, orthogonal and known-angle kernels, velocity, polar dynamics, spectrum statistics of
// diagonal and projector kernels, alignment (plain and centered vs a brute-force HKH), typed errors.

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import {
  conditionNumber,
  constantModeShare,
  effectiveRank,
  kernelDistance,
  kernelSimilarity,
  kernelSpectrum,
  kernelTargetAlignment,
  kernelTrace,
  kernelVelocity,
  polarDynamics,
  polarTrajectory,
  spectrumStats,
  topKEnergy,
} from '../../src/ntk/metrics.js';
import { jacobiEigenRef } from '../../src/reference/eigh.js';
import { lowRankGram, randomSymmetric, withSpectrum } from '../conformance/matrices.js';

/** Row-major n x n diagonal matrix. */
function diag(values: number[]): Float64Array {
  const n = values.length;
  const m = new Float64Array(n * n);
  values.forEach((v, i) => (m[i * n + i] = v));
  return m;
}

/** Row-major Y Yᵀ for one-hot labels. */
function targetGram(labels: number[]): Float64Array {
  const n = labels.length;
  return Float64Array.from({ length: n * n }, (_, idx) => (labels[Math.floor(idx / n)] === labels[idx % n] ? 1 : 0));
}

function expectCode(fn: () => unknown, code: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(NtkError);
  expect((error as NtkError).code).toBe(code);
}

async function expectCodeAsync(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(NtkError);
  expect((error as NtkError).code).toBe(code);
}

describe('similarity and distance', () => {
  const k = randomSymmetric(9, 1);

  it('identical and positively scaled kernels have S = 1, KD = 0; negated ones S = −1', () => {
    expect(kernelSimilarity(k, k)).toBeCloseTo(1, 15);
    expect(
      kernelSimilarity(
        k,
        k.map((v) => 3 * v),
      ),
    ).toBeCloseTo(1, 15);
    expect(kernelDistance(k, k)).toBe(0);
    expect(
      kernelSimilarity(
        k,
        k.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 15);
    expect(
      kernelDistance(
        k,
        k.map((v) => -v),
      ),
    ).toBeCloseTo(2, 14);
  });

  it('orthogonal kernels have S = 0 and KD = 1', () => {
    expect(kernelSimilarity(diag([1, 0]), diag([0, 1]))).toBe(0);
    expect(kernelDistance(diag([1, 0]), diag([0, 1]))).toBeCloseTo(1, 15);
  });

  it('a known angle: S(I, e1e1ᵀ) = 1/√2', () => {
    expect(kernelSimilarity(diag([1, 1]), diag([1, 0]))).toBeCloseTo(Math.SQRT1_2, 15);
    expect(kernelDistance(diag([1, 1]), diag([1, 0]))).toBeCloseTo(1 - Math.SQRT1_2, 15);
  });

  it('KD stays accurate for nearly parallel kernels, where 1 − S cancels', () => {
    // diag(1,1) vs diag(1,1+ε): angle θ = atan(ε/(2+ε)), KD = 1 − cos θ = 2 sin²(θ/2). The normalised
    // difference has relative error ~ 2^-52/θ; 1 − S has ~ 2^-52/θ².
    for (const requested of [1e-3, 1e-6, 1e-8]) {
      const eps = 1 + requested - 1; // the ε actually stored in 1 + ε
      const theta = Math.atan(eps / (2 + eps));
      const exact = 2 * Math.sin(theta / 2) ** 2;
      const kd = kernelDistance(diag([1, 1]), diag([1, 1 + eps]));
      expect(Math.abs(kd - exact) / exact).toBeLessThan((8 * 2 ** -52) / theta);
      if (requested === 1e-6) {
        const naive = 1 - kernelSimilarity(diag([1, 1]), diag([1, 1 + eps]));
        expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-5);
      }
    }
  });

  it('Float32Array kernels are read as float64', () => {
    const k32 = Float32Array.from(k);
    expect(kernelSimilarity(k32, k)).toBe(kernelSimilarity(k, k));
  });

  it('velocity is KD/Δ and refuses Δ ≤ 0', () => {
    const a = diag([1, 1]);
    const b = diag([1, 0]);
    expect(kernelVelocity(a, b, 4)).toBeCloseTo((1 - Math.SQRT1_2) / 4, 15);
    expectCode(() => kernelVelocity(a, b, 0), 'E_INVALID_ARGUMENT');
    expectCode(() => kernelVelocity(a, b, NaN), 'E_INVALID_ARGUMENT');
  });

  it('typed errors: mismatched, non-square, empty, non-finite, zero kernels', () => {
    expectCode(() => kernelSimilarity(diag([1, 2]), diag([1, 2, 3])), 'E_SHAPE_MISMATCH');
    expectCode(() => kernelSimilarity(new Float64Array(5), new Float64Array(5)), 'E_SHAPE_MISMATCH');
    expectCode(() => kernelDistance(new Float64Array(0), new Float64Array(0)), 'E_SHAPE_MISMATCH');
    expectCode(() => kernelSimilarity(diag([1, NaN]), diag([1, 1])), 'E_NOT_FINITE');
    expectCode(() => kernelDistance(diag([1, 1]), diag([Infinity, 1])), 'E_NOT_FINITE');
    expectCode(() => kernelSimilarity(diag([0, 0]), diag([1, 1])), 'E_INVALID_ARGUMENT');
  });
});

describe('polar dynamics', () => {
  const k0 = diag([1, 1]);
  const kt = diag([2, 1]);
  const kFinal = diag([3, 1]);

  it('radius ‖K_t − K_0‖/‖K_T − K_0‖ and angle arccos S(K_t, K_0)', () => {
    const p = polarDynamics(kt, k0, kFinal);
    expect(p.radius).toBeCloseTo(0.5, 15);
    expect(p.angle).toBeCloseTo(Math.acos(3 / Math.sqrt(10)), 14);
    expect(
      polarDynamics(
        k0.map((v) => 5 * v),
        k0,
        kFinal,
      ).angle,
    ).toBeCloseTo(0, 14);
  });

  it('a trajectory runs from (0, 0) to radius 1', () => {
    const { radius, angle } = polarTrajectory([k0, kt, kFinal]);
    expect(Array.from(radius)).toEqual([0, 0.5, 1]);
    expect(angle[0]).toBe(0);
    expect(angle[2]).toBeCloseTo(Math.acos(4 / Math.sqrt(20)), 14);
  });

  it('refuses K_T = K_0, fewer than two kernels and mismatched sizes', () => {
    expectCode(() => polarDynamics(kt, k0, k0), 'E_INVALID_ARGUMENT');
    expectCode(() => polarTrajectory([k0]), 'E_INVALID_ARGUMENT');
    expectCode(() => polarDynamics(kt, k0, diag([1, 2, 3])), 'E_SHAPE_MISMATCH');
  });
});

describe('spectrum statistics', () => {
  it('condition number: λ_max/λ_min, max|λ|/min|λ| for negative λ, Infinity when singular', () => {
    expect(conditionNumber([4, 2, 1])).toBe(4);
    expect(conditionNumber([4, -2])).toBe(2);
    expect(conditionNumber([4, 0])).toBe(Infinity);
  });

  it('top-k energy Σ_{i<k} λ_i² / Σ λ_i²', () => {
    expect(topKEnergy([3, 2, 1], 1)).toBeCloseTo(9 / 14, 15);
    expect(topKEnergy([3, 2, 1], 2)).toBeCloseTo(13 / 14, 15);
    expect(topKEnergy([3, 2, 1], 10)).toBe(1);
    expectCode(() => topKEnergy([1, 2, 3], 1), 'E_INVALID_ARGUMENT'); // not descending
    expectCode(() => topKEnergy([3, 2], 0), 'E_INVALID_ARGUMENT');
    expectCode(() => topKEnergy([0, 0], 1), 'E_INVALID_ARGUMENT');
    expectCode(() => topKEnergy([], 1), 'E_SHAPE_MISMATCH');
    expectCode(() => topKEnergy([1, NaN], 1), 'E_NOT_FINITE');
  });

  it('effective rank: identity n, rank-r projector r, [2,1,1] → 2^1.5; tiny negatives clamped, large ones E_NOT_PSD', () => {
    expect(effectiveRank(new Float64Array(37).fill(1))).toBeCloseTo(37, 12);
    expect(effectiveRank([1, 1, 1, 0, 0, 0])).toBeCloseTo(3, 14);
    expect(effectiveRank([2, 1, 1])).toBeCloseTo(2 ** 1.5, 14);
    expect(effectiveRank([1, 1, -1e-9])).toBeCloseTo(2, 14);
    expectCode(() => effectiveRank([1, -0.5]), 'E_NOT_PSD');
    expect(effectiveRank([1, -0.5], Infinity)).toBe(1);
    expectCode(() => effectiveRank([0, 0]), 'E_INVALID_ARGUMENT');
  });

  it('all statistics of a diagonal kernel in one object', async () => {
    const s = await spectrumStats(diag([1, 5, 3, 2, 4]), { energyK: [2, 10], labels: [0, 1, 0, 1, 2] });
    expect(Array.from(s.eigenvalues)).toEqual([5, 4, 3, 2, 1]);
    expect(s.n).toBe(5);
    expect(s.lambdaMax).toBe(5);
    expect(s.lambdaMin).toBe(1);
    expect(s.trace).toBe(15);
    expect(s.conditionNumber).toBe(5);
    expect(s.topEnergy[2]).toBeCloseTo(41 / 55, 15);
    expect(s.topEnergy[10]).toBe(1);
    const p = [5, 4, 3, 2, 1].map((v) => v / 15);
    expect(s.effectiveRank).toBeCloseTo(Math.exp(-p.reduce((h, q) => h + q * Math.log(q), 0)), 14);
    expect(s.negativeCount).toBe(0);
    // <D, YYᵀ> = trace = 15, ‖D‖ = √55, ‖YYᵀ‖ = √(2² + 2² + 1²) = 3.
    expect(s.targetAlignment).toBeCloseTo(15 / (Math.sqrt(55) * 3), 15);
  });

  it('identity kernel: effective rank n, condition 1, E_10 = 10/n; defaults k = 10, 20', async () => {
    const n = 40;
    const s = await spectrumStats(diag(new Array(n).fill(1)));
    expect(s.effectiveRank).toBeCloseTo(n, 12);
    expect(s.conditionNumber).toBe(1);
    expect(s.topEnergy[10]).toBeCloseTo(10 / n, 14);
    expect(s.topEnergy[20]).toBeCloseTo(20 / n, 14);
    expect(s.targetAlignment).toBeNull();
  });

  it('a prescribed spectrum under a random rotation: statistics from the eigenvalues', async () => {
    const values = [10, 5, 5, 2, 1, 0.5, 0.25, 0.125];
    const k = withSpectrum(values, 3);
    const s = await spectrumStats(k, { energyK: [1, 3] });
    values.forEach((v, i) => expect(s.eigenvalues[i]).toBeCloseTo(v, 13));
    expect(s.trace).toBeCloseTo(
      values.reduce((a, b) => a + b),
      13,
    );
    expect(s.conditionNumber).toBeCloseTo(80, 10);
    expect(s.topEnergy[3]).toBeCloseTo(150 / values.reduce((a, b) => a + b * b, 0), 14);
  });

  it('a rank-deficient Gram kernel: rounding negatives are clamped and counted, and the spectrum matches Jacobi', async () => {
    const n = 30;
    const k = lowRankGram(n, 4, 9);
    const s = await spectrumStats(k);
    const ref = jacobiEigenRef(k, n).values;
    for (let i = 0; i < n; i++) expect(Math.abs(s.eigenvalues[i] - ref[i])).toBeLessThan(1e-12 * ref[0]);
    expect(s.effectiveRank).toBeGreaterThan(1);
    expect(s.effectiveRank).toBeLessThan(4);
    expect(s.negativeCount).toBe(Array.from(s.eigenvalues).filter((v) => v < 0).length);
    expect(s.conditionNumber).toBeGreaterThan(1e10);
  });

  it('constantModeShare: 1 for a kernel whose top eigenvector is constant, less for a diagonal one, 0 for an alternating one, typed errors', async () => {
    const n = 4;
    const dominated = Float64Array.from({ length: n * n }, (_, i) => 5 + (i % (n + 1) === 0 ? 0.5 : 0)); // 5·11ᵀ + 0.5 I
    expect(constantModeShare(dominated, (await spectrumStats(dominated)).lambdaMax)).toBeCloseTo(1, 12);
    expect((await spectrumStats(diag([4, 1, 1, 1]))).constantMode).toBeCloseTo(7 / n / 4, 12); // the top mode is e1: (1ᵀK1/n)/λ_max = (7/4)/4
    const alternating = Float64Array.from({ length: n * n }, (_, i) => ((Math.floor(i / n) + (i % n)) % 2 ? -1 : 1)); // vvᵀ, v = (1, -1, 1, -1)
    expect((await spectrumStats(alternating)).constantMode).toBeCloseTo(0, 12);
    expect(() => constantModeShare(diag([1, 1]), 0)).toThrow(NtkError);
  });

  it('kernelSpectrum and kernelTrace; typed errors for bad kernels', async () => {
    expect(Array.from(await kernelSpectrum(diag([2, 7])))).toEqual([7, 2]);
    expect(kernelTrace(diag([2, 7]))).toBe(9);
    expectCode(() => kernelTrace(new Float64Array(3)), 'E_SHAPE_MISMATCH');
    expectCode(() => kernelTrace(diag([1, NaN])), 'E_NOT_FINITE');
    await expectCodeAsync(spectrumStats(new Float64Array(0)), 'E_SHAPE_MISMATCH');
    await expectCodeAsync(spectrumStats(Float64Array.from([1, 2, 0, 1])), 'E_NOT_SYMMETRIC');
    await expectCodeAsync(spectrumStats(diag([1, -1])), 'E_NOT_PSD');
    await expectCodeAsync(spectrumStats(diag([1, Infinity])), 'E_NOT_FINITE');
    await expectCodeAsync(spectrumStats(diag([1, 2]), { energy: [3] } as never), 'E_INVALID_ARGUMENT');
  });
});

describe('kernel-target alignment', () => {
  const labels = [0, 0, 1, 1, 2, 1, 0];

  it('K = YYᵀ aligns perfectly (plain and centered); offsets change only the plain one', () => {
    const y = targetGram(labels);
    expect(kernelTargetAlignment(y, labels)).toBeCloseTo(1, 15);
    expect(kernelTargetAlignment(y, labels, { centered: true })).toBeCloseTo(1, 14);
    const shifted = y.map((v) => v + 5);
    expect(kernelTargetAlignment(shifted, labels)).toBeLessThan(0.9);
    expect(kernelTargetAlignment(shifted, labels, { centered: true })).toBeCloseTo(1, 13);
  });

  it('I against two balanced classes: 1/√2; the constant kernel: 1/√2 plain, undefined centered', () => {
    const two = [0, 0, 1, 1];
    expect(kernelTargetAlignment(diag([1, 1, 1, 1]), two)).toBeCloseTo(Math.SQRT1_2, 15);
    const ones = new Float64Array(16).fill(1);
    expect(kernelTargetAlignment(ones, two)).toBeCloseTo(Math.SQRT1_2, 15);
    expectCode(() => kernelTargetAlignment(ones, two, { centered: true }), 'E_INVALID_ARGUMENT');
  });

  it('centered alignment equals the definition with explicit H = I − 11ᵀ/n', () => {
    const n = labels.length;
    const k = lowRankGram(n, 3, 21);
    const h = Float64Array.from({ length: n * n }, (_, idx) => (Math.floor(idx / n) === idx % n ? 1 : 0) - 1 / n);
    const mul = (a: Float64Array, b: Float64Array) =>
      Float64Array.from({ length: n * n }, (_, idx) => {
        let s = 0;
        for (let t = 0; t < n; t++) s += a[Math.floor(idx / n) * n + t] * b[t * n + (idx % n)];
        return s;
      });
    const kc = mul(mul(h, k), h);
    const lc = mul(mul(h, targetGram(labels)), h);
    let inner = 0;
    let kk = 0;
    let ll = 0;
    for (let i = 0; i < n * n; i++) {
      inner += kc[i] * lc[i];
      kk += kc[i] * kc[i];
      ll += lc[i] * lc[i];
    }
    expect(kernelTargetAlignment(k, labels, { centered: true })).toBeCloseTo(inner / Math.sqrt(kk * ll), 13);
  });

  it('typed errors: label count, non-integer labels, one class centered', () => {
    const k = diag([1, 2, 3]);
    expectCode(() => kernelTargetAlignment(k, [0, 1]), 'E_SHAPE_MISMATCH');
    expectCode(() => kernelTargetAlignment(k, [0, 1.5, 1]), 'E_INVALID_ARGUMENT');
    expectCode(() => kernelTargetAlignment(k, [2, 2, 2], { centered: true }), 'E_INVALID_ARGUMENT');
    expectCode(() => kernelTargetAlignment(k, [0, 1, 1], { center: true } as never), 'E_INVALID_ARGUMENT');
  });
});

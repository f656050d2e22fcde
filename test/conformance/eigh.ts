// eigh conformance (float64 WASM eigen-solver): residuals ‖AV − VΛ‖/‖A‖ and ‖VᵀV − I‖ on random,
// repeated-eigenvalue, rank-deficient, ill-conditioned (cond 1e12), n = 1000, clustered n = 800 and
// kernel-like PSD n = 1000 matrices; eigenvalues against the cyclic-Jacobi reference or the prescribed
// spectrum; identical bits in every runtime.

import { eigh, type EighResult } from '../../src/linalg/eigh.js';
import { loadWasm } from '../../src/linalg/wasm.js';
import { eighResiduals, jacobiEigenRef } from '../../src/reference/eigh.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode } from './check.js';
import { defineCase } from './harness.js';
import { gradedSpectrum, lowRankGram, randomSymmetric, withSpectrum } from './matrices.js';

/** Full decomposition of `a`, residual checks, and the eigenvalues-only run giving the same bits. */
async function decomposeChecked(
  a: Float64Array,
  n: number,
  what: string,
): Promise<EighResult & { residual: number; orthogonality: number }> {
  const full = await eigh(a, n, { vectors: true });
  const { residual, orthogonality } = eighResiduals(a, n, full.values, full.vectors!);
  assertBelow(residual, TOLERANCES.eighResidual, `${what}: ‖AV − VΛ‖/‖A‖`);
  assertBelow(orthogonality, TOLERANCES.eighResidual, `${what}: ‖VᵀV − I‖`);
  for (let i = 1; i < n; i++) assert(full.values[i] <= full.values[i - 1], `${what}: eigenvalues not descending at ${i}`);
  assertBitEqual((await eigh(a, n)).values, full.values, `${what}: eigenvalues-only vs with vectors`);
  return { ...full, residual, orthogonality };
}

/** max_i |λ_i − ref_i| / max|ref| (both descending). */
function eigenvalueError(values: Float64Array, ref: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < values.length; i++) {
    worst = Math.max(worst, Math.abs(values[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

const descending = (v: ArrayLike<number>) => Float64Array.from(v).sort().reverse();

defineCase('eigh random symmetric n = 1..64 vs cyclic Jacobi', async ({ metric, output }) => {
  let res = 0;
  let orth = 0;
  let err = 0;
  for (const n of [1, 2, 3, 4, 5, 8, 16, 17, 31, 64]) {
    const a = randomSymmetric(n, 100 + n);
    const got = await decomposeChecked(a, n, `n=${n}`);
    err = Math.max(
      err,
      assertBelow(eigenvalueError(got.values, jacobiEigenRef(a, n).values), TOLERANCES.eighEigenvalues, `n=${n} vs Jacobi`),
    );
    res = Math.max(res, got.residual);
    orth = Math.max(orth, got.orthogonality);
    if (n === 64) {
      const top = await eigh(a, n, { vectors: true, topK: 5 });
      assertBitEqual(top.values, got.values.subarray(0, 5), 'topK=5 values');
      assertBitEqual(top.vectors!, got.vectors!.subarray(0, 5 * n), 'topK=5 vectors');
      const f32 = Float32Array.from(a); // the entries are float32 values already
      assertBitEqual((await eigh(f32, n, { vectors: true })).vectors!, got.vectors!, 'Float32Array input');
      output('random64 values', got.values, { mode: 'bitwise' });
      output('random64 vectors', got.vectors!, { mode: 'bitwise' });
    }
  }
  metric('max_residual', res);
  metric('max_orthogonality', orth);
  metric('max_eigenvalue_error_vs_jacobi', err);
});

defineCase('eigh repeated eigenvalues: multiplicity 30, c·I, repeated diagonal', async ({ metric, output }) => {
  const n = 90;
  const spectrum = Float64Array.from({ length: n }, (_, i) => [3, 1, -2][i % 3]);
  const a = withSpectrum(spectrum, 7);
  const got = await decomposeChecked(a, n, 'multiplicity 30');
  const err = assertBelow(eigenvalueError(got.values, descending(spectrum)), TOLERANCES.eighEigenvalues, 'multiplicity 30 vs spectrum');
  metric('residual', got.residual);
  metric('orthogonality', got.orthogonality);
  metric('eigenvalue_error', err);
  output('repeated values', got.values, { mode: 'bitwise' });
  output('repeated vectors', got.vectors!, { mode: 'bitwise' });

  // c·I is already tridiagonal and diagonal: exact eigenvalues, identity eigenvectors.
  const m = 50;
  const scaledIdentity = new Float64Array(m * m);
  for (let i = 0; i < m; i++) scaledIdentity[i * m + i] = 2.5;
  const id = await decomposeChecked(scaledIdentity, m, 'c·I');
  assertBitEqual(id.values, new Float64Array(m).fill(2.5), 'c·I eigenvalues');
  assert(id.residual === 0, `c·I residual ${id.residual}`);

  // A diagonal matrix with repeated entries: its entries, sorted descending, exactly.
  const diag = [3, 1, 3, 2, 1, 0, -1, 2];
  const d = new Float64Array(64);
  diag.forEach((v, i) => (d[i * 8 + i] = v));
  const dg = await decomposeChecked(d, 8, 'repeated diagonal');
  assertBitEqual(dg.values, descending(diag), 'diagonal eigenvalues');
});

defineCase('eigh rank-deficient Gram (n = 120, rank 7) and the zero matrix', async ({ metric, output }) => {
  const n = 120;
  const r = 7;
  const a = lowRankGram(n, r, 11);
  const got = await decomposeChecked(a, n, 'rank 7');
  assert(got.values[r - 1] > 1e-3 * got.values[0], `rank 7: eigenvalue ${r - 1} = ${got.values[r - 1]} is not clearly positive`);
  let nullError = 0;
  for (let i = r; i < n; i++) nullError = Math.max(nullError, Math.abs(got.values[i]) / got.values[0]);
  assertBelow(nullError, TOLERANCES.eighEigenvalues, 'rank 7: null-space eigenvalues / λ_max');
  metric('residual', got.residual);
  metric('orthogonality', got.orthogonality);
  metric('null_eigenvalue_max_rel', nullError);
  output('rank7 values', got.values, { mode: 'bitwise' });

  const zero = await decomposeChecked(new Float64Array(100), 10, 'zero matrix');
  assertBitEqual(zero.values, new Float64Array(10), 'zero matrix eigenvalues');
});

defineCase('eigh ill-conditioned (n = 150, cond 1e12) and power-of-two scaling', async ({ metric, output }) => {
  const n = 150;
  const spectrum = gradedSpectrum(n); // cond 2^40 ≈ 1.1e12
  const a = withSpectrum(spectrum, 13);
  const got = await decomposeChecked(a, n, 'cond 1e12');
  const err = assertBelow(eigenvalueError(got.values, spectrum), TOLERANCES.eighEigenvalues, 'cond 1e12 vs spectrum');
  metric('residual', got.residual);
  metric('orthogonality', got.orthogonality);
  metric('eigenvalue_error', err);
  output('cond1e12 values', got.values, { mode: 'bitwise' });
  output('cond1e12 vectors', got.vectors!, { mode: 'bitwise' });

  // Scaling by 2^±300 is exact (no intermediate becomes subnormal), and every step of the solver is scale-invariant (Householder
  // reflectors, relative deflation tests, divide and conquer on T rescaled by a power of two): the same eigenvectors and exactly
  // scaled eigenvalues.
  for (const e of [300, -300]) {
    const s = 2 ** e;
    const scaled = await eigh(
      a.map((v) => v * s),
      n,
      { vectors: true },
    );
    assertBitEqual(
      scaled.values,
      got.values.map((v) => v * s),
      `scaled by 2^${e}: eigenvalues`,
    );
    assertBitEqual(scaled.vectors!, got.vectors!, `scaled by 2^${e}: eigenvectors`);
  }
});

// This matrix has secular roots within 1e-24 of their poles (tiny z), where the two-pole step leaves its
// bracket: before the origin-pole step, 5 of its 4,795 roots stopped at the iteration limit (now E_NOT_CONVERGED).
defineCase('eigh n = 1000 random symmetric (every secular root converges by the stopping test)', async ({ metric, output }) => {
  const n = 1000;
  const a = randomSymmetric(n, 1000);
  const start = performance.now();
  const full = await eigh(a, n, { vectors: true });
  metric('ms_with_vectors', Math.round(performance.now() - start));
  const { residual, orthogonality } = eighResiduals(a, n, full.values, full.vectors!);
  assertBelow(residual, TOLERANCES.eighResidual, 'n=1000: ‖AV − VΛ‖/‖A‖');
  assertBelow(orthogonality, TOLERANCES.eighResidual, 'n=1000: ‖VᵀV − I‖');
  metric('residual', residual);
  metric('orthogonality', orthogonality);
  const valuesStart = performance.now();
  const values = (await eigh(a, n)).values;
  metric('ms_values_only', Math.round(performance.now() - valuesStart));
  assertBitEqual(values, full.values, 'n=1000: eigenvalues-only vs with vectors');
  output('n1000 values', full.values, { mode: 'bitwise' });
  output('n1000 vectors', full.vectors!, { mode: 'bitwise' });
});

defineCase('eigh real size n = 800: clusters, a multiplicity-200 eigenvalue and near-equal pairs', async ({ metric }) => {
  const n = 800;
  // 200 x 1 (repeated), 200 within 1e-10 of 2, 200 pairs 1e-13 apart, 200 spread over [−3, −1].
  const spectrum = Float64Array.from({ length: n }, (_, i) => {
    if (i < 200) return 1;
    if (i < 400) return 2 + 1e-10 * (i - 200);
    if (i < 600) return 0.1 + 0.004 * Math.floor((i - 400) / 2) + 1e-13 * (i % 2);
    return -1 - (2 * (i - 600)) / 199;
  });
  const a = withSpectrum(spectrum, 17, 4);
  const got = await decomposeChecked(a, n, 'clusters n=800');
  const err = assertBelow(eigenvalueError(got.values, descending(spectrum)), TOLERANCES.eighEigenvalues, 'clusters n=800 vs spectrum');
  metric('residual', got.residual);
  metric('orthogonality', got.orthogonality);
  metric('eigenvalue_error', err);
});

defineCase('eigh real size n = 1000: kernel-like PSD matrix (rank 30 + 1e-8 × rank 300)', async ({ metric }) => {
  const n = 1000;
  const big = lowRankGram(n, 30, 21);
  const small = lowRankGram(n, 300, 22);
  const a = big.map((v, i) => v + 1e-8 * small[i]);
  const got = await decomposeChecked(a, n, 'kernel-like n=1000');
  // PSD: every eigenvalue is >= 0 up to the backward error, and 30 are clearly large.
  const floor = -TOLERANCES.eighEigenvalues * got.values[0];
  assert(got.values[n - 1] >= floor, `kernel-like: smallest eigenvalue ${got.values[n - 1]} < ${floor}`);
  assert(got.values[29] > 1e3 * got.values[30], `kernel-like: λ_30 = ${got.values[29]} is not well above λ_31 = ${got.values[30]}`);
  metric('residual', got.residual);
  metric('orthogonality', got.orthogonality);
  metric('lambda_min_over_max', got.values[n - 1] / got.values[0]);
});

defineCase('eigh typed errors: NaN, Inf, non-square, empty, non-symmetric, bad options', async () => {
  const n = 6;
  const a = randomSymmetric(n, 5);
  const withNaN = a.slice();
  withNaN[2 * n + 3] = NaN;
  const nanMessage = await expectCode('E_NOT_FINITE', () => eigh(withNaN, n));
  assert(nanMessage.includes('(2, 3)'), `message does not locate the NaN: ${nanMessage}`);
  const withInf = a.slice();
  withInf[0] = -Infinity;
  await expectCode('E_NOT_FINITE', () => eigh(withInf, n));
  await expectCode('E_SHAPE_MISMATCH', () => eigh(new Float64Array(12), 3)); // 3 x 4
  await expectCode('E_SHAPE_MISMATCH', () => eigh(a, n + 1));
  await expectCode('E_SHAPE_MISMATCH', () => eigh(new Float64Array(0), 0));
  const asym = a.slice();
  asym[1] += 0.5;
  const message = await expectCode('E_NOT_SYMMETRIC', () => eigh(asym, n));
  assert(message.includes('(0, 1)'), `message does not name the worst pair: ${message}`);
  await expectCode('E_INVALID_ARGUMENT', () => eigh(a, n, { topK: 0 }));
  await expectCode('E_INVALID_ARGUMENT', () => eigh(a, n, { topK: n + 1 }));
  await expectCode('E_INVALID_ARGUMENT', () => eigh(a, n, { symmetryTolerance: -1 }));
  await expectCode('E_INVALID_ARGUMENT', () => eigh(new Float64Array(1), 20000));
  await expectCode('E_INVALID_ARGUMENT', () => eigh(new Float64Array(1), 9000, { vectors: true })); // > EIGH_MAX_ORDER_VECTORS
  await expectCode('E_INVALID_ARGUMENT', () => eigh(a, n, { vector: true } as never)); // a typo is not ignored

  // Rounding-level asymmetry is accepted and symmetrised: the result is eigh((A + Aᵀ)/2).
  const nearly = a.slice();
  nearly[1] *= 1 + 1e-9;
  const sym = nearly.slice();
  sym[1] = sym[n] = 0.5 * (nearly[1] + nearly[n]);
  assertBitEqual((await eigh(nearly, n)).values, (await eigh(sym, n)).values, 'symmetrised input');
  await expectCode('E_NOT_SYMMETRIC', () => eigh(nearly, n, { symmetryTolerance: 0 }));
});

defineCase('eigh frees its WASM memory, also on errors', async () => {
  const wasm = await loadWasm();
  const n = 300;
  const a = randomSymmetric(n, 3);
  const bad = a.slice();
  bad[7] = NaN;
  await eigh(a, n, { vectors: true }); // grows memory once
  const bytes = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 5; i++) {
    await eigh(a, n, { vectors: true });
    await expectCode('E_NOT_FINITE', () => eigh(bad, n));
  }
  assert(wasm.memory.buffer.byteLength === bytes, `WASM memory grew from ${bytes} to ${wasm.memory.buffer.byteLength} bytes: a leak`);
});

// Symmetric eigen-decomposition (float64) on the WASM solver in assembly/eigh.ts (blocked Householder
// tridiagonalisation, QL eigenvalues, divide-and-conquer eigenvectors): validates the input (finite,
// square, symmetric to a relative tolerance), copies it into WASM memory, runs the solver and copies
// eigenvalues and eigenvectors out.

import { check, NtkError } from '../errors.js';
import { describeValue, requireMatrix, resolveOptions } from '../options.js';
import { loadWasm, SECULAR_NOT_CONVERGED } from './wasm.js';

/** A dense row-major n x n matrix; Float32Array input (e.g. a kernel read back from the GPU) is widened to float64. */
export type DenseMatrix = Float64Array | Float32Array;

/** Options of eigh. */
export interface EighOptions {
  /** Also compute eigenvectors (a few times the time of eigenvalues only, see docs/results/benchmarks.md); n <= EIGH_MAX_ORDER_VECTORS. */
  vectors: boolean;
  /**
   * Keep only the k largest eigenvalues (and their vectors); null keeps all n. The solver computes
   * the full decomposition either way, so this saves memory and copying, not solver time.
   */
  topK: number | null;
  /**
   * Largest accepted relative symmetry defect max|a_ij − a_ji| / max|a_ij|. The default 1e-4 is
   * about a thousand float32 roundings, so a kernel whose (i,j) and (j,i) entries were computed
   * separately in float32 passes, while a matrix that is not meant to be symmetric (a cross kernel,
   * a transposition bug) is refused with E_NOT_SYMMETRIC. Accepted input is symmetrised,
   * (A + Aᵀ)/2, before the decomposition; pass 0 to require exact symmetry.
   */
  symmetryTolerance: number;
}

/** Eigenvalues only, all of them, symmetry checked to 1e-4. */
export const DEFAULT_EIGH_OPTIONS: Readonly<EighOptions> = Object.freeze({
  vectors: false,
  topK: null,
  symmetryTolerance: 1e-4,
});

/** What eigh returns. */
export interface EighResult {
  /** The matrix order. */
  n: number;
  /** Eigenvalues in DESCENDING order (λ_max first); length k (= topK, or n). */
  values: Float64Array;
  /**
   * With `vectors`: row-major k x n, row i is the unit eigenvector of values[i], its sign chosen so
   * that its largest-magnitude entry (the first such) is positive. Within a repeated eigenvalue the
   * vectors are one orthonormal basis of the eigenspace, not a canonical one. null without `vectors`.
   */
  vectors: Float64Array | null;
}

/** Largest order whose n x n float64 matrix fits one allocation of the WASM heap (blocks < 1 GiB). */
export const EIGH_MAX_ORDER = 11584;

/**
 * Largest order with eigenvectors: the solver then holds four n x n float64 arrays (the matrix with
 * the reflectors, the tridiagonal eigenvectors, two divide-and-conquer work arrays), 2 GiB at 8192,
 * half of the 4 GiB a WASM memory can grow to.
 */
export const EIGH_MAX_ORDER_VECTORS = 8192;

/**
 * Eigen-decomposition A = V diag(λ) Vᵀ of a real symmetric matrix `a` (row-major n x n), in float64.
 * Errors: E_SHAPE_MISMATCH (a.length ≠ n², n < 1), E_INVALID_ARGUMENT (unknown or bad option, n too large),
 * E_NOT_FINITE (NaN/±Inf entry), E_NOT_SYMMETRIC (defect above `symmetryTolerance`),
 * E_NOT_CONVERGED (QL iteration limit; not expected for finite input), E_WASM (the module failed).
 */
export async function eigh(a: DenseMatrix, n: number, options: Partial<EighOptions> = {}): Promise<EighResult> {
  requireMatrix('eigh', 'a', a);
  if (typeof n !== 'number')
    throw new NtkError('E_INVALID_ARGUMENT', `eigh: argument "n" (the order of the matrix) must be a number, got ${describeValue(n)}.`, {
      option: 'n',
    });
  const opts = resolveOptions('eigh', DEFAULT_EIGH_OPTIONS, options);
  const square = Number.isInteger(n) && n >= 1;
  check(
    !square || n <= EIGH_MAX_ORDER,
    `eigh: n=${n} exceeds EIGH_MAX_ORDER=${EIGH_MAX_ORDER} (the n x n float64 matrix must fit a 1 GiB WASM block).`,
    { n },
  );
  check(
    !square || !opts.vectors || n <= EIGH_MAX_ORDER_VECTORS,
    `eigh: n=${n} exceeds EIGH_MAX_ORDER_VECTORS=${EIGH_MAX_ORDER_VECTORS} with vectors (four n x n float64 arrays in WASM memory); ask for eigenvalues only, or fewer samples.`,
    { n },
  );
  if (!square || a.length !== n * n) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `eigh: expected a square row-major n x n matrix with n=${n} (${n * n} values), got ${a.length} values. Pass the matrix order as n.`,
      { n, length: a.length },
    );
  }
  const k = opts.topK ?? n;
  check(Number.isInteger(k) && k >= 1 && k <= n, `eigh: topK must be an integer in [1, n=${n}] or null (all), got ${opts.topK}.`, {
    topK: opts.topK,
  });
  check(opts.symmetryTolerance >= 0, `eigh: symmetryTolerance must be a number >= 0, got ${opts.symmetryTolerance}.`, {
    symmetryTolerance: opts.symmetryTolerance,
  });

  const wasm = await loadWasm();
  // Allocate everything first: growing WASM memory detaches views made earlier.
  const aPtr = wasm.allocF64(n * n);
  const dPtr = wasm.allocF64(n);
  const ePtr = wasm.allocF64(n);
  try {
    new Float64Array(wasm.memory.buffer, aPtr, n * n).set(a);
    const defect = wasm.symmetryDefect(aPtr, n);
    if (Number.isNaN(defect)) throw notFinite(a, n);
    if (defect > opts.symmetryTolerance) throw notSymmetric(a, n, defect, opts.symmetryTolerance);
    if (defect > 0) wasm.symmetrize(aPtr, n);
    const status = wasm.eighInPlace(aPtr, n, dPtr, ePtr, opts.vectors ? 1 : 0);
    if (status === SECULAR_NOT_CONVERGED) {
      throw new NtkError(
        'E_NOT_CONVERGED',
        `eigh: a root of the divide-and-conquer secular equation did not converge in its iteration limit (n = ${n}); ` +
          'this is a solver defect on this input: please report it with the matrix, and use { vectors: false } (QL) meanwhile.',
        { n, solver: 'divide-and-conquer' },
      );
    }
    if (status !== 0) {
      throw new NtkError(
        'E_NOT_CONVERGED',
        `eigh: the QL iteration for eigenvalue ${status - 1} of ${n} did not converge in 30 steps; check the input for extreme scaling (entries near 1e±300).`,
        { n, index: status - 1 },
      );
    }
    const values = new Float64Array(wasm.memory.buffer, dPtr, k).slice();
    const vectors = opts.vectors ? new Float64Array(wasm.memory.buffer, aPtr, k * n).slice() : null;
    return { n, values, vectors };
  } catch (e) {
    if (e instanceof NtkError) throw e;
    throw new NtkError('E_WASM', `eigh: the WASM eigen-solver failed at n=${n}: ${(e as Error).message}`, { n });
  } finally {
    wasm.free(ePtr);
    wasm.free(dPtr);
    wasm.free(aPtr);
  }
}

function notFinite(a: DenseMatrix, n: number): NtkError {
  const index = a.findIndex((v) => !Number.isFinite(v));
  const row = Math.floor(index / n);
  const col = index % n;
  return new NtkError(
    'E_NOT_FINITE',
    `eigh: entry (${row}, ${col}) is ${a[index]}; the matrix must be finite. Check the kernel computation (overflow, NaN loss) upstream.`,
    { row, col, value: a[index] },
  );
}

function notSymmetric(a: DenseMatrix, n: number, defect: number, tolerance: number): NtkError {
  let worst = 0;
  let row = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const diff = Math.abs(a[i * n + j] - a[j * n + i]);
      if (diff > worst) [worst, row, col] = [diff, i, j];
    }
  }
  return new NtkError(
    'E_NOT_SYMMETRIC',
    `eigh: relative symmetry defect ${defect.toExponential(3)} exceeds symmetryTolerance ${tolerance} ` +
      `(worst pair (${row}, ${col}): ${a[row * n + col]} vs ${a[col * n + row]}). eigh needs a symmetric matrix; ` +
      'symmetrize it first if the asymmetry is rounding, or raise symmetryTolerance.',
    { defect, tolerance, row, col },
  );
}

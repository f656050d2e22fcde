// Eigen-decomposition of a dense symmetric matrix in float64, LAPACK dsyevd's route: blocked Householder
// tridiagonalisation T = Qᵀ A Q (tridiagonal.ts: dsytrd/dlatrd, level-3 trailing updates), eigenvalues of
// T by implicit QL (ql.ts: EISPACK tql2) and, with vectors, eigenvectors of T by divide and conquer
// (divide.ts: dstedc) back-transformed by Q in compact WY blocks (tridiagonal.ts: dormtr); sorting and
// sign normalisation here. The matrix is read as column-major (for a symmetric matrix the same as
// row-major), so the eigenvector columns written back are the rows of the row-major result.
// References: Golub & Van Loan, Matrix Computations (4th ed.) §5.1.9 (WY), §8.3 (tridiagonalisation),
// §8.4 (divide and conquer); Anderson et al., LAPACK Users' Guide (3rd ed.) §3.4.3 (dsyevd).

import { backTransform, tridiagonalize } from './tridiagonal';
import { divideAndConquer } from './divide';
import { tql2 } from './ql';
import { at, cm } from './vector';

/** Sorts d[0..n) descending (insertion sort: ties keep their order). */
function sortDescending(d: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const v = load<f64>(at(d, i));
    let j = i - 1;
    while (j >= 0 && load<f64>(at(d, j)) < v) {
      store<f64>(at(d, j + 1), load<f64>(at(d, j)));
      j--;
    }
    store<f64>(at(d, j + 1), v);
  }
}

/** Flips each column of z (ld n) so that its entry of largest magnitude (the first such) is positive. */
function fixSigns(z: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const col = cm(z, n, 0, i);
    let big: f64 = 0;
    let sign: f64 = 1;
    for (let r = 0; r < n; r++) {
      const v = load<f64>(at(col, r));
      if (Math.abs(v) > big) {
        big = Math.abs(v);
        sign = v < 0 ? -1 : 1;
      }
    }
    if (sign < 0) for (let r = 0; r < n; r++) store<f64>(at(col, r), -load<f64>(at(col, r)));
  }
}

/**
 * Eigen-decomposition of the symmetric n x n matrix at `a` (float64; only its upper triangle in
 * row-major terms is read). On return d[0..n) holds the eigenvalues in descending order and, when
 * `wantVectors` is nonzero, row i of `a` holds the unit eigenvector of d[i] with its largest-magnitude
 * entry positive; otherwise `a` is scratch. `e` is n float64 of scratch. Returns 0 on success,
 * 1 + l when the QL iteration for eigenvalue l did not converge, or divide and conquer's
 * SECULAR_NOT_CONVERGED (−1) when a root of its secular equation did not.
 */
export function eighInPlace(a: usize, n: i32, d: usize, e: usize, wantVectors: i32): i32 {
  const tau = heap.alloc(<usize>n << 3);
  tridiagonalize(a, n, d, e, tau);
  const status = wantVectors != 0 ? eigenvectors(a, n, d, e, tau) : tql2(d, e, n, 0, 0, false);
  heap.free(tau);
  if (status != 0) return status;
  sortDescending(d, n);
  return 0;
}

/**
 * The eigenvalues of the tridiagonal d/e by QL into d (bit-identical to the values-only path; divide and
 * conquer's own eigenvalues agree to rounding and only order its vectors), and the eigenvectors by
 * divide and conquer, back-transformed by the reflectors (a, tau) and written to the
 * columns of `a` in descending order of their eigenvalues, signs normalised. Returns tql2's status.
 */
function eigenvectors(a: usize, n: i32, d: usize, e: usize, tau: usize): i32 {
  const bytes = <usize>n << 3;
  const dq = heap.alloc(bytes);
  const eq = heap.alloc(bytes);
  memory.copy(dq, d, bytes);
  memory.copy(eq, e, bytes);
  let status = tql2(dq, eq, n, 0, 0, false);
  if (status == 0) {
    const z = heap.alloc(<usize>n * bytes);
    status = divideAndConquer(d, e, n, z);
    if (status == 0) {
      backTransform(a, n, tau, z, n);
      for (let i = 0; i < n; i++) memory.copy(cm(a, n, 0, i), cm(z, n, 0, n - 1 - i), bytes);
      fixSigns(a, n);
      memory.copy(d, dq, bytes);
    }
    heap.free(z);
  }
  heap.free(eq);
  heap.free(dq);
  return status;
}

// Eigen-decomposition of a dense symmetric matrix in float64 (the matrix is read as column-major,
// which for a symmetric matrix is the same as row-major): blocked Householder tridiagonalisation
// (tridiagonal.ts), eigenvalues of the tridiagonal matrix by implicit QL (ql.ts), and, with vectors,
// ... then the back-transformation by the reflectors; sorting and sign normalisation here.

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
 * entry positive; otherwise `a` is scratch. `e` is n float64 of scratch. Returns 0 on success, or
 * 1 + l when the QL iteration for eigenvalue l did not converge.
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
 * The eigenvalues of the tridiagonal d/e by QL into d (the same as without vectors), and the
 * eigenvectors by divide and conquer, back-transformed by the reflectors (a, tau) and written to the
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

// Eigen-decomposition of a dense symmetric matrix in float64 (the matrix is read as column-major,
// which for a symmetric matrix is the same as row-major): blocked Householder tridiagonalisation
// (tridiagonal.ts), eigenvalues of the tridiagonal matrix by implicit QL (ql.ts), and, with vectors,
// ... then the back-transformation by the reflectors; sorting and sign normalisation here.

import { backTransform, tridiagonalize } from './tridiagonal';
import { tql2 } from './ql';
import { at, cm } from './vector';

/** Sorts d descending (selection sort: ties keep their order), moving the columns of z (ld n) along. */
function sortDescending(z: usize, n: i32, d: usize, vectors: bool): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = load<f64>(at(d, i));
    for (let j = i + 1; j < n; j++) {
      const dj = load<f64>(at(d, j));
      if (dj > p) {
        k = j;
        p = dj;
      }
    }
    if (k == i) continue;
    store<f64>(at(d, k), load<f64>(at(d, i)));
    store<f64>(at(d, i), p);
    if (!vectors) continue;
    const ci = cm(z, n, 0, i);
    const ck = cm(z, n, 0, k);
    for (let r = 0; r < n; r++) {
      const t = load<f64>(at(ci, r));
      store<f64>(at(ci, r), load<f64>(at(ck, r)));
      store<f64>(at(ck, r), t);
    }
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
  const vectors = wantVectors != 0;
  const tau = heap.alloc(<usize>n << 3);
  tridiagonalize(a, n, d, e, tau);
  let status = 0;
  if (!vectors) {
    status = tql2(d, e, n, 0, 0, false);
  } else {
    const z = heap.alloc(<usize>n * <usize>n << 3);
    memory.fill(z, 0, <usize>n * <usize>n << 3);
    for (let i = 0; i < n; i++) store<f64>(cm(z, n, i, i), 1);
    status = tql2(d, e, n, z, n, true);
    if (status == 0) {
      backTransform(a, n, tau, z, n);
      memory.copy(a, z, <usize>n * <usize>n << 3);
    }
    heap.free(z);
  }
  heap.free(tau);
  if (status != 0) return status;
  sortDescending(a, n, d, vectors);
  if (vectors) fixSigns(a, n);
  return 0;
}

// Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix by the implicit QL
// method with Wilkinson-type shifts: EISPACK tql2 (Bowdler, Martin, Reinsch & Wilkinson, Numer. Math.
// 11 (1968) 293-306), as in the public-domain JAMA EigenvalueDecomposition.

import { at, rotate } from './vector';


/** QL iterations allowed per eigenvalue before giving up (EISPACK tql2 uses 30). */
const MAX_QL_ITERATIONS: i32 = 30;

/**
 * √(a² + b²): the plain formula while max(|a|, |b|) is within 2^±500 (no harmful over- or underflow,
 * and exactly scale-invariant under powers of two), else Math.hypot.
 */
@inline function hypot(a: f64, b: f64): f64 {
  const m = Math.max(Math.abs(a), Math.abs(b));
  return m > 3.054936363499605e-151 && m < 3.273390607896142e150 ? Math.sqrt(a * a + b * b) : Math.hypot(a, b);
}

/**
 * Diagonalises the tridiagonal matrix with diagonal d[0..n) and subdiagonal e[0..n−1) (e[n−1] is
 * scratch; e is destroyed): d gets the eigenvalues, unsorted. With `vectors`, the plane rotations are
 * applied to the columns of the n x n column-major z (ld ldz), so starting from z = I its columns end
 * as the unit eigenvectors. Returns 0, or 1 + l when eigenvalue l did not converge.
 */
export function tql2(d: usize, e: usize, n: i32, z: usize, ldz: i32, vectors: bool): i32 {
  store<f64>(at(e, n - 1), 0);
  let f: f64 = 0;
  let tst1: f64 = 0;
  const eps: f64 = 2.220446049250313e-16; // 2^-52
  const step = <usize>ldz << 3;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element (e[n-1] = 0 ends the search).
    tst1 = Math.max(tst1, Math.abs(load<f64>(at(d, l))) + Math.abs(load<f64>(at(e, l))));
    let m = l;
    while (m < n - 1 && Math.abs(load<f64>(at(e, m))) > eps * tst1) m++;

    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) return l + 1;
        // Implicit shift from the leading 2x2 block.
        let g = load<f64>(at(d, l));
        const el = load<f64>(at(e, l));
        let p = (load<f64>(at(d, l + 1)) - g) / (2 * el);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        store<f64>(at(d, l), el / (p + r));
        store<f64>(at(d, l + 1), el * (p + r));
        const dl1 = load<f64>(at(d, l + 1));
        let h = g - load<f64>(at(d, l));
        for (let i = l + 2; i < n; i++) store<f64>(at(d, i), load<f64>(at(d, i)) - h);
        f += h;

        // Implicit QL transformation.
        p = load<f64>(at(d, m));
        let c: f64 = 1;
        let c2: f64 = 1;
        let c3: f64 = 1;
        const el1 = load<f64>(at(e, l + 1));
        let s: f64 = 0;
        let s2: f64 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          const ei = load<f64>(at(e, i));
          const di = load<f64>(at(d, i));
          g = c * ei;
          h = c * p;
          r = hypot(p, ei);
          store<f64>(at(e, i + 1), s * r);
          s = ei / r;
          c = p / r;
          p = c * di - s * g;
          store<f64>(at(d, i + 1), h + s * (c * g + s * di));
          if (vectors) rotate(z + <usize>i * step, z + <usize>(i + 1) * step, c, s, n);
        }
        p = (-s * s2 * c3 * el1 * load<f64>(at(e, l))) / dl1;
        store<f64>(at(e, l), s * p);
        store<f64>(at(d, l), c * p);
      } while (Math.abs(load<f64>(at(e, l))) > eps * tst1);
    }
    store<f64>(at(d, l), load<f64>(at(d, l)) + f);
    store<f64>(at(e, l), 0);
  }
  return 0;
}

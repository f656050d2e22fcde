// Eigen-decomposition of a dense symmetric matrix in float64: Householder tridiagonalisation, then
// the implicit QL algorithm with shifts. The inner row loops use v128 (f64x2) SIMD.
//
// Algorithm: EISPACK tred2 and tql2 (Martin, Reinsch & Wilkinson, "Householder's tridiagonalization
// of a symmetric matrix", Numer. Math. 11 (1968) 181-195; Bowdler, Martin, Reinsch & Wilkinson,
// "The QR and QL algorithms for symmetric matrices", Numer. Math. 11 (1968) 293-306; Handbook for
// Automatic Computation II, contributions II/2 and II/3), as translated in the public-domain JAMA
// EigenvalueDecomposition (tred2/tql2) and described in Numerical Recipes §11.2-11.3.
//
// Storage differs from JAMA in one way: the working matrix W is JAMA's V TRANSPOSED (W[r][c] = V[c][r];
// the input is symmetric, so it starts out the same). Every inner loop of JAMA runs down a column of
// V; here it runs along a row of W, i.e. over contiguous memory, which is what makes f64x2 pay:
// tred2's symmetric matrix-vector product and rank-2 update, the accumulation of the Householder
// reflectors, and tql2's plane rotations of eigenvectors all become contiguous row operations.
// On return row i of W is the unit eigenvector of eigenvalue d[i].
//
// Two reorderings keep large n from being memory-bound: the reflectors are accumulated into Qᵀ one
// block of rows at a time (each row of Qᵀ is e_j·H_{j+1}·H_{j+2}⋯, independent of the other rows; the
// update is row −= ((u·row)/h)·u where JAMA forms u/h first, one rounding apart), and tql2's plane
// rotations, which do not depend on the eigenvectors, are recorded and then replayed on one block of
// columns at a time (the same operations on each element as applying them at once).

/** QL iterations allowed per eigenvalue before giving up (EISPACK tql2 uses 30). */
const MAX_QL_ITERATIONS: i32 = 30;

/** Rows of Qᵀ built together when accumulating the reflectors: each reflector is read from memory
 * once per block instead of once per row (16 rows of n = 2000 are 256 KiB, an L2 cache). */
const ACCUMULATE_ROWS: i32 = 16;

/** Columns of the eigenvector rows rotated together when replaying recorded QL rotations
 * (n x 32 float64 = 512 KiB at n = 2000, an L2 cache). */
const ROTATION_COLUMNS: i32 = 32;

/** Float64 slots of the recorded-rotation buffer (8 MiB); full buffers are replayed and reused. */
const ROTATION_BUFFER: i32 = 1 << 20;

@inline function elem(a: usize, n: i32, r: i32, c: i32): usize {
  return a + ((<usize>r * <usize>n + <usize>c) << 3);
}

@inline function at(v: usize, i: i32): usize {
  return v + (<usize>i << 3);
}

/** Σ_{k<len} x[k]·y[k] with two f64x2 accumulators (fixed order, so deterministic). */
@inline function dot(x: usize, y: usize, len: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (k < len) s += load<f64>(at(x, k)) * load<f64>(at(y, k));
  return s;
}

/** y[k] -= g·x[k] for k < len. */
@inline function subScaled(y: usize, x: usize, g: f64, len: i32): void {
  const gv = f64x2.splat(g);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.sub(v128.load(y + o), f64x2.mul(gv, v128.load(x + o))));
  }
  if (k < len) store<f64>(at(y, k), load<f64>(at(y, k)) - g * load<f64>(at(x, k)));
}

/**
 * Row part of tred2's product p = A·u over the upper triangle: for k < len,
 * returns Σ row[k]·u[k] and adds row[k]·f to acc[k] (row, u, acc already offset to column j+1).
 */
@inline function dotAndAxpy(row: usize, u: usize, acc: usize, f: f64, len: i32): f64 {
  const fv = f64x2.splat(f);
  let gv = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const w = v128.load(row + o);
    gv = f64x2.add(gv, f64x2.mul(w, v128.load(u + o)));
    v128.store(acc + o, f64x2.add(v128.load(acc + o), f64x2.mul(w, fv)));
  }
  let g = f64x2.extract_lane(gv, 0) + f64x2.extract_lane(gv, 1);
  if (k < len) {
    const w = load<f64>(at(row, k));
    g += w * load<f64>(at(u, k));
    store<f64>(at(acc, k), load<f64>(at(acc, k)) + w * f);
  }
  return g;
}

/** tred2's rank-2 update: row[k] -= f·e[k] + g·u[k] for k < len. */
@inline function rank2Update(row: usize, e: usize, u: usize, f: f64, g: f64, len: i32): void {
  const fv = f64x2.splat(f);
  const gv = f64x2.splat(g);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const t = f64x2.add(f64x2.mul(fv, v128.load(e + o)), f64x2.mul(gv, v128.load(u + o)));
    v128.store(row + o, f64x2.sub(v128.load(row + o), t));
  }
  if (k < len) store<f64>(at(row, k), load<f64>(at(row, k)) - (f * load<f64>(at(e, k)) + g * load<f64>(at(u, k))));
}

/** tql2's plane rotation of two eigenvector rows: (lo, hi) <- (c·lo − s·hi, s·lo + c·hi). */
@inline function rotateRows(lo: usize, hi: usize, c: f64, s: f64, len: i32): void {
  const cv = f64x2.splat(c);
  const sv = f64x2.splat(s);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const h = v128.load(hi + o);
    const l = v128.load(lo + o);
    v128.store(hi + o, f64x2.add(f64x2.mul(sv, l), f64x2.mul(cv, h)));
    v128.store(lo + o, f64x2.sub(f64x2.mul(cv, l), f64x2.mul(sv, h)));
  }
  if (k < len) {
    const h = load<f64>(at(hi, k));
    const l = load<f64>(at(lo, k));
    store<f64>(at(hi, k), s * l + c * h);
    store<f64>(at(lo, k), c * l - s * h);
  }
}

/**
 * tred2: reduces the symmetric W (n x n, row-major) to tridiagonal form T = Qᵀ W Q by Householder
 * reflections. On return d holds T's diagonal and e[1..n-1] its subdiagonal (e[0] = 0). With
 * `accumulate`, W holds Qᵀ (rows are the columns of Q); without it W holds scratch.
 */
function tridiagonalize(a: usize, n: i32, d: usize, e: usize, accumulate: bool): void {
  for (let j = 0; j < n; j++) store<f64>(at(d, j), load<f64>(elem(a, n, j, n - 1)));

  for (let i = n - 1; i > 0; i--) {
    // Scale the row to avoid under/overflow.
    let scale: f64 = 0;
    let h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(load<f64>(at(d, k)));
    if (scale == 0) {
      store<f64>(at(e, i), load<f64>(at(d, i - 1)));
      for (let j = 0; j < i; j++) {
        store<f64>(at(d, j), load<f64>(elem(a, n, j, i - 1)));
        store<f64>(elem(a, n, j, i), 0);
        store<f64>(elem(a, n, i, j), 0);
      }
    } else {
      // Householder vector u = d[0..i).
      for (let k = 0; k < i; k++) {
        const dk = load<f64>(at(d, k)) / scale;
        store<f64>(at(d, k), dk);
        h += dk * dk;
      }
      let f = load<f64>(at(d, i - 1));
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      store<f64>(at(e, i), scale * g);
      h -= f * g;
      store<f64>(at(d, i - 1), f - g);
      for (let j = 0; j < i; j++) store<f64>(at(e, j), 0);

      // p = A·u from the upper triangle, into e; u is kept in row i (JAMA's column i of V).
      for (let j = 0; j < i; j++) {
        f = load<f64>(at(d, j));
        store<f64>(elem(a, n, i, j), f);
        g = load<f64>(at(e, j)) + load<f64>(elem(a, n, j, j)) * f;
        g += dotAndAxpy(elem(a, n, j, j + 1), at(d, j + 1), at(e, j + 1), f, i - 1 - j);
        store<f64>(at(e, j), g);
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const ej = load<f64>(at(e, j)) / h;
        store<f64>(at(e, j), ej);
        f += ej * load<f64>(at(d, j));
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) store<f64>(at(e, j), load<f64>(at(e, j)) - hh * load<f64>(at(d, j)));

      // A <- A − u qᵀ − q uᵀ on the upper triangle.
      for (let j = 0; j < i; j++) {
        f = load<f64>(at(d, j));
        g = load<f64>(at(e, j));
        rank2Update(elem(a, n, j, j), at(e, j), at(d, j), f, g, i - j);
        store<f64>(at(d, j), load<f64>(elem(a, n, j, i - 1)));
        store<f64>(elem(a, n, j, i), 0);
      }
    }
    store<f64>(at(d, i), h);
  }

  if (accumulate) accumulateReflectors(a, n, d);
  else for (let j = 0; j < n; j++) store<f64>(at(d, j), load<f64>(elem(a, n, j, j)));
  store<f64>(at(e, 0), 0);
}

/**
 * Builds Qᵀ in W from the reflectors tred2 left in the rows of W (reflector s in row s, columns < s,
 * with h_s in d[s]) and moves T's diagonal into d. Row j of Qᵀ starts as e_j and takes reflectors
 * s + 1 = j + 1, ..., n − 1 in turn: row −= ((u·row)/h)·u over columns 0..s. Row s still holds its
 * reflector when rows < s need it, and is reset to e_s only afterwards.
 */
function accumulateReflectors(a: usize, n: i32, d: usize): void {
  const diag = heap.alloc(<usize>n << 3);
  for (let j0 = 0; j0 < n; j0 += ACCUMULATE_ROWS) {
    const j1 = min(j0 + ACCUMULATE_ROWS, n) - 1;
    for (let s = j0; s < n; s++) {
      if (s <= j1) {
        store<f64>(at(diag, s), load<f64>(elem(a, n, s, s)));
        memory.fill(elem(a, n, s, 0), 0, <usize>n << 3);
        store<f64>(elem(a, n, s, s), 1);
      }
      if (s == n - 1) break;
      const h = load<f64>(at(d, s + 1));
      if (h == 0) continue;
      const u = elem(a, n, s + 1, 0);
      const last = min(j1, s);
      for (let j = j0; j <= last; j++) {
        const row = elem(a, n, j, 0);
        subScaled(row, u, dot(u, row, s + 1) / h, s + 1);
      }
    }
  }
  memory.copy(d, diag, <usize>n << 3);
  heap.free(diag);
}

/**
 * tql2: eigenvalues (and, with `vectors`, eigenvectors) of the tridiagonal matrix in d/e by the
 * implicit QL method with shifts; the rotations are recorded and replayed on the rows of W. Returns
 * 0, or 1 + l when eigenvalue l did not converge within MAX_QL_ITERATIONS.
 */
function diagonalize(a: usize, n: i32, d: usize, e: usize, vectors: bool): i32 {
  for (let i = 1; i < n; i++) store<f64>(at(e, i - 1), load<f64>(at(e, i)));
  store<f64>(at(e, n - 1), 0);
  const capacity = max(ROTATION_BUFFER, 2 * n + 2);
  const rotations = vectors ? heap.alloc(<usize>capacity << 3) : 0;
  let recorded: usize = rotations;

  let f: f64 = 0;
  let tst1: f64 = 0;
  const eps: f64 = 2.220446049250313e-16; // 2^-52
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element (e[n-1] = 0 ends the search).
    tst1 = Math.max(tst1, Math.abs(load<f64>(at(d, l))) + Math.abs(load<f64>(at(e, l))));
    let m = l;
    while (m < n - 1 && Math.abs(load<f64>(at(e, m))) > eps * tst1) m++;

    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) {
          if (vectors) heap.free(rotations);
          return l + 1;
        }
        if (vectors) {
          // Room for this sweep: an 8-byte (l, m) header and m − l (c, s) pairs.
          if (recorded + ((<usize>(m - l) * 2 + 1) << 3) > rotations + (<usize>capacity << 3)) {
            replayRotations(a, n, rotations, recorded);
            recorded = rotations;
          }
          store<i32>(recorded, l);
          store<i32>(recorded, m, 4);
          recorded += 8;
        }
        // Implicit shift from the leading 2x2 block.
        let g = load<f64>(at(d, l));
        const el = load<f64>(at(e, l));
        let p = (load<f64>(at(d, l + 1)) - g) / (2 * el);
        let r = Math.hypot(p, 1);
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
          r = Math.hypot(p, ei);
          store<f64>(at(e, i + 1), s * r);
          s = ei / r;
          c = p / r;
          p = c * di - s * g;
          store<f64>(at(d, i + 1), h + s * (c * g + s * di));
          if (vectors) {
            store<f64>(recorded, c);
            store<f64>(recorded, s, 8);
            recorded += 16;
          }
        }
        p = (-s * s2 * c3 * el1 * load<f64>(at(e, l))) / dl1;
        store<f64>(at(e, l), s * p);
        store<f64>(at(d, l), c * p);
      } while (Math.abs(load<f64>(at(e, l))) > eps * tst1);
    }
    store<f64>(at(d, l), load<f64>(at(d, l)) + f);
    store<f64>(at(e, l), 0);
  }
  if (vectors) {
    replayRotations(a, n, rotations, recorded);
    heap.free(rotations);
  }
  return 0;
}

/**
 * Applies recorded QL sweeps [start, end) to the eigenvector rows of W: each sweep (l, m) rotates row
 * pairs (i, i + 1) for i = m − 1 down to l, exactly as tql2 would have, one block of columns at a time.
 */
function replayRotations(a: usize, n: i32, start: usize, end: usize): void {
  for (let c0 = 0; c0 < n; c0 += ROTATION_COLUMNS) {
    const width = min(ROTATION_COLUMNS, n - c0);
    let p = start;
    while (p < end) {
      const l = load<i32>(p);
      const m = load<i32>(p, 4);
      p += 8;
      for (let i = m - 1; i >= l; i--) {
        rotateRows(elem(a, n, i, c0), elem(a, n, i + 1, c0), load<f64>(p), load<f64>(p, 8), width);
        p += 16;
      }
    }
  }
}

/** Sorts d descending (selection sort: ties keep their order), moving eigenvector rows along. */
function sortDescending(a: usize, n: i32, d: usize, vectors: bool): void {
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
    const ri = elem(a, n, i, 0);
    const rk = elem(a, n, k, 0);
    for (let c = 0; c < n; c++) {
      const t = load<f64>(at(ri, c));
      store<f64>(at(ri, c), load<f64>(at(rk, c)));
      store<f64>(at(rk, c), t);
    }
  }
}

/** Flips each eigenvector row so that its entry of largest magnitude (the first such) is positive. */
function fixSigns(a: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const row = elem(a, n, i, 0);
    let big: f64 = 0;
    let sign: f64 = 1;
    for (let c = 0; c < n; c++) {
      const v = load<f64>(at(row, c));
      if (Math.abs(v) > big) {
        big = Math.abs(v);
        sign = v < 0 ? -1 : 1;
      }
    }
    if (sign < 0) for (let c = 0; c < n; c++) store<f64>(at(row, c), -load<f64>(at(row, c)));
  }
}

/**
 * Eigen-decomposition of the symmetric n x n matrix at `a` (row-major float64; only its upper
 * triangle is read). On return d[0..n) holds the eigenvalues in descending order and, when
 * `wantVectors` is nonzero, row i of `a` holds the unit eigenvector of d[i] with its largest-magnitude
 * entry positive; otherwise `a` is scratch. `e` is n float64 of scratch. Returns 0 on success, or
 * 1 + l when the QL iteration for eigenvalue l did not converge.
 */
export function eighInPlace(a: usize, n: i32, d: usize, e: usize, wantVectors: i32): i32 {
  const vectors = wantVectors != 0;
  tridiagonalize(a, n, d, e, vectors);
  const status = diagonalize(a, n, d, e, vectors);
  if (status != 0) return status;
  sortDescending(a, n, d, vectors);
  if (vectors) fixSigns(a, n);
  return 0;
}

// Householder reduction of a symmetric matrix to tridiagonal form T = Qᵀ A Q, blocked as LAPACK's
// dsytrd/dlatrd (lower triangle, column-major), and the back-transformation Z ← Q Z with compact WY
// blocks Q_b = I − V T Vᵀ (dlarft/dlarfb); the trailing and back-transform updates run through gemm.

import { gemm, LOWER, UPPER } from './gemm';
import { at, axpy, cm, dot, dotAndAxpy, norm2, rank2Update, scale } from './vector';

/** Columns reduced per panel; the trailing matrix then takes one rank-2·PANEL update (level 3). */
const PANEL: i32 = 32;

/** Columns of the trailing lower triangle updated per gemm call (the diagonal block's upper part is scratch). */
const TRAILING_BLOCK: i32 = 64;

/** Reflectors applied together in the back-transformation (a BACK_BLOCK x BACK_BLOCK triangular T). */
const BACK_BLOCK: i32 = 64;

/**
 * Reduces the symmetric n x n matrix at `a` (column-major; its lower triangle is read) to tridiagonal
 * form: d[0..n) gets T's diagonal, e[0..n−1) its subdiagonal. Reflector j (j < n − 1) is
 * H_j = I − tau[j]·v vᵀ with v = (0…0, 1, A[j+2..n, j]), Q = H_0 H_1 ⋯ H_{n−2}; the rest of `a` is scratch.
 */
export function tridiagonalize(a: usize, n: i32, d: usize, e: usize, tau: usize): void {
  const w = heap.alloc(<usize>n * <usize>PANEL << 3);
  const pair = heap.alloc(<usize>n * <usize>(3 * PANEL) << 3);
  const scratch = heap.alloc(<usize>PANEL << 3);
  for (let j0 = 0; j0 < n - 1; j0 += PANEL) {
    const b = min(PANEL, n - 1 - j0);
    reducePanel(a, n, j0, b, e, tau, w, scratch);
    updateTrailing(a, n, j0, b, w, pair);
    for (let j = j0; j < j0 + b; j++) store<f64>(cm(a, n, j + 1, j), load<f64>(at(e, j)));
  }
  for (let j = 0; j < n; j++) store<f64>(at(d, j), load<f64>(cm(a, n, j, j)));
  heap.free(scratch);
  heap.free(pair);
  heap.free(w);
}

/**
 * dlatrd: reduces columns j0..j0+b−1, keeping the trailing matrix A[j0+b.., j0+b..] un-updated and
 * recording W (ld n) such that the reduced part is A − V Wᵀ − W Vᵀ; V is A[.., j0..j0+b) with unit
 * entries A[j+1, j] (restored to e[j] by the caller).
 */
function reducePanel(a: usize, n: i32, j0: i32, b: i32, e: usize, tau: usize, w: usize, scratch: usize): void {
  for (let i = 0; i < b; i++) {
    const c = j0 + i;
    const len = n - c;
    for (let k = 0; k < i; k++) {
      // A[c.., c] −= V[c.., k]·W[c, k] + W[c.., k]·V[c, k]
      rank2Update(cm(a, n, c, c), cm(a, n, c, j0 + k), cm(w, n, c, k), load<f64>(cm(w, n, c, k)), load<f64>(cm(a, n, c, j0 + k)), len);
    }
    const v = cm(a, n, c + 1, c);
    const t = householder(v, len - 1);
    store<f64>(at(e, c), load<f64>(v));
    store<f64>(at(tau, c), t);
    store<f64>(v, 1);

    // W[c+1.., i] = tau·(A_trailing·v − V(Wᵀv) − W(Vᵀv)), then += −½·tau·(w·v)·v.
    const m = len - 1;
    const wi = cm(w, n, c + 1, i);
    symmetricProduct(cm(a, n, c + 1, c + 1), n, m, v, wi);
    for (let k = 0; k < i; k++) store<f64>(at(scratch, k), dot(cm(w, n, c + 1, k), v, m));
    for (let k = 0; k < i; k++) axpy(wi, cm(a, n, c + 1, j0 + k), -load<f64>(at(scratch, k)), m);
    for (let k = 0; k < i; k++) store<f64>(at(scratch, k), dot(cm(a, n, c + 1, j0 + k), v, m));
    for (let k = 0; k < i; k++) axpy(wi, cm(w, n, c + 1, k), -load<f64>(at(scratch, k)), m);
    scale(wi, t, m);
    axpy(wi, v, -0.5 * t * dot(wi, v, m), m);
  }
}

/**
 * dlarfg: for x = (alpha, x₁..x_{len−1}) at `x`, finds H = I − tau·v vᵀ with H x = (beta, 0…0) and
 * v = (1, x₁/(alpha−beta), …); stores beta in x[0] and v's tail in x[1..), returns tau (0 when x is
 * already (alpha, 0…0)).
 */
function householder(x: usize, len: i32): f64 {
  const tail = norm2(at(x, 1), len - 1);
  if (tail == 0) return 0;
  const alpha = load<f64>(x);
  let beta = Math.hypot(alpha, tail);
  if (alpha >= 0) beta = -beta;
  scale(at(x, 1), 1 / (alpha - beta), len - 1);
  store<f64>(x, beta);
  return (beta - alpha) / beta;
}

/**
 * y = S·x for the symmetric m x m S whose lower triangle is at `s` (leading dimension ld): one pass
 * over S, four columns at a time so that each load of y and x serves four columns.
 */
function symmetricProduct(s: usize, ld: i32, m: i32, x: usize, y: usize): void {
  memory.fill(y, 0, <usize>m << 3);
  let j = 0;
  for (; j + 4 <= m; j += 4) fourColumns(s, ld, m, j, x, y);
  for (; j < m; j++) {
    const col = cm(s, ld, j, j);
    const xj = load<f64>(at(x, j));
    const g = load<f64>(col) * xj + dotAndAxpy(col + 8, at(x, j + 1), at(y, j + 1), xj, m - 1 - j);
    store<f64>(at(y, j), load<f64>(at(y, j)) + g);
  }
}

/** Columns j..j+3 of symmetricProduct: their 4 x 4 diagonal block, then rows j+4..m−1 in f64x2. */
function fourColumns(s: usize, ld: i32, m: i32, j: i32, x: usize, y: usize): void {
  for (let q = 0; q < 4; q++) {
    const xq = load<f64>(at(x, j + q));
    let g = load<f64>(cm(s, ld, j + q, j + q)) * xq;
    for (let r = q + 1; r < 4; r++) {
      const v = load<f64>(cm(s, ld, j + r, j + q));
      g += v * load<f64>(at(x, j + r));
      store<f64>(at(y, j + r), load<f64>(at(y, j + r)) + v * xq);
    }
    store<f64>(at(y, j + q), load<f64>(at(y, j + q)) + g);
  }
  const c0 = cm(s, ld, 0, j);
  const step = <usize>ld << 3;
  const c1 = c0 + step;
  const c2 = c1 + step;
  const c3 = c2 + step;
  const x0 = f64x2.splat(load<f64>(at(x, j)));
  const x1 = f64x2.splat(load<f64>(at(x, j + 1)));
  const x2 = f64x2.splat(load<f64>(at(x, j + 2)));
  const x3 = f64x2.splat(load<f64>(at(x, j + 3)));
  let g0 = f64x2.splat(0), g1 = f64x2.splat(0), g2 = f64x2.splat(0), g3 = f64x2.splat(0);
  let r = j + 4;
  for (; r + 2 <= m; r += 2) {
    const o = <usize>r << 3;
    const xv = v128.load(x + o);
    const a0 = v128.load(c0 + o);
    const a1 = v128.load(c1 + o);
    const a2 = v128.load(c2 + o);
    const a3 = v128.load(c3 + o);
    g0 = f64x2.add(g0, f64x2.mul(a0, xv));
    g1 = f64x2.add(g1, f64x2.mul(a1, xv));
    g2 = f64x2.add(g2, f64x2.mul(a2, xv));
    g3 = f64x2.add(g3, f64x2.mul(a3, xv));
    const t = f64x2.add(f64x2.add(f64x2.mul(a0, x0), f64x2.mul(a1, x1)), f64x2.add(f64x2.mul(a2, x2), f64x2.mul(a3, x3)));
    v128.store(y + o, f64x2.add(v128.load(y + o), t));
  }
  let h0 = f64x2.extract_lane(g0, 0) + f64x2.extract_lane(g0, 1);
  let h1 = f64x2.extract_lane(g1, 0) + f64x2.extract_lane(g1, 1);
  let h2 = f64x2.extract_lane(g2, 0) + f64x2.extract_lane(g2, 1);
  let h3 = f64x2.extract_lane(g3, 0) + f64x2.extract_lane(g3, 1);
  if (r < m) {
    const o = <usize>r << 3;
    const xr = load<f64>(x + o);
    const a0 = load<f64>(c0 + o), a1 = load<f64>(c1 + o), a2 = load<f64>(c2 + o), a3 = load<f64>(c3 + o);
    h0 += a0 * xr;
    h1 += a1 * xr;
    h2 += a2 * xr;
    h3 += a3 * xr;
    const xs0 = f64x2.extract_lane(x0, 0), xs1 = f64x2.extract_lane(x1, 0), xs2 = f64x2.extract_lane(x2, 0), xs3 = f64x2.extract_lane(x3, 0);
    store<f64>(y + o, load<f64>(y + o) + ((a0 * xs0 + a1 * xs1) + (a2 * xs2 + a3 * xs3)));
  }
  store<f64>(at(y, j), load<f64>(at(y, j)) + h0);
  store<f64>(at(y, j + 1), load<f64>(at(y, j + 1)) + h1);
  store<f64>(at(y, j + 2), load<f64>(at(y, j + 2)) + h2);
  store<f64>(at(y, j + 3), load<f64>(at(y, j + 3)) + h3);
}

/**
 * Trailing lower triangle A[c1.., c1..] −= V Wᵀ + W Vᵀ after a panel of b columns (c1 = j0 + b), as
 * one rank-2b product [V W]·[W V]ᵀ: `pair` (ld n) gets the columns V, W, V so that both factors are
 * column ranges of it.
 */
function updateTrailing(a: usize, n: i32, j0: i32, b: i32, w: usize, pair: usize): void {
  const c1 = j0 + b;
  const rows = <usize>(n - c1) << 3;
  for (let k = 0; k < b; k++) {
    memory.copy(cm(pair, n, c1, k), cm(a, n, c1, j0 + k), rows);
    memory.copy(cm(pair, n, c1, b + k), cm(w, n, c1, k), rows);
    memory.copy(cm(pair, n, c1, 2 * b + k), cm(a, n, c1, j0 + k), rows);
  }
  for (let jb = c1; jb < n; jb += TRAILING_BLOCK) {
    const width = min(TRAILING_BLOCK, n - jb);
    gemm(n - jb, width, 2 * b, -1, cm(pair, n, jb, 0), n, false, cm(pair, n, jb, b), n, true, cm(a, n, jb, jb), n);
  }
}

/**
 * Z ← Q·Z for the n x cols matrix Z (column-major, ld n), with Q's reflectors as left by
 * tridiagonalize in `a` and `tau`: blocks of BACK_BLOCK reflectors, last block first, each applied as
 * Z[j0+1.., :] −= V·(T·(Vᵀ·Z[j0+1.., :])) by three gemm calls (T is upper triangular, its zeros included).
 */
export function backTransform(a: usize, n: i32, tau: usize, z: usize, cols: i32): void {
  if (n < 2) return;
  const v = heap.alloc(<usize>n * <usize>BACK_BLOCK << 3);
  const t = heap.alloc(<usize>BACK_BLOCK * <usize>BACK_BLOCK << 3);
  const vz = heap.alloc(<usize>BACK_BLOCK * <usize>cols << 3);
  const tvz = heap.alloc(<usize>BACK_BLOCK * <usize>cols << 3);
  const last = ((n - 2) / BACK_BLOCK) * BACK_BLOCK;
  for (let j0 = last; j0 >= 0; j0 -= BACK_BLOCK) {
    const b = min(BACK_BLOCK, n - 1 - j0);
    const m = n - 1 - j0;
    blockReflectors(a, n, tau, j0, b, v, t);
    memory.fill(vz, 0, <usize>b * <usize>cols << 3);
    gemm(b, cols, m, 1, v, m, true, at(z, j0 + 1), n, false, vz, b, UPPER);
    memory.fill(tvz, 0, <usize>b * <usize>cols << 3);
    gemm(b, cols, b, 1, t, b, false, vz, b, false, tvz, b, UPPER);
    gemm(m, cols, b, -1, v, m, false, tvz, b, false, at(z, j0 + 1), n, LOWER);
  }
  heap.free(tvz);
  heap.free(vz);
  heap.free(t);
  heap.free(v);
}

/**
 * dlarft (forward, columnwise): V (m x b, ld m = n−1−j0) gets reflectors j0..j0+b−1 restricted to rows
 * j0+1.. with their zeros and unit entries explicit, and T (b x b, ld b) the upper triangular factor with
 * H_{j0} ⋯ H_{j0+b−1} = I − V T Vᵀ.
 */
function blockReflectors(a: usize, n: i32, tau: usize, j0: i32, b: i32, v: usize, t: usize): void {
  const m = n - 1 - j0;
  memory.fill(v, 0, <usize>m * <usize>b << 3);
  for (let k = 0; k < b; k++) {
    const col = cm(v, m, 0, k);
    store<f64>(at(col, k), 1);
    memory.copy(at(col, k + 1), cm(a, n, j0 + k + 2, j0 + k), <usize>(m - k - 1) << 3);
  }
  // T's strictly upper part starts as −tau_i·(VᵀV)[k, i] (one gemm), then T[0:i, i] = T[0:i, 0:i]·T[0:i, i].
  memory.fill(t, 0, <usize>b * <usize>b << 3);
  gemm(b, b, m, 1, v, m, true, v, m, false, t, b, UPPER);
  for (let i = 0; i < b; i++) {
    const ti = load<f64>(at(tau, j0 + i));
    for (let k = 0; k < i; k++) store<f64>(cm(t, b, k, i), -ti * load<f64>(cm(t, b, k, i)));
    for (let r = 0; r < i; r++) {
      let s: f64 = 0;
      for (let k = r; k < i; k++) s += load<f64>(cm(t, b, r, k)) * load<f64>(cm(t, b, k, i));
      store<f64>(cm(t, b, r, i), s);
    }
    store<f64>(cm(t, b, i, i), ti);
  }
  for (let i = 0; i < b; i++) for (let r = i + 1; r < b; r++) store<f64>(cm(t, b, r, i), 0);
}

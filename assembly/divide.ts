// Eigenvectors of a symmetric tridiagonal matrix by divide and conquer: Cuppen's tearing into two
// halves plus a rank-one term, deflation of small and close components, the secular equation solved
// per root with a safeguarded rational ("middle way") iteration, and Gu & Eisenstat's recomputed ẑ so
// that the vectors stay orthogonal; the vectors of the halves are combined by gemm. After LAPACK's
// dstedc/dlaed0-dlaed4 (Cuppen, Numer. Math. 36 (1981) 177-195; Gu & Eisenstat, SIAM J. Matrix Anal.
// Appl. 16 (1995) 172-191; Li, "Solving secular equations stably and efficiently", LAWN 89, 1993).

import { gemm } from './gemm';
import { tql2 } from './ql';
import { at, cm, norm2, rotate, scale } from './vector';

/** Subproblems of at most this order are solved by QL (tql2) directly. */
const LEAF: i32 = 32;

/** Secular-equation iterations per root; past half of them, a step that does not halve |f| bisects the bracket instead. */
const MAX_SECULAR_ITERATIONS: i32 = 120;

/** Status of divideAndConquer when a secular root did not converge (QL's statuses are 1 + l >= 1). */
export const SECULAR_NOT_CONVERGED: i32 = -1;

/** Roots of the current decomposition that stopped at MAX_SECULAR_ITERATIONS without meeting the stopping test. */
let unconvergedRoots: i32 = 0;

const EPS: f64 = 2.220446049250313e-16; // 2^-52

/** Scratch shared by the merges of one decomposition (sized for the whole order n). */
@unmanaged class Work {
  constructor(
    /** Vectors being merged, compacted (n x n, ld = order of the merge). */
    public columns: usize,
    /** Secular differences d_i − λ_j, then the rotation U (k x k). */
    public differences: usize,
    /** Float64 x n, four of them: values, z, non-deflated poles, their z. */
    public values: usize, public z: usize, public poles: usize, public zHat: usize,
    /** Int32 x n, four of them: source column, column kind, order, permutation. */
    public source: usize, public kind: usize, public order: usize, public permutation: usize,
    /** Int32 x n: for each solved subproblem [lo, lo + size), rank[lo + t] = its column with the t-th smallest eigenvalue. */
    public rank: usize,
  ) {}
}

/**
 * Eigen-decomposition of the tridiagonal matrix with diagonal d[0..n) and subdiagonal e[0..n−1):
 * the n x n column-major z (ld n) gets the orthonormal eigenvectors as columns and d the eigenvalues,
 * both in ascending order (the merges leave their results unsorted and rank them; one permutation at
 * the end), d scaled by 2^s, the power of two that brings max |T| near 1. e is destroyed. Returns 0,
 * 1 + l when the QL iteration of a leaf did not converge, or SECULAR_NOT_CONVERGED.
 */
export function divideAndConquer(d: usize, e: usize, n: i32, z: usize): i32 {
  unconvergedRoots = 0;
  normalizeScale(d, e, n);
  memory.fill(z, 0, <usize>n * <usize>n << 3);
  const f = <usize>n << 3;
  const i = <usize>n << 2;
  const work = new Work(
    heap.alloc(<usize>n * f), heap.alloc(<usize>n * f),
    heap.alloc(f), heap.alloc(f), heap.alloc(f), heap.alloc(f),
    heap.alloc(i), heap.alloc(i), heap.alloc(i), heap.alloc(i), heap.alloc(i),
  );
  let status = solve(d, e, n, z, 0, n, work);
  if (status == 0 && unconvergedRoots > 0) status = SECULAR_NOT_CONVERGED;
  if (status == 0) {
    for (let t = 0; t < n; t++) store<f64>(at(work.values, t), load<f64>(at(d, load<i32>(work.rank + (<usize>t << 2)))));
    memory.copy(d, work.values, f);
    permuteColumns(z, n, n, work.rank, work.columns);
  }
  heap.free(work.rank); heap.free(work.permutation); heap.free(work.order); heap.free(work.kind); heap.free(work.source);
  heap.free(work.zHat); heap.free(work.poles); heap.free(work.z); heap.free(work.values);
  heap.free(work.differences); heap.free(work.columns);
  heap.free(changetype<usize>(work));
  return status;
}

/** Scales d and e by the power of two 2^s with max(|d|, |e|)·2^s in [1, 2): exact, and it makes every step scale-invariant. */
function normalizeScale(d: usize, e: usize, n: i32): void {
  let big: f64 = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(load<f64>(at(d, i))));
  for (let i = 0; i < n - 1; i++) big = Math.max(big, Math.abs(load<f64>(at(e, i))));
  if (big == 0) return;
  const s = Math.pow(2, -Math.floor(Math.log2(big)));
  scale(d, s, n);
  scale(e, s, n - 1);
}

/** Solves the subproblem of rows/columns [lo, lo + size) into the diagonal block of z. */
function solve(d: usize, e: usize, n: i32, z: usize, lo: i32, size: i32, work: Work): i32 {
  if (size <= LEAF) return solveLeaf(d, e, n, z, lo, size, work);
  const half = size >> 1;
  const beta = load<f64>(at(e, lo + half - 1));
  const b = Math.abs(beta);
  store<f64>(at(d, lo + half - 1), load<f64>(at(d, lo + half - 1)) - b);
  store<f64>(at(d, lo + half), load<f64>(at(d, lo + half)) - b);
  let status = solve(d, e, n, z, lo, half, work);
  if (status == 0) status = solve(d, e, n, z, lo + half, size - half, work);
  if (status == 0) merge(d, n, z, lo, size, half, beta, work);
  return status;
}

/** A leaf: tql2 on the block (z block = I first), then its eigenvalues ranked. */
function solveLeaf(d: usize, e: usize, n: i32, z: usize, lo: i32, size: i32, work: Work): i32 {
  const block = cm(z, n, lo, lo);
  for (let i = 0; i < size; i++) store<f64>(cm(block, n, i, i), 1);
  const offDiagonal = work.values;
  memory.copy(offDiagonal, at(e, lo), <usize>(size - 1) << 3);
  const status = tql2(at(d, lo), offDiagonal, size, block, n, true);
  if (status != 0) return status + lo;
  rankAscending(at(d, lo), size, work.rank + (<usize>lo << 2), work.values);
  return 0;
}

/** rank[t] = the index of the t-th smallest of values[0..size) (stable); `scratch` holds size float64. */
function rankAscending(values: usize, size: i32, rank: usize, scratch: usize): void {
  memory.copy(scratch, values, <usize>size << 3);
  for (let t = 0; t < size; t++) store<i32>(rank + (<usize>t << 2), t);
  sortAscending(scratch, size, rank);
}

/** Column kinds for the merge's gemms: nonzero only in the top half, in both, only in the bottom half. */
const TOP: i32 = 0;
const BOTH: i32 = 1;
const BOTTOM: i32 = 2;

/**
 * dlaed1: merges the solved halves [lo, lo + half) and [lo + half, lo + size) coupled by beta: the
 * block is Q·(D + ρ z zᵀ)·Qᵀ with Q = diag(Q1, Q2), z = (last row of Q1, sign(beta)·first row of Q2)/√2
 * and ρ = 2|beta|; its eigenvectors are Q·U for the eigenvectors U of D + ρ z zᵀ.
 */
function merge(d: usize, n: i32, z: usize, lo: i32, size: i32, half: i32, beta: f64, work: Work): void {
  const block = cm(z, n, lo, lo);
  const dd = at(d, lo);
  const sign: f64 = beta < 0 ? -1 : 1;
  for (let j = 0; j < size; j++) {
    const v = j < half ? load<f64>(cm(block, n, half - 1, j)) : sign * load<f64>(cm(block, n, half, j));
    store<f64>(at(work.z, j), v * Math.SQRT1_2);
    store<i32>(work.kind + (<usize>j << 2), j < half ? TOP : BOTTOM);
  }
  const rho = 2 * Math.abs(beta);
  const k = deflate(dd, lo, size, half, rho, block, n, work);
  // work.order[0..k): non-deflated columns (ascending pole); [k..size): deflated ones.
  const counts = groupByKind(k, size, work);
  const columns = work.columns;
  for (let t = 0; t < size; t++) {
    const src = load<i32>(work.source + (<usize>t << 2));
    memory.copy(cm(columns, size, 0, t), cm(block, n, 0, src), <usize>size << 3);
  }
  for (let t = k; t < size; t++) store<f64>(at(work.values, t), load<f64>(at(dd, load<i32>(work.order + (<usize>t << 2)))));
  if (k > 0) {
    for (let j = 0; j < k; j++) store<f64>(at(work.values, j), secularRoot(k, work.poles, work.zHat, rho, j, cm(work.differences, k, 0, j)));
    const u = rotationOfRoots(k, work);
    for (let j = 0; j < k; j++) memory.fill(cm(block, n, 0, j), 0, <usize>size << 3);
    const top = counts & 0xffff;
    const both = counts >>> 16;
    gemm(half, k, top + both, 1, columns, size, false, u, k, false, block, n);
    gemm(size - half, k, k - top, 1, cm(columns, size, half, top), size, false, at(u, top), k, false, cm(block, n, half, 0), n);
  }
  for (let t = k; t < size; t++) memory.copy(cm(block, n, 0, t), cm(columns, size, 0, t), <usize>size << 3);
  memory.copy(dd, work.values, <usize>size << 3);
  rankAscending(dd, size, work.rank + (<usize>lo << 2), work.values);
}

/**
 * dlaed2: deflates components with negligible ρ|z_j|, and pairs of (nearly) equal poles by a plane
 * rotation of their columns (which then become BOTH). Fills work.order with the non-deflated indices in
 * ascending pole order, then the deflated ones, work.poles/zHat with the k non-deflated (d_j, z_j), and
 * returns k. Rotated columns are updated in place in the block; d[j] takes the rotated diagonal.
 */
function deflate(d: usize, lo: i32, size: i32, half: i32, rho: f64, block: usize, n: i32, work: Work): i32 {
  mergeRanks(d, work.rank + (<usize>lo << 2), size, half, work.permutation);
  let dMax: f64 = 0;
  let zMax: f64 = 0;
  for (let j = 0; j < size; j++) {
    dMax = Math.max(dMax, Math.abs(load<f64>(at(d, j))));
    zMax = Math.max(zMax, Math.abs(load<f64>(at(work.z, j))));
  }
  const tol = 8 * EPS * Math.max(dMax, zMax);
  let k = 0;
  let deflated = size;
  let pending = -1;
  for (let t = 0; t < size; t++) {
    const j = load<i32>(work.permutation + (<usize>t << 2));
    const zj = load<f64>(at(work.z, j));
    if (rho * Math.abs(zj) <= tol) {
      store<i32>(work.order + (<usize>(--deflated) << 2), j);
      continue;
    }
    if (pending >= 0) {
      const zp = load<f64>(at(work.z, pending));
      const r = Math.hypot(zj, zp);
      const c = zj / r;
      const s = -zp / r;
      const gap = load<f64>(at(d, j)) - load<f64>(at(d, pending));
      if (Math.abs(gap * c * s) <= tol) {
        // Rotate (pending, j) so that z_pending = 0: pending deflates with its rotated diagonal.
        store<f64>(at(work.z, j), r);
        store<f64>(at(work.z, pending), 0);
        const kp = load<i32>(work.kind + (<usize>pending << 2));
        if (kp != load<i32>(work.kind + (<usize>j << 2))) store<i32>(work.kind + (<usize>j << 2), BOTH);
        rotate(cm(block, n, 0, j), cm(block, n, 0, pending), c, s, size);
        const dp = load<f64>(at(d, pending));
        const dj = load<f64>(at(d, j));
        store<f64>(at(d, pending), dp * c * c + dj * s * s);
        store<f64>(at(d, j), dp * s * s + dj * c * c);
        store<i32>(work.order + (<usize>(--deflated) << 2), pending);
      } else {
        store<i32>(work.order + (<usize>(k++) << 2), pending);
      }
    }
    pending = j;
  }
  if (pending >= 0) store<i32>(work.order + (<usize>(k++) << 2), pending);
  // The deflated indices were stored from the end backwards: restore their ascending order.
  for (let x = k, y = size - 1; x < y; x++, y--) {
    const t = load<i32>(work.order + (<usize>x << 2));
    store<i32>(work.order + (<usize>x << 2), load<i32>(work.order + (<usize>y << 2)));
    store<i32>(work.order + (<usize>y << 2), t);
  }
  for (let t = 0; t < k; t++) {
    const j = load<i32>(work.order + (<usize>t << 2));
    store<f64>(at(work.poles, t), load<f64>(at(d, j)));
    store<f64>(at(work.zHat, t), load<f64>(at(work.z, j)));
  }
  return k;
}

/**
 * out[0..size) = the columns of the block in ascending order of d, merging the ranks of its two halves
 * (rank[0..half) index the top half, rank[half..size) the bottom half from `half` on; ties: top first).
 */
function mergeRanks(d: usize, rank: usize, size: i32, half: i32, out: usize): void {
  let a = 0;
  let b = half;
  for (let t = 0; t < size; t++) {
    const ja = a < half ? load<i32>(rank + (<usize>a << 2)) : -1;
    const jb = b < size ? half + load<i32>(rank + (<usize>b << 2)) : -1;
    const takeTop = jb < 0 || (ja >= 0 && load<f64>(at(d, ja)) <= load<f64>(at(d, jb)));
    store<i32>(out + (<usize>t << 2), takeTop ? ja : jb);
    if (takeTop) a++;
    else b++;
  }
}

/**
 * Sets work.source[0..size) to the block columns in compaction order: the k non-deflated ones grouped
 * TOP, BOTH, BOTTOM (each group in ascending pole order), then the deflated ones; work.permutation[i]
 * to the compacted position of non-deflated index i. Returns count(TOP) | count(BOTH) << 16.
 */
function groupByKind(k: i32, size: i32, work: Work): i32 {
  let t = 0;
  let top = 0;
  let both = 0;
  for (let kind = TOP; kind <= BOTTOM; kind++) {
    for (let i = 0; i < k; i++) {
      const j = load<i32>(work.order + (<usize>i << 2));
      if (load<i32>(work.kind + (<usize>j << 2)) != kind) continue;
      store<i32>(work.source + (<usize>t << 2), j);
      store<i32>(work.permutation + (<usize>i << 2), t++);
      if (kind == TOP) top++;
      else if (kind == BOTH) both++;
    }
  }
  for (; t < size; t++) store<i32>(work.source + (<usize>t << 2), load<i32>(work.order + (<usize>t << 2)));
  return top | (both << 16);
}

/**
 * The root λ_j (ascending j) of the secular equation 1/ρ + Σ_i z_i²/(p_i − λ) = 0 for poles p
 * ascending and ρ > 0; writes delta[i] = p_i − λ_j, computed as (p_i − p_o) − τ from the nearer pole
 * p_o of the root's interval (so the differences that matter keep their relative accuracy). Each step
 * solves the "middle way" model c + s/(δ_p − η) + S/(δ_q − η) = 0 of the two poles around the root,
 * falling back to the origin pole's own root, then to bisection of the bracket, when that leaves it or
 * stalls. Stops when |f| is below its rounding bound (dlaed4's test) or the bracket is exhausted; a root
 * that meets neither in MAX_SECULAR_ITERATIONS is counted in unconvergedRoots.
 */
function secularRoot(k: i32, p: usize, z: usize, rho: f64, j: i32, delta: usize): f64 {
  if (k == 1) {
    const shift = rho * load<f64>(z) * load<f64>(z);
    store<f64>(delta, -shift);
    return load<f64>(p) + shift;
  }
  const last = j == k - 1;
  const split = last ? k - 2 : j; // poles <= split lie left of the root
  let origin = j;
  let lo: f64 = 0;
  let hi: f64 = 0;
  let fMid: f64 = 0;
  let po = load<f64>(at(p, j));
  for (let i = 0; i < k; i++) store<f64>(at(delta, i), load<f64>(at(p, i)) - po);
  if (last) {
    let zz: f64 = 0;
    for (let i = 0; i < k; i++) zz += load<f64>(at(z, i)) * load<f64>(at(z, i));
    hi = rho * zz;
  } else {
    const mid = 0.5 * (load<f64>(at(p, j + 1)) - po);
    secularSums(z, delta, mid, 0, k, false);
    fMid = 1 / rho + sumF;
    if (fMid > 0) {
      hi = mid;
    } else {
      origin = j + 1;
      lo = -mid;
      po = load<f64>(at(p, origin));
      for (let i = 0; i < k; i++) store<f64>(at(delta, i), load<f64>(at(p, i)) - po);
    }
  }
  let tau = last ? 0.5 * hi : twoPoleGuess(p, z, j, fMid, origin == j, lo, hi);
  let previous = Infinity;
  let converged = false;
  for (let iter = 0; iter < MAX_SECULAR_ITERATIONS; iter++) {
    // f(τ), its two partial derivatives, and the rounding bound of f (dlaed4's erretm).
    secularSums(z, delta, tau, 0, split + 1, false);
    const psi = sumF, dpsi = sumD;
    let bound = sumB;
    secularSums(z, delta, tau, split + 1, k, true);
    const phi = sumF, dphi = sumD;
    bound += sumB;
    const f = 1 / rho + psi + phi;
    bound += 8 * (Math.abs(psi) + Math.abs(phi)) + 2 / rho + Math.abs(tau) * (dpsi + dphi);
    if (Math.abs(f) <= EPS * bound) {
      converged = true;
      break;
    }
    if (f < 0) lo = Math.max(lo, tau);
    else hi = Math.min(hi, tau);
    let next = 0.5 * (lo + hi);
    const stalled = iter >= MAX_SECULAR_ITERATIONS / 2 && Math.abs(f) > 0.5 * previous;
    if (!stalled) {
      const step = middleWayStep(load<f64>(at(delta, split)) - tau, load<f64>(at(delta, split + 1)) - tau, f, dpsi, dphi);
      if (tau + step > lo && tau + step < hi) {
        next = tau + step;
      } else {
        // A tiny z_o puts the root within far less than the bracket of its origin pole, where the two-pole
        // model leaves the bracket: freeze every other term at its value and solve the origin pole's
        // exactly, rest − z_o²/τ' = 0 (the origin's term is z_o²/(0 − τ)).
        const zo = load<f64>(at(z, origin));
        const pole = (zo * zo) / (f + (zo * zo) / tau);
        if (pole > lo && pole < hi) next = pole;
      }
    }
    previous = Math.abs(f);
    if (next == tau || !(next > lo && next < hi)) {
      converged = true; // the bracket is exhausted: τ is the root to the last bit
      break;
    }
    tau = next;
  }
  if (!converged) unconvergedRoots++;
  for (let i = 0; i < k; i++) store<f64>(at(delta, i), load<f64>(at(delta, i)) - tau);
  return po + tau;
}

/**
 * dlaed4's starting point for root j < k − 1: the root of c + z_j²/(p_j − λ) + z_{j+1}²/(p_{j+1} − λ)
 * with the other poles frozen into c at the interval's midpoint (f there is fMid), as τ from the origin
 * pole (p_j when `atLeft`); the bracket's midpoint when that falls outside (lo, hi).
 */
function twoPoleGuess(p: usize, z: usize, j: i32, fMid: f64, atLeft: bool, lo: f64, hi: f64): f64 {
  const gap = load<f64>(at(p, j + 1)) - load<f64>(at(p, j));
  const mid = 0.5 * gap;
  const zl = load<f64>(at(z, j)) * load<f64>(at(z, j));
  const zr = load<f64>(at(z, j + 1)) * load<f64>(at(z, j + 1));
  const c = fMid + zl / mid - zr / mid;
  let tau: f64;
  if (atLeft) {
    const a = c * gap + zl + zr;
    const b = zl * gap;
    const root = Math.sqrt(Math.abs(a * a - 4 * b * c));
    tau = a > 0 ? (2 * b) / (a + root) : (a - root) / (2 * c);
  } else {
    const a = c * gap - zl - zr;
    const b = zr * gap;
    const root = Math.sqrt(Math.abs(a * a + 4 * b * c));
    tau = a < 0 ? (2 * b) / (a - root) : -(a + root) / (2 * c);
  }
  return tau > lo && tau < hi ? tau : 0.5 * (lo + hi);
}

/** Results of secularSums. */
let sumF: f64 = 0;
let sumD: f64 = 0;
let sumB: f64 = 0;

/**
 * Over i in [from, to), in two interleaved f64x2 lanes (taken from `to` downwards when `down`, so that
 * the terms nearest the root come last): sumF = Σ z_i²/(δ_i − τ), sumD = Σ (z_i/(δ_i − τ))², and sumB =
 * Σ |running partial sums| (the rounding bound of sumF).
 */
function secularSums(z: usize, delta: usize, tau: f64, from: i32, to: i32, down: bool): void {
  const tv = f64x2.splat(tau);
  let f = f64x2.splat(0);
  let d = f64x2.splat(0);
  let b = f64x2.splat(0);
  const pairs = (to - from) >> 1;
  const odd = (to - from) & 1;
  const start = down ? from + odd : from;
  for (let q = 0; q < pairs; q++) {
    const i = down ? start + 2 * (pairs - 1 - q) : start + 2 * q;
    const zv = v128.load(at(z, i));
    const t = f64x2.div(zv, f64x2.sub(v128.load(at(delta, i)), tv));
    f = f64x2.add(f, f64x2.mul(zv, t));
    d = f64x2.add(d, f64x2.mul(t, t));
    b = f64x2.add(b, f64x2.abs(f));
  }
  let sf = f64x2.extract_lane(f, 0) + f64x2.extract_lane(f, 1);
  let sd = f64x2.extract_lane(d, 0) + f64x2.extract_lane(d, 1);
  let sb = f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
  if (odd != 0) {
    const i = down ? from : to - 1;
    const zi = load<f64>(at(z, i));
    const t = zi / (load<f64>(at(delta, i)) - tau);
    sf += zi * t;
    sd += t * t;
    sb += Math.abs(sf);
  }
  sumF = sf;
  sumD = sd;
  sumB = sb;
}

/**
 * The step η that solves c + s/(dp − η) + S/(dq − η) = 0 within (dp, dq), where s = dp²·ψ', S = dq²·φ'
 * and c match f and its derivative split at the root (ψ: poles left of it, φ: right); NaN if none.
 */
function middleWayStep(dp: f64, dq: f64, f: f64, dpsi: f64, dphi: f64): f64 {
  const c = f - dp * dpsi - dq * dphi;
  const a = c * (dp + dq) + dp * dp * dpsi + dq * dq * dphi;
  const b = dp * dq * f;
  if (c == 0) return a == 0 ? NaN : b / a;
  const root = Math.sqrt(Math.max(0, a * a - 4 * b * c));
  const q = 0.5 * (a + (a >= 0 ? root : -root));
  const r1 = q / c;
  const r2 = q == 0 ? NaN : b / q;
  const lo = Math.min(dp, dq);
  const hi = Math.max(dp, dq);
  if (r2 > lo && r2 < hi) return r2;
  if (r1 > lo && r1 < hi) return r1;
  return NaN;
}

/**
 * dlaed3: ẑ_i = sign(z_i)·sqrt(−(p_i − λ_i)·Π_{j≠i} (p_i − λ_j)/(p_i − p_j)) (Gu & Eisenstat), then
 * column j of U is (ẑ_i/(p_i − λ_j))_i normalised, its rows placed at the compacted positions
 * (work.permutation). U overwrites the differences (k x k, ld k); returns it. Both passes run down the
 * columns of the differences in f64x2, two rows i at a time; each product still takes its factors in
 * ascending j.
 */
function rotationOfRoots(k: i32, work: Work): usize {
  const delta = work.differences;
  const p = work.poles;
  const w = work.z;
  for (let i = 0; i < k; i++) store<f64>(at(w, i), load<f64>(cm(delta, k, i, i)));
  for (let j = 0; j < k; j++) productFactors(w, cm(delta, k, 0, j), p, j, k);
  for (let i = 0; i < k; i++) {
    const root = Math.sqrt(-load<f64>(at(w, i)));
    store<f64>(at(w, i), load<f64>(at(work.zHat, i)) < 0 ? -root : root);
  }
  const column = work.poles;
  for (let j = 0; j < k; j++) {
    const dj = cm(delta, k, 0, j);
    let i = 0;
    for (; i + 2 <= k; i += 2) v128.store(at(column, i), f64x2.div(v128.load(at(w, i)), v128.load(at(dj, i))));
    if (i < k) store<f64>(at(column, i), load<f64>(at(w, i)) / load<f64>(at(dj, i)));
    const inverse = 1 / norm2(column, k);
    for (i = 0; i < k; i++) store<f64>(at(dj, load<i32>(work.permutation + (<usize>i << 2))), load<f64>(at(column, i)) * inverse);
  }
  return delta;
}

/** w[i] *= (p_i − λ_j)/(p_i − p_j) for every i ≠ j < k, where `dj` is column j of the differences. */
function productFactors(w: usize, dj: usize, p: usize, j: i32, k: i32): void {
  const pj = f64x2.splat(load<f64>(at(p, j)));
  const self = j & ~1; // the pair of rows that holds i = j: its lane j takes the factor 1
  let i = 0;
  for (; i + 2 <= k; i += 2) {
    let factor = f64x2.div(v128.load(at(dj, i)), f64x2.sub(v128.load(at(p, i)), pj));
    if (i == self) factor = (j & 1) == 0 ? f64x2.replace_lane(factor, 0, 1) : f64x2.replace_lane(factor, 1, 1);
    v128.store(at(w, i), f64x2.mul(v128.load(at(w, i)), factor));
  }
  if (i < k && i != j) store<f64>(at(w, i), load<f64>(at(w, i)) * (load<f64>(at(dj, i)) / (load<f64>(at(p, i)) - load<f64>(at(p, j)))));
}

/** Insertion sort of values[0..size) ascending (stable), permuting perm[0..size) (int32) along. */
function sortAscending(values: usize, size: i32, perm: usize): void {
  for (let i = 1; i < size; i++) {
    const v = load<f64>(at(values, i));
    const q = load<i32>(perm + (<usize>i << 2));
    let j = i - 1;
    while (j >= 0 && load<f64>(at(values, j)) > v) {
      store<f64>(at(values, j + 1), load<f64>(at(values, j)));
      store<i32>(perm + (<usize>(j + 1) << 2), load<i32>(perm + (<usize>j << 2)));
      j--;
    }
    store<f64>(at(values, j + 1), v);
    store<i32>(perm + (<usize>(j + 1) << 2), q);
  }
}

/** Column t of the size x size block (ld n) becomes its former column perm[t]; `scratch` holds size² float64. */
function permuteColumns(block: usize, n: i32, size: i32, perm: usize, scratch: usize): void {
  for (let t = 0; t < size; t++) memory.copy(cm(scratch, size, 0, t), cm(block, n, 0, t), <usize>size << 3);
  for (let t = 0; t < size; t++) {
    memory.copy(cm(block, n, 0, t), cm(scratch, size, 0, load<i32>(perm + (<usize>t << 2))), <usize>size << 3);
  }
}

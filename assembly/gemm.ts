// Float64 matrix product C ← C + α·op(A)·op(B) (column-major, op = identity or transpose, α = ±1) for
// the eigen-solver's level-3 steps. Goto-style blocking: op(B) packed in KC x NR strips, op(A) in
// MC x KC blocks of MR-row strips, and a 4 x 4 register-blocked f64x2 micro-kernel; fixed summation order.

/** Rows of C per micro-kernel call (two f64x2 lanes). */
const MR: i32 = 4;
/** Columns of C per micro-kernel call. */
const NR: i32 = 4;
/** Inner-dimension block: a KC x NR strip of B (8 KiB) stays in L1 across the A strips. */
const KC: i32 = 256;
/** Rows of A packed at once (MC x KC = 256 KiB, an L2 cache). */
const MC: i32 = 128;
/** Columns of B packed at once (KC x NC = 2 MiB, an L3 cache). */
const NC: i32 = 1024;

/** A column-major operand: element (i, j) of op(X) is at ptr + 8·(trans ? j + i·ld : i + j·ld). */
@inline function elementAt(ptr: usize, ld: i32, trans: bool, i: i32, j: i32): usize {
  const r = trans ? j : i;
  const c = trans ? i : j;
  return ptr + ((<usize>r + <usize>c * <usize>ld) << 3);
}

/** Packs op(A)[i0 : i0+mc, p0 : p0+kc] as MR-row strips, p-major inside a strip; rows past mc are zero. */
function packA(dst: usize, a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32): void {
  for (let s = 0; s < mc; s += MR) {
    const strip = dst + (<usize>s * <usize>kc << 3);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const v = s + r < mc ? load<f64>(elementAt(a, lda, transA, i0 + s + r, p0 + p)) : 0.0;
        store<f64>(strip + ((<usize>(p * MR + r)) << 3), v);
      }
    }
  }
}

/** Packs op(B)[p0 : p0+kc, j0 : j0+nc] as NR-column strips, p-major inside a strip; columns past nc are zero. */
function packB(dst: usize, b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let s = 0; s < nc; s += NR) {
    const strip = dst + (<usize>s * <usize>kc << 3);
    for (let c = 0; c < NR; c++) {
      if (s + c < nc) {
        for (let p = 0; p < kc; p++) {
          store<f64>(strip + ((<usize>(p * NR + c)) << 3), load<f64>(elementAt(b, ldb, transB, p0 + p, j0 + s + c)));
        }
      } else {
        for (let p = 0; p < kc; p++) store<f64>(strip + ((<usize>(p * NR + c)) << 3), 0);
      }
    }
  }
}

/** Adds α·acc (two f64x2 of one C column: rows 0-1, 2-3) to the first `rows` entries of column `col`. */
@inline function addColumn(col: usize, lo: v128, hi: v128, alpha: f64, rows: i32): void {
  const av = f64x2.splat(alpha);
  if (rows == MR) {
    v128.store(col, f64x2.add(v128.load(col), f64x2.mul(av, lo)));
    v128.store(col, f64x2.add(v128.load(col, 16), f64x2.mul(av, hi)), 16);
    return;
  }
  store<f64>(col, load<f64>(col) + alpha * f64x2.extract_lane(lo, 0));
  if (rows > 1) store<f64>(col, load<f64>(col, 8) + alpha * f64x2.extract_lane(lo, 1), 8);
  if (rows > 2) store<f64>(col, load<f64>(col, 16) + alpha * f64x2.extract_lane(hi, 0), 16);
}

/** C[0:rows, 0:cols] += α · (packed MR x kc strip) · (packed kc x NR strip). */
function microKernel(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, alpha: f64, rows: i32, cols: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const a = pa + (<usize>p << 5);
    const b = pb + (<usize>p << 5);
    const a0 = v128.load(a);
    const a1 = v128.load(a, 16);
    let bv = v128.load64_splat(b);
    c00 = f64x2.add(c00, f64x2.mul(a0, bv));
    c01 = f64x2.add(c01, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b, 8);
    c10 = f64x2.add(c10, f64x2.mul(a0, bv));
    c11 = f64x2.add(c11, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b, 16);
    c20 = f64x2.add(c20, f64x2.mul(a0, bv));
    c21 = f64x2.add(c21, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b, 24);
    c30 = f64x2.add(c30, f64x2.mul(a0, bv));
    c31 = f64x2.add(c31, f64x2.mul(a1, bv));
  }
  const step = <usize>ldc << 3;
  addColumn(c, c00, c01, alpha, rows);
  if (cols > 1) addColumn(c + step, c10, c11, alpha, rows);
  if (cols > 2) addColumn(c + 2 * step, c20, c21, alpha, rows);
  if (cols > 3) addColumn(c + 3 * step, c30, c31, alpha, rows);
}

/**
 * C[0:m, 0:n] += α · op(A)[0:m, 0:k] · op(B)[0:k, 0:n], column-major with leading dimensions lda, ldb,
 * ldc; op(X) = Xᵀ when transX. Each element of C is updated once per KC block of k.
 */
export function gemm(
  m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const packedA = heap.alloc(<usize>MC * <usize>KC << 3);
  const packedB = heap.alloc(<usize>(min(NC, n) + NR) * <usize>KC << 3);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      packB(packedB, b, ldb, transB, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(packedA, a, lda, transA, i0, mc, p0, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + (<usize>jr * <usize>kc << 3);
          for (let ir = 0; ir < mc; ir += MR) {
            const cp = c + ((<usize>(i0 + ir) + <usize>(j0 + jr) * <usize>ldc) << 3);
            microKernel(packedA + (<usize>ir * <usize>kc << 3), pb, kc, cp, ldc, alpha, min(MR, mc - ir), min(NR, nc - jr));
          }
        }
      }
    }
  }
  heap.free(packedB);
  heap.free(packedA);
}

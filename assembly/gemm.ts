// Float64 matrix product C ← C + α·op(A)·op(B) (column-major, op = identity or transpose) for the
// eigen-solver's level-3 steps. Goto-style blocking: op(A) packed in MC x KC blocks of MR-row strips,
// op(B) in KC x NR strips, and a 4 x 4 register-blocked f64x2 micro-kernel; fixed summation order.
// A triangular op(A) may say so: its zero products are skipped, which leaves every sum unchanged.

/** Rows of C per micro-kernel call (two f64x2 lanes). */
const MR: i32 = 4;
/** Columns of C per micro-kernel call. */
const NR: i32 = 4;
/** Inner-dimension block: a KC x NR strip of B (8 KiB) stays in L1 across the A strips. */
const KC: i32 = 256;
/** Rows of A packed at once (MC x KC = 256 KiB, an L2 cache). */
const MC: i32 = 128;
/** Columns of B per outer block (KC x NC = 2 MiB, an L3 cache). */
const NC: i32 = 1024;

/** Shapes of op(A) for gemm: any; upper (op(A)[r, p] = 0 for p < r); lower (op(A)[r, p] = 0 for p > r). */
export const FULL: i32 = 0;
export const UPPER: i32 = 1;
export const LOWER: i32 = 2;

/** Packing buffers (MC x KC and (NC + NR) x KC float64), allocated on first use and kept. */
let packedA: usize = 0;
let packedB: usize = 0;

/** Copies 4 consecutive float64 from src to dst (both may be unaligned). */
@inline function copy4(dst: usize, src: usize): void {
  v128.store(dst, v128.load(src));
  v128.store(dst, v128.load(src, 16), 16);
}

/**
 * Packs the rows×kc block X[r0.., p0..] of op(X) into `lanes`-wide strips, p-major inside a strip,
 * zero-padded to whole strips: strip s holds rows r0+s·lanes.. as dst[s·lanes·kc + p·lanes + r].
 * `byRow` is how op(X) is stored: element (r, p) at x + 8·(byRow ? p + r·ld : r + p·ld).
 */
function pack(dst: usize, x: usize, ld: i32, byRow: bool, r0: i32, rows: i32, p0: i32, kc: i32, lanes: i32): void {
  const stride = <usize>ld << 3;
  for (let s = 0; s < rows; s += lanes) {
    const strip = dst + (<usize>s * <usize>kc << 3);
    const full = s + lanes <= rows;
    if (!byRow && full && lanes == 4) {
      // The strip's rows are contiguous in each column p of X.
      let src = x + ((<usize>(r0 + s) + <usize>p0 * <usize>ld) << 3);
      for (let p = 0; p < kc; p++, src += stride) copy4(strip + (<usize>p << 5), src);
      continue;
    }
    for (let r = 0; r < lanes; r++) {
      const out = strip + (<usize>r << 3);
      const step = <usize>lanes << 3;
      if (s + r >= rows) {
        for (let p = 0; p < kc; p++) store<f64>(out + <usize>p * step, 0);
      } else if (byRow) {
        const src = x + ((<usize>p0 + <usize>(r0 + s + r) * <usize>ld) << 3);
        for (let p = 0; p < kc; p++) store<f64>(out + <usize>p * step, load<f64>(src + (<usize>p << 3)));
      } else {
        const src = x + ((<usize>(r0 + s + r) + <usize>p0 * <usize>ld) << 3);
        for (let p = 0; p < kc; p++) store<f64>(out + <usize>p * step, load<f64>(src + <usize>p * stride));
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

/**
 * C[0:rows, 0:cols] += α · (packed MR x kc strip) · B, where B's column c (c < 4) starts at b_c and
 * advances by `pStride` bytes per step of p (a packed strip, or columns of op(B) read in place).
 */
function microKernel(pa: usize, b0: usize, b1: usize, b2: usize, b3: usize, pStride: usize, kc: i32,
  c: usize, ldc: i32, alpha: f64, rows: i32, cols: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let a = pa;
  let o: usize = 0;
  for (let p = 0; p < kc; p++, a += 32, o += pStride) {
    const a0 = v128.load(a);
    const a1 = v128.load(a, 16);
    let bv = v128.load64_splat(b0 + o);
    c00 = f64x2.add(c00, f64x2.mul(a0, bv));
    c01 = f64x2.add(c01, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b1 + o);
    c10 = f64x2.add(c10, f64x2.mul(a0, bv));
    c11 = f64x2.add(c11, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b2 + o);
    c20 = f64x2.add(c20, f64x2.mul(a0, bv));
    c21 = f64x2.add(c21, f64x2.mul(a1, bv));
    bv = v128.load64_splat(b3 + o);
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
 * ldc; op(X) = Xᵀ when transX. op(A) is packed; op(B) is packed only when transposed (otherwise its
 * columns are already contiguous in k and are read in place). Each element of C is updated once per
 * KC block of k. With `shape` UPPER or LOWER, each MR-row strip of op(A) runs only over the p where
 * some of its rows may be nonzero: the skipped products are exact zeros (for finite B), and a sum
 * that starts from +0 is unchanged by them, so the result is bit-identical to the FULL product.
 */
export function gemm(
  m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32,
  shape: i32 = FULL,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (packedA == 0) {
    packedA = heap.alloc(<usize>MC * <usize>KC << 3);
    packedB = heap.alloc(<usize>(NC + NR) * <usize>KC << 3);
  }
  const column = <usize>ldb << 3;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      if (transB) pack(packedB, b, ldb, false, j0, nc, p0, kc, NR);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        pack(packedA, a, lda, transA, i0, mc, p0, kc, MR);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          let b0: usize, b1: usize, b2: usize, b3: usize, pStride: usize;
          if (transB) {
            b0 = packedB + (<usize>jr * <usize>kc << 3);
            b1 = b0 + 8;
            b2 = b0 + 16;
            b3 = b0 + 24;
            pStride = 32;
          } else {
            // Columns past the edge repeat the last one (their sums are not stored).
            b0 = b + ((<usize>p0 + <usize>(j0 + jr) * <usize>ldb) << 3);
            b1 = b0 + column * <usize>min(1, cols - 1);
            b2 = b0 + column * <usize>min(2, cols - 1);
            b3 = b0 + column * <usize>min(3, cols - 1);
            pStride = 8;
          }
          for (let ir = 0; ir < mc; ir += MR) {
            const r = i0 + ir - p0; // the strip's first row, relative to this block of p
            const from = shape == UPPER ? max(0, min(kc, r)) : 0;
            const to = shape == LOWER ? max(0, min(kc, r + MR)) : kc;
            if (from >= to) continue;
            const cp = c + ((<usize>(i0 + ir) + <usize>(j0 + jr) * <usize>ldc) << 3);
            const skip = <usize>from * pStride;
            const pa = packedA + ((<usize>ir * <usize>kc + <usize>from * <usize>MR) << 3);
            microKernel(pa, b0 + skip, b1 + skip, b2 + skip, b3 + skip, pStride, to - from, cp, ldc, alpha, min(MR, mc - ir), cols);
          }
        }
      }
    }
  }
}

// Level-1 f64x2 kernels on contiguous float64 vectors (byte offsets into WASM memory) shared by the
// eigen-solver's steps; every sum runs in a fixed order, so results are deterministic.

/** Byte offset of element i of the float64 vector at v. */
@inline export function at(v: usize, i: i32): usize {
  return v + (<usize>i << 3);
}

/** Byte offset of element (r, c) of the column-major matrix at a with leading dimension ld. */
@inline export function cm(a: usize, ld: i32, r: i32, c: i32): usize {
  return a + ((<usize>r + <usize>c * <usize>ld) << 3);
}

/** Σ_{k<len} x[k]·y[k] with two f64x2 accumulators. */
export function dot(x: usize, y: usize, len: i32): f64 {
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

/** y[k] += g·x[k] for k < len. */
export function axpy(y: usize, x: usize, g: f64, len: i32): void {
  const gv = f64x2.splat(g);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(gv, v128.load(x + o))));
  }
  if (k < len) store<f64>(at(y, k), load<f64>(at(y, k)) + g * load<f64>(at(x, k)));
}

/** x[k] *= g for k < len. */
export function scale(x: usize, g: f64, len: i32): void {
  for (let k = 0; k < len; k++) store<f64>(at(x, k), g * load<f64>(at(x, k)));
}

/** y[k] -= f·u[k] + g·v[k] for k < len. */
export function rank2Update(y: usize, u: usize, v: usize, f: f64, g: f64, len: i32): void {
  const fv = f64x2.splat(f);
  const gv = f64x2.splat(g);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const t = f64x2.add(f64x2.mul(fv, v128.load(u + o)), f64x2.mul(gv, v128.load(v + o)));
    v128.store(y + o, f64x2.sub(v128.load(y + o), t));
  }
  if (k < len) store<f64>(at(y, k), load<f64>(at(y, k)) - (f * load<f64>(at(u, k)) + g * load<f64>(at(v, k))));
}

/** Returns Σ_{k<len} col[k]·x[k] and adds col[k]·f to y[k]: one column of a symmetric matrix-vector product. */
export function dotAndAxpy(col: usize, x: usize, y: usize, f: f64, len: i32): f64 {
  const fv = f64x2.splat(f);
  let gv = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const w = v128.load(col + o);
    gv = f64x2.add(gv, f64x2.mul(w, v128.load(x + o)));
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(w, fv)));
  }
  let g = f64x2.extract_lane(gv, 0) + f64x2.extract_lane(gv, 1);
  if (k < len) {
    const w = load<f64>(at(col, k));
    g += w * load<f64>(at(x, k));
    store<f64>(at(y, k), load<f64>(at(y, k)) + w * f);
  }
  return g;
}

/** Plane rotation of two vectors: (lo, hi) <- (c·lo − s·hi, s·lo + c·hi). */
export function rotate(lo: usize, hi: usize, c: f64, s: f64, len: i32): void {
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

/** ‖x‖₂ of len entries, rescaled by a power of two when the plain sum of squares over- or underflows. */
export function norm2(x: usize, len: i32): f64 {
  const plain = dot(x, x, len);
  if (plain > 1e-280 && plain < 1e280) return Math.sqrt(plain);
  let big: f64 = 0;
  for (let k = 0; k < len; k++) big = Math.max(big, Math.abs(load<f64>(at(x, k))));
  if (big == 0 || !isFinite(big)) return big;
  const s = Math.pow(2, -Math.floor(Math.log2(big))); // exact: a power of two
  let sum: f64 = 0;
  for (let k = 0; k < len; k++) {
    const v = load<f64>(at(x, k)) * s;
    sum += v * v;
  }
  return Math.sqrt(sum) / s;
}

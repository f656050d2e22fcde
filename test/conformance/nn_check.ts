// Error measures shared by the NN conformance modules: every op is compared with its float64
// reference by one of these, and the measured worst case is recorded as a metric.

/** max_i |got - ref| / scale_i (scale_i <= 0 counts as exact: got must equal ref). */
export function scaledError(got: ArrayLike<number>, ref: ArrayLike<number>, scale: ArrayLike<number> | number): number {
  if (got.length !== ref.length) throw new Error(`length ${got.length} vs reference ${ref.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const s = typeof scale === 'number' ? scale : scale[i];
    const d = Math.abs(got[i] - ref[i]);
    if (Number.isNaN(d)) return NaN;
    worst = Math.max(worst, s > 0 ? d / s : d === 0 ? 0 : Infinity);
  }
  return worst;
}

/** max|got - ref| / max|ref|: normwise error for gradients that pass through several ops. */
export function normwiseError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) maxRef = Math.max(maxRef, Math.abs(ref[i]));
  return scaledError(got, ref, maxRef > 0 ? maxRef : 1);
}

/** |values| elementwise as float64. */
export function absOf(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values, Math.abs);
}

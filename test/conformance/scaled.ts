// Error measures shared by the NN-op conformance cases: errors scaled by the magnitude of what
// was summed, so one bound covers every shape (see test/tolerances.ts).

/** max_i |got_i - ref_i| / scale_i, where scale_i is Σ|terms| of element i (1 where it is 0). */
export function scaledError(got: ArrayLike<number>, ref: ArrayLike<number>, scale: ArrayLike<number>): number {
  if (got.length !== ref.length) throw new Error(`length ${got.length} != reference length ${ref.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (scale[i] || 1));
  return worst;
}

/** max_i |got_i - ref_i| / max(|ref_i|, floor): relative above `floor`, absolute (scaled) below. */
export function relativeError(got: ArrayLike<number>, ref: ArrayLike<number>, floor = 1): number {
  if (got.length !== ref.length) throw new Error(`length ${got.length} != reference length ${ref.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), floor));
  return worst;
}

export function absValues(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, Math.abs);
}

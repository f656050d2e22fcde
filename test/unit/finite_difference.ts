// Central finite differences for checking the float64 reference gradients: the oracle's oracle.

/** Seeded uniform numbers in [lo, hi) as float64 (mulberry32). */
export function randomF64(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Σ a_i b_i: the scalar loss L = <dy, f(x)> whose gradient a backward pass computes. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Largest |fd_i - grad_i| / max(1, |grad_i|) over all entries of x, where fd_i is the central
 * difference (L(x + h e_i) - L(x - h e_i)) / 2h. `x` is restored afterwards.
 */
export function finiteDifferenceError(loss: (x: Float64Array) => number, x: Float64Array, grad: ArrayLike<number>, h = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = loss(x);
    x[i] = saved - h;
    const down = loss(x);
    x[i] = saved;
    const fd = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(1, Math.abs(grad[i])));
  }
  return worst;
}

// Float64 routines on dense symmetric matrices (row-major n x n) shared by the eigen-solver:
// the symmetry defect check and in-place symmetrisation. Memory layout is decided by the caller.

/** max_ij |a_ij - a_ji| divided by max_ij |a_ij| (0 for the zero matrix); NaN if any entry is not finite. */
export function symmetryDefect(a: usize, n: i32): f64 {
  let maxDiff: f64 = 0;
  let maxAbs: f64 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const aij = load<f64>(a + ((<usize>i * n + j) << 3));
      if (!isFinite(aij)) return NaN;
      maxAbs = Math.max(maxAbs, Math.abs(aij));
      if (j > i) {
        const aji = load<f64>(a + ((<usize>j * n + i) << 3));
        maxDiff = Math.max(maxDiff, Math.abs(aij - aji));
      }
    }
  }
  return maxAbs == 0 ? 0 : maxDiff / maxAbs;
}

/** a <- (a + aᵀ) / 2 in place. */
export function symmetrize(a: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const p = a + ((<usize>i * n + j) << 3);
      const q = a + ((<usize>j * n + i) << 3);
      const m = 0.5 * (load<f64>(p) + load<f64>(q));
      store<f64>(p, m);
      store<f64>(q, m);
    }
  }
}

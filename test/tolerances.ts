// The ONE table of numerical tolerances for every op test, each with its reason. Errors are
// measured against a float64 reference; u = 2^-24 ≈ 6e-8 is f32's unit roundoff.

export const TOLERANCES = {
  /** matmul: max_ij |C - C64| / (|A||B|)_ij. Worst-case bound K·u = 3e-5 at K = 512; random-sign
   * rounding grows like sqrt(K)·u ≈ 1.4e-6, so 1e-5 leaves margin and still catches a wrong tile. */
  matmul: 1e-5,
  /** Map errors are |y - y64| / max(|y64|, 1): relative above 1, absolute below (near-zero outputs).
   * Exact maps (affine with representable inputs, relu, abs, sign, square, clamp): one rounding. */
  mapExact: 2 ** -23,
  /** exp/log/tanh/sigmoid/sqrt: WGSL allows a few ULP (exp2/log2 3 ULP + range reduction; tanh via
   * exp on software adapters); 4e-6 ≈ 64 ULP. */
  mapTranscendental: 4e-6,
  /** sum of n f32 values: |S - S64| / sum|x|, fixed-order pairwise tree with 4-term sequential leaves:
   * bound ≈ (log2(n) + 4)·u ≈ 1.5e-6 for n = 1e6; 4e-6 leaves margin. */
  reduceSum: 4e-6,
  /** conv2d forward, input gradient and per-sample weight gradient: |y - y64| / (|x| ⋆ |w|), the
   * componentwise error of dot products of length cin·kh·kw (or oh·ow) accumulated in fixed order in
   * f32: the same bound as matmul. */
  conv2d: 1e-5,
  /** conv2d batch-summed weight gradient: dot products of length n·oh·ow (split into sample groups
   * whose partials are added in order): worst case n·oh·ow·u, random-sign growth sqrt(n·oh·ow)·u
   * ≈ 2e-6 at the test sizes; 1e-5 as for matmul. */
  conv2dWeightGrad: 1e-5,
  /** per-channel sums (conv bias gradient, BN reductions): |S - S64| / Σ|x| of a strided sequential
   * sum plus a 256-leaf tree: ≈ (count/256 + 8)·u; 4e-6 as for reduceSum. */
  channelSum: 4e-6,
  /** pooling: |y - y64| / (pooled |x|) for window sums of at most 64 terms added in order, then one
   * division: ≤ 65·u ≈ 3.9e-6 (max-pool forward is a selection and must be bit-exact instead). */
  pool2d: 4e-6,
  /** BatchNorm y, dx and dgamma, each scaled by the magnitude of what was combined (y: |γ|·invstd·
   * (|x| + mean|x|) + |β|; dx: |γ|·invstd·(|dy| + mean|dy| + |x̂|·mean|dy·x̂|); dgamma: Σ|dy|·(|x| +
   * mean|x|)·invstd, since x - mean carries the absolute error of mean, batch or running).
   * Mean and variance are two-pass strided+tree sums of n·h·w values (≈ (count/256 + 8)·u each),
   * 1/sqrt adds a few ULP, x - mean loses nothing beyond that scale: ~20u expected; 1e-5 ≈ 170u. */
  batchNorm: 1e-5,
  /** Running mean/variance after k updates vs float64 (relative above 1, absolute below): the batch
   * statistics' error above plus 2 roundings per update and pow() for debiasing (a few ULP). */
  batchNormRunning: 1e-5,
  /** Cross-runtime agreement of f32 results computed on different adapters: twice the op bound. */
  crossRuntimeFactor: 2,
} as const;

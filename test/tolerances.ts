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
  /** eigh (float64, tred2 + tql2, backward stable): ‖AV − VΛ‖_F/‖A‖_F and ‖VᵀV − I‖_F grow like
   * c·n·ε (ε = 2^-52): measured ≤ 1e-14 and ≤ 3e-13 at n = 1000. 1e-10 is the project's acceptance bound;
   * a wrong rotation or a lost reflector gives O(1). */
  eighResidual: 1e-10,
  /** eigh eigenvalues against the cyclic-Jacobi reference or a prescribed spectrum, as
   * max_i |λ_i − λ_i,ref| / max|λ| (n ≤ 150): Weyl's bound is ‖E‖_2 ≈ c·n·ε·‖A‖_2 for each method's
   * backward error (and the test matrix's own construction); measured ≤ 2e-14, so 1e-12 has margin. */
  eighEigenvalues: 1e-12,
  /** Cross-runtime agreement of f32 results computed on different adapters: twice the op bound. */
  crossRuntimeFactor: 2,
} as const;

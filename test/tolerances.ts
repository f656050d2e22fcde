// The ONE table of numerical tolerances for every op test, each with its reason. Errors are
// measured against a float64 reference; u = 2^-24 ≈ 6e-8 is f32's unit roundoff.

export const TOLERANCES = {
  /** matmul: max_ij |C - C64| / (|A||B|)_ij. Worst-case bound K·u = 3e-5 at K = 512; random-sign
   * rounding grows like sqrt(K)·u ≈ 1.4e-6, so 1e-5 leaves margin and still catches a wrong tile. */
  matmul: 1e-5,
  /** matmul with K > 65,536 (split-K: pieces of at most a few thousand terms summed in order, then the
   * pieces' partials added in piece order), same measure: the worst case is (K/pieces + pieces)·u, and
   * random-sign rounding over the partial sums' magnitude ~sqrt(K) against the denominator ~K/4 keeps
   * it far below; measured ~1e-7 at K = 70,001, so the matmul bound 1e-5 still applies and still
   * catches a lost piece (which costs a relative ~K_piece/K ≥ 5 %). */
  matmulLongK: 1e-5,
  /** Map errors are |y - y64| / max(|y64|, 1): relative above 1, absolute below (near-zero outputs).
   * Exact maps (affine with representable inputs, relu, abs, sign, square, clamp): one rounding. */
  mapExact: 2 ** -23,
  /** exp/log/tanh/sigmoid/sqrt/reciprocal: WGSL allows a few ULP (exp2/log2 3 ULP + range reduction; division 2.5 ULP; tanh via
   * exp on software adapters); 4e-6 ≈ 64 ULP. */
  mapTranscendental: 4e-6,
  /** sum of n f32 values: |S - S64| / sum|x|, fixed-order pairwise tree with 4-term sequential leaves:
   * bound ≈ (log2(n) + 4)·u ≈ 1.5e-6 for n = 1e6; 4e-6 leaves margin. */
  reduceSum: 4e-6,
  /** add/sub/mul of f32 inputs: one rounding, |y - y64| <= u·|y64| (u = 2^-24); reluBackward is exact (0). */
  binary: 2 ** -24,
  /** channelAffine y = x·s + t with s = f32(1/std), t = f32(-mean/std) against (x - mean)/std in f64:
   * rounding of s and t (u each) plus the product and sum (u each, or one with FMA), so
   * |y - y64| <= 4u·(|x·s| + |t|); measured as that ratio, bound 4u ≈ 2.4e-7. Bias add is the t-only case. */
  channelAffine: 4 * 2 ** -24,
  /** channelSum over `count` elements per channel. [n, c, inner > 1]: each of 256 threads sums count/256
   * terms in order, then an 8-level tree: |S - S64| <= (count/256 + 8)·u·Σ|x| (tests: count <= 6000 →
   * 32u ≈ 1.9e-6). [n, c]: one invocation adds the n rows in order: <= n·u·Σ|x| (tests: n <= 130 →
   * 7.7e-6 in the worst case, random signs give ~sqrt(n)·u ≈ 7e-7). 8e-6 covers both bounds. */
  channelSum: 8e-6,
  /** Dense forward and backward (dx, summed dW) are matmuls: componentwise |y - y64| / (|x||W|ᵀ + |b|)
   * <= K·u worst case with K <= 512 in tests (in_features, out_features or the batch); same bound as matmul.
   * Per-sample dW_i = dy_i·x_i is one product: exact up to one rounding, covered by the same bound. */
  dense: 1e-5,
  /** Softmax cross-entropy loss, |l - l64| / max(1, |l64|): C terms exp(x - max) (WGSL exp: a few ULP
   * after range reduction), a C-term sum (C·u) and log: ≈ (C + 16)·u for C <= 40 in tests ≈ 3.4e-6;
   * 1e-5 leaves margin for software exp/log. */
  crossEntropy: 1e-5,
  /** Its gradient, |d - d64| / scale: softmax probabilities in [0, 1] with the same exp/sum error;
   * absolute bound ≈ (C + 16)·u, 1e-5 as above. */
  crossEntropyGrad: 1e-5,
  /** Margin attack losses L = (z_a − z_y)/D (CW: D = 1; DLR: D a difference of two or three logits):
   * |L − L64| / max(1, |L64|). Each difference of f32 logits is one rounding (exact when close, Sterbenz),
   * the division one more: about 4u relative to the operands' scale (|z|/D); 1e-5 covers logits up to ±40
   * with D ≥ 1e-2·|z| (the tests' spreads) and catches a wrong class or sign (O(1)). */
  marginLoss: 1e-5,
  /** Its gradient dL/dz = (e_a − e_y)/D − (L/D)·dD/dz, |g − g64| · D / (1 + |L|) per row: the same
   * few roundings relative to the two terms' scale; 1e-5 as for the loss. */
  marginLossGrad: 1e-5,
  /** SGD step, |w' - w'64| / (|w| + lr·(|g·s| + wd·|w| + 2μ|v|) + 1e-30): about 6 roundings (clip product,
   * decay, momentum, Nesterov, step, subtraction), each <= u relative to these magnitudes: 6u ≈ 3.6e-7;
   * bound 1e-6. Repeated over 3 steps with f32 state fed back, so the reference takes the f32 state. */
  sgdUpdate: 1e-6,
  /** Global-norm clip factor: the norm is a sqrt of sums of squares (reduceSum bound on Σg², halved by
   * the sqrt) plus an ordered P-term sum; relative 4e-6 as reduceSum. */
  gradNorm: 4e-6,
  /** Whole-model gradients (loss, dW, db, dx of the mean cross-entropy) of an f32 model against the f64
   * reference with the same weights: normwise, max|g - g64| / max|g64| per tensor. Errors of L chained
   * matmuls (K <= 784) and softmax compound; the componentwise matmul bound K·u ≈ 5e-5 per layer gives
   * a few 1e-4 in the worst case; typical (random-sign) rounding is ~sqrt(K)·u per layer, measured ~1e-6.
   * 2e-4 covers the worst case of the 3-layer MLP in the tests. */
  modelGradient: 2e-4,
  /** Weights after N SGD steps compared ACROSS adapters (on one adapter they are bit-identical): each
   * step moves w by lr·‖g‖ with g differing by <= modelGradient relative, so the drift is about
   * N·lr·modelGradient·max|g| ≪ 1e-4 of max(1, |w|) for the test's N = 6, lr = 0.05, clipped ‖g‖ <= 2. */
  trainedWeights: 1e-4,
  /** eigh (float64; Householder tridiagonalisation, QL eigenvalues, divide-and-conquer eigenvectors with
   * Gu-Eisenstat's recomputed ẑ, all backward stable): ‖AV − VΛ‖_F/‖A‖_F and ‖VᵀV − I‖_F grow like c·n·ε
   * (ε = 2^-52): measured ≤ 5e-15 and ≤ 1.2e-13 at n = 800-1000 (random, clustered, kernel-like PSD).
   * 1e-10 is the project's acceptance bound; a wrong rotation or a lost reflector gives O(1). */
  eighResidual: 1e-10,
  /** eigh eigenvalues against the cyclic-Jacobi reference or a prescribed spectrum, as
   * max_i |λ_i − λ_i,ref| / max|λ| (n ≤ 150): Weyl's bound is ‖E‖_2 ≈ c·n·ε·‖A‖_2 for each method's
   * backward error (and the test matrix's own construction); measured ≤ 2e-14, so 1e-12 has margin. */
  eighEigenvalues: 1e-12,
  /** conv2d forward, input gradient and per-sample weight gradient: |y - y64| / (|x| ⋆ |w|), the
   * componentwise error of dot products of length cin·kh·kw (or oh·ow) accumulated in fixed order in
   * f32: the same bound as matmul. */
  conv2d: 1e-5,
  /** conv2d batch-summed weight gradient: dot products of length n·oh·ow (split into sample groups
   * whose partials are added in order): worst case n·oh·ow·u, random-sign growth sqrt(n·oh·ow)·u
   * ≈ 2e-6 at the test sizes; 1e-5 as for matmul. */
  conv2dWeightGrad: 1e-5,
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
  /** Whole-model gradients of the CNN, PreAct-ResNet and BatchNorm1d MLP with BatchNorm on batch statistics (loss,
   * every parameter gradient, dx; logits; and the same or per-sample gradients in eval mode), normwise per tensor,
   * max|g - g64| / max|g64|. Each conv/dense is a dot product bounded by K·u (K ≤ 9·cin ≤ 72, or the MLP's
   * K ≤ 108, and n·h·w ≤ 864 in the tests: ≤ 7e-5 worst case), BN backward subtracts dy's batch means (relative
   * errors grow by |dy|/|dx|, ~10x), and the errors compound over ≤ 12 chained layers. Measured
   * ≤ 1e-6 on llvmpipe; the bound 1e-4 stays far below the O(1) errors of a wrong rule or index. */
  convModelGradient: 1e-4,
  /** Cross-runtime agreement of f32 results computed on different adapters: twice the op bound. */
  crossRuntimeFactor: 2,
  /** NTK entries are dot products over P parameters of f32 per-sample gradients (themselves f32
   * backprop chains): normwise ‖K − K64‖_F / ‖K64‖_F grows like sqrt(P)·u·depth; 2e-5 holds for the
   * small test models (P < 1000) with margin and catches any missing or misplaced block. */
  ntk: 2e-5,
  /** The same normwise measure for a model with P ≈ 160k parameters (a 128->128 conv with BatchNorm in
   * eval mode): f32 per-sample gradients (chains of 3 layers with K ≤ 1152) and Gram dot products of
   * length up to P, split-K in fixed order: sqrt(P)·u·depth ≈ 7e-5 in the worst random-sign case;
   * 2e-4 leaves margin and still catches the 10-80 % errors of a truncated sum. */
  ntkLarge: 2e-4,
  /** Kernel-machine weights by eigendecomposition (WASM eigh) vs a direct float64 solve on the same
   * kernel, normwise on K(X*, X)·alpha, and the closed-form leave-one-out vs refitting: both are float64
   * rounding (~1e-16) times the condition number of K (+ lambda I), under 1e6 for the test's 6-18 point
   * kernels; 1e-9 leaves margin and catches any wrong filter, index or transposition (O(1) errors). */
  kernelMachineF64: 1e-9,
  /** Kernel-machine predictions from the device's f32 kernels vs the float64 reference kernels: the
   * kernel's normwise error (TOLERANCES.ntk) amplified by the condition number of the solve (K + lambda I,
   * or K itself for t -> infinity: up to ~1e2-1e3 for the test's MLP kernels); measured <= 1.1e-6 on
   * llvmpipe; 1e-4 keeps margin for other adapters and still catches a wrong kernel block or f0. */
  kernelMachine: 1e-4,
  /** The kernel predictor's input gradient (and outputs) by a central difference in the parameters
   * (h = 1e-3 ‖θ‖/‖v‖, f32 passes) vs a float64 central difference in the input: truncation O(tau²) and
   * f32 rounding ~ u / tau ~ 1e-4, amplified by the LOO-ridge solve; measured <= 5e-5 on llvmpipe (and the
   * predictor's own tau vs tau/2 bound <= 5e-5); a wrong direction, sign or missing f0 term gives O(1) errors. */
  kernelPredictorGradient: 1e-3,
  /** FAB-T's smallest adversarial distance on a linear model, relative excess over the closed-form minimum
   * min_k (z_y − z_k)/||w_y − w_k||_dual (the walls 0.35 away do not bind): each projection overshoots by
   * eta = 1.05 and each success backtracks by beta = 0.9, so the kept distance approaches the minimum from
   * above over the 100 iterations (measured 0.53 % in every case: binary and 4 classes, l-inf and l2);
   * 1 % allows that remainder and catches a wrong plane, norm or overshoot. */
  fabLinear: 0.01,
  /** FAB-T's step on the device (shaders/fab_step.wgsl, f32) vs src/reference/fab_projection.ts (float64),
   * per coordinate of the new point: both solve the same piecewise-linear equation exactly once the
   * saturated coordinates are bracketed (13 passes of 8 candidates vs 40 bisections: the same width),
   * so the gap is f32 rounding of sums over d terms (|w_k|·room_k) in the solve for lambda and of the
   * norms in the weight alpha, ~d·u relative on moves of at most 1; measured <= 5.6e-7 on llvmpipe;
   * 1e-4 catches a wrong side, wall, norm or weight (errors of the size of the step). */
  fabStep: 1e-4,
} as const;

// The loop budget of one shader invocation, and the host-side split that keeps every data-dependent
// loop inside it. Mesa's llvmpipe and lavapipe (the software adapters behind Node, Chromium and
// Deno here) silently stop an invocation's loops after 65,535 iterations in total, so a long loop
// returns a partial result with no error; every op splits its work on the host to stay below.

/**
 * Mesa gallivm's LP_MAX_TGSI_LOOP_ITERATIONS: loop iterations of one invocation, all loops
 * together, after which its loops are cut short without any error.
 */
export const LOOP_ITERATION_CAP = 65_535;

/**
 * Loop iterations one invocation may be planned to run, all its loops together: a quarter of the
 * cap. The margin covers inner loops the shader compiler chooses not to unroll (each of their
 * iterations counts too) and rounding in the per-op counts; a split costs only one extra
 * fixed-order pass over the partial results.
 */
export const LOOP_BUDGET = 16_384;

/**
 * A split of `segments` independent sums of `length` terms each into `parts` pieces of at most
 * `perPart` consecutive terms: piece (part, segment) covers terms [part·perPart, min(length,
 * (part+1)·perPart)) of its segment. Partial results are laid out [parts, segments, ...] and added
 * in part order (ops/sum_partials.ts), so the summation order depends on the shapes alone.
 */
export interface LoopSplit {
  parts: number;
  perPart: number;
}

/**
 * The fewest equal pieces of a `length`-term sum such that an invocation running `termsPerIteration`
 * terms per loop iteration (plus `fixedIterations` of other loops, e.g. a reduction tree) stays within
 * LOOP_BUDGET. `align` rounds the piece length up to a multiple (a GEMM program's k-step).
 */
export function splitLoop(length: number, termsPerIteration: number, fixedIterations = 0, align = 1): LoopSplit {
  const maxTerms = Math.floor(((LOOP_BUDGET - fixedIterations) * termsPerIteration) / align) * align;
  const parts = Math.max(1, Math.ceil(length / maxTerms));
  const perPart = Math.ceil(Math.ceil(length / parts) / align) * align;
  return { parts: Math.ceil(length / perPart) || 1, perPart: Math.max(perPart, align) };
}

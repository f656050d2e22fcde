// FAB-T's device steps (src/attacks/fab.ts), one workgroup of THREADS threads per sample: the
// projection of x1 and x0 onto the linearised boundary inside [0, 1] and the step between them
// (shaders/fab_step.wgsl), and keeping the closest misclassified point, then backtracking (fab_keep.wgsl).

import { shaderCodes } from '../device/dispatch.js';
import { LOOP_BUDGET } from '../device/loop_budget.js';
import { NtkError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Norm } from './attack_step.js';

/** Threads per sample of the FAB shaders (their workgroup size: one SIMD group of a software adapter, whose barriers are then cheap). */
const THREADS = 8;
/** Passes of fab_step that split lambda's bracket at 8 points: 9^13 > 2^41, as narrow as 40 bisections (src/reference/fab_projection.ts). */
const SECTIONS = 13;

/** Inputs of d values per sample fit the per-invocation loop budget of fab_step (two projections of SECTIONS + 4 passes and two more passes, each over d/8 values plus an 8-term sum). */
export function checkFabSize(d: number): void {
  const iterations = (2 * (SECTIONS + 4) + 2) * (Math.ceil(d / THREADS) + THREADS);
  if (iterations > LOOP_BUDGET) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `fab: inputs of ${d} values per sample are too large for the device program's loop budget (${iterations} > ${LOOP_BUDGET} iterations per invocation); use inputs of at most 3,576 values (3×32×32 images fit).`,
    );
  }
}

/** x1 <- FAB's step from x1 towards the linearised boundary of `losses` (z_t − z_y) with gradient `grad`, skipping samples at distance 0 (shaders/fab_step.wgsl). */
export function fabStep(
  x0: Tensor,
  x1: Tensor,
  grad: Tensor,
  losses: Tensor,
  distances: Tensor,
  o: { norm: Norm; eta: number; alphaMax: number },
): void {
  const n = x0.shape[0];
  const d = x0.size / n;
  checkFabSize(d);
  x0.gpu.run({
    shader: 'fab_step',
    label: `fab step ${o.norm}`,
    constants: { NORM: shaderCodes('fab_step').NORM[o.norm] },
    bindings: { X0: x0, GRAD: grad, LOSS: losses, DIST: distances, X1: x1 },
    params: { n, d, perThread: Math.ceil(d / THREADS), sections: SECTIONS, eta: o.eta, alphaMax: o.alphaMax },
    workgroups: [n],
  });
}

/** Where x1 is misclassified (correct 0): keep it if closer than the kept point, then backtrack x1 towards x0 and flag the sample in `backtracked` (shaders/fab_keep.wgsl). */
export function fabKeep(
  x0: Tensor,
  correct: Tensor,
  distances: Tensor,
  best: Tensor,
  x1: Tensor,
  backtracked: Tensor,
  o: { norm: Norm; beta: number },
): void {
  const n = x0.shape[0];
  const d = x0.size / n;
  x0.gpu.run({
    shader: 'fab_keep',
    label: `fab keep ${o.norm}`,
    constants: { NORM: shaderCodes('fab_keep').NORM[o.norm] },
    bindings: { X0: x0, CORRECT: correct, DIST: distances, BEST: best, X1: x1, BACKTRACKED: backtracked },
    params: { n, d, perThread: Math.ceil(d / THREADS), beta: o.beta },
    workgroups: [n],
  });
}

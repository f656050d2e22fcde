// APGD's device steps (src/attacks/apgd.ts): the momentum step with projection (shaders/apgd_step.wgsl),
// the per-sample bookkeeping of losses, step sizes and checkpoints (apgd_track.wgsl) and the row copies
// it asks for (apgd_copy.wgsl).

import type { Tensor } from '../tensor/tensor.js';
import { projectL2, type Norm } from './attack_step.js';
import { grid2d } from './grid.js';
import { rowSumSquares } from './reduce.js';

/** Columns of APGD's per-sample state (see shaders/apgd_track.wgsl). */
export const APGD_STATE_COLUMNS = 8;

/** x <- x' of one APGD step (shaders/apgd_step.wgsl); l2 projects the trial point and the result. */
export function apgdStep(x0: Tensor, g: Tensor, state: Tensor, z: Tensor, x: Tensor, xOld: Tensor, momentum: number, norm: Norm, eps: number): void {
  const gpu = x.gpu;
  const n = x.shape[0];
  const gNorms = norm === 'l2' ? rowSumSquares(g) : null;
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  const dispatch = (phase: number) => gpu.run({
    shader: 'apgd_step',
    label: `apgd step ${norm}`,
    constants: { NORM: norm === 'linf' ? 0 : 1, PHASE: phase },
    bindings: {
      G: g,
      X0: x0,
      GNORM2: { buffer: (gNorms ?? g).buffer, bytes: gNorms ? gNorms.bytes : 4 },
      STATE: state,
      Z: z,
      X: x,
      XOLD: xOld,
    },
    params: { n, d: x.size / n, rowStride: gx * 64, eps, momentum, stateStride: APGD_STATE_COLUMNS },
    workgroups: [gx, gy],
  });
  dispatch(0);
  if (norm === 'l2') {
    projectL2(z, x0, eps);
    dispatch(1);
    projectL2(x, x0, eps);
  }
  gNorms?.dispose();
}

/** Per-sample bookkeeping (shaders/apgd_track.wgsl) of `losses` and `correct`: MODE 0 init, 1 iterate, 2 checkpoint, 3 finish. */
export function apgdTrack(losses: Tensor, correct: Tensor, state: Tensor, flags: Tensor, mode: number, window: number, rho: number, eps: number): void {
  const n = flags.shape[0];
  losses.gpu.run({
    shader: 'apgd_track',
    label: `apgd track mode ${mode}`,
    constants: { MODE: mode },
    bindings: { LOSS: losses, CORRECT: correct, STATE: state, FLAGS: flags },
    params: { n, window, rho, initialStep: 2 * eps },
    workgroups: [Math.ceil(n / 64)],
  });
}

/** The row copies FLAGS asks for (shaders/apgd_copy.wgsl). */
export function apgdCopyRows(flags: Tensor, r: { x: Tensor; g: Tensor; xBest: Tensor; gBest: Tensor; xAdv: Tensor }, n: number, d: number): void {
  const gpu = flags.gpu;
  const [gx, gy] = grid2d(Math.ceil((n * d) / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'apgd_copy',
    label: 'apgd copy rows',
    bindings: { FLAGS: flags, X: r.x, G: r.g, XBEST: r.xBest, GBEST: r.gBest, XADV: r.xAdv },
    params: { n, d, rowStride: gx * 64 },
    workgroups: [gx, gy],
  });
}

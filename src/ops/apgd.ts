// APGD's device steps (src/attacks/apgd.ts): the momentum step with projection (shaders/apgd_step.wgsl),
// the per-sample bookkeeping of losses, step sizes and checkpoints (apgd_track.wgsl) and the row copies
// it asks for (apgd_copy.wgsl).

import { shaderCodes } from '../device/dispatch.js';
import type { Tensor } from '../tensor/tensor.js';
import { projectL2, type Norm } from './attack_step.js';
import { grid2d } from './grid.js';
import { rowSumSquares } from './reduce.js';

/** Columns of APGD's per-sample state (see shaders/apgd_track.wgsl). */
export const APGD_STATE_COLUMNS = 8;

/** x <- x' of one APGD step (shaders/apgd_step.wgsl); l2 projects the trial point and the result. */
export function apgdStep(
  x0: Tensor,
  g: Tensor,
  state: Tensor,
  z: Tensor,
  x: Tensor,
  xOld: Tensor,
  momentum: number,
  norm: Norm,
  eps: number,
): void {
  const gpu = x.gpu;
  const n = x.shape[0];
  const gNorms = norm === 'l2' ? rowSumSquares(g) : null;
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  const dispatch = (phase: keyof typeof PHASES) =>
    gpu.run({
      shader: 'apgd_step',
      label: `apgd step ${norm}`,
      constants: { NORM: shaderCodes('apgd_step').NORM[norm], PHASE: PHASES[phase] },
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
  dispatch('step');
  if (norm === 'l2') {
    projectL2(z, x0, eps);
    dispatch('combine');
    projectL2(x, x0, eps);
  }
  gNorms?.dispose();
}

/** The phases of apgd_step.wgsl (its PHASE_* constants). */
const PHASES = shaderCodes('apgd_step').PHASE;

/** The bookkeeping modes of apgd_track.wgsl (its MODE_* constants). */
const TRACK_MODES = shaderCodes('apgd_track').MODE;

/** A bookkeeping mode of apgdTrack: init, iterate, checkpoint or finish. */
export type ApgdTrackMode = keyof typeof TRACK_MODES;

/** Per-sample bookkeeping (shaders/apgd_track.wgsl) of `losses` and `correct` in `mode`. */
export function apgdTrack(
  losses: Tensor,
  correct: Tensor,
  state: Tensor,
  flags: Tensor,
  mode: ApgdTrackMode,
  window: number,
  rho: number,
  eps: number,
): void {
  const n = flags.shape[0];
  losses.gpu.run({
    shader: 'apgd_track',
    label: `apgd track mode ${TRACK_MODES[mode]}`,
    constants: { MODE: TRACK_MODES[mode] },
    bindings: { LOSS: losses, CORRECT: correct, STATE: state, FLAGS: flags },
    params: { n, window, rho, initialStep: 2 * eps },
    workgroups: [Math.ceil(n / 64)],
  });
}

/** The row copies FLAGS asks for (shaders/apgd_copy.wgsl). */
export function apgdCopyRows(
  flags: Tensor,
  r: { x: Tensor; g: Tensor; xBest: Tensor; gBest: Tensor; xAdv: Tensor },
  n: number,
  d: number,
): void {
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

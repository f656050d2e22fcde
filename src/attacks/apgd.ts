// APGD (auto-PGD, Croce & Hein 2020) for l-inf and l2 on inputs in [0, 1], on the device: initial
// step 2·eps per sample, momentum 0.75, checkpoints at p_0 = 0, p_1 = 0.22 and
// p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) of the iterations, where a sample's step is halved
// (and it restarts from its best point) if fewer than rho of the steps since the last checkpoint
// raised its loss, or if its step was not halved at the last checkpoint and its best loss did not
// improve. Losses CE, CW margin, DLR, targeted DLR/CW (APGD-T); restarts and targets keep each
// sample's worst case. Returns a misclassified iterate where one was found, else the best-loss point.

import type { Model } from '../nn/model.js';
import { grid2d, packParams } from '../ops/params.js';
import { rowSumSquares } from '../ops/reduce.js';
import { Tensor } from '../tensor/tensor.js';
import { clone } from './fgsm.js';
import { projectL2 } from './kernels.js';
import { lossGradient, type LossGradient } from './losses.js';
import { DEFAULT_APGD, resolveAttackOptions, type ApgdOptions } from './options.js';
import { randomStart } from './pgd.js';
import type { AttackRandom } from './streams.js';
import { worstOverRuns } from './worst.js';

const STATE_COLUMNS = 8; // see shaders/apgd_track.wgsl
const MOMENTUM = 0.75;

/** The iterations (0-based) after which APGD checks its step size, for `steps` iterations. */
export function apgdCheckpoints(steps: number): number[] {
  const first = Math.max(Math.floor(0.22 * steps), 1);
  const shortest = Math.max(Math.floor(0.06 * steps), 1);
  const shrink = Math.max(Math.floor(0.03 * steps), 1);
  const checkpoints: number[] = [];
  for (let window = first, at = first; at <= steps; window = Math.max(window - shrink, shortest), at += window) checkpoints.push(at - 1);
  return checkpoints;
}

/** APGD adversarial examples for x [n, ...] with labels y [n]; `rng` draws the random starts. */
export function apgd(model: Model, x: Tensor, y: Tensor, rng: AttackRandom, options: Partial<ApgdOptions> = {}): Tensor {
  const o = resolveAttackOptions('apgd', DEFAULT_APGD, options, { model, x, y, rng });
  return worstOverRuns(model, x, y, o, rng, (targets, rng) => apgdRun(model, x, y, randomStart(x, rng, o.norm, o.eps), targets, o));
}

/** One APGD run from `start` (owned: it becomes the iterate); returns the run's adversarial examples. */
function apgdRun(model: Model, x0: Tensor, y: Tensor, start: Tensor, targets: Tensor | null, o: ApgdOptions): Tensor {
  const gpu = x0.gpu;
  const n = x0.shape[0];
  const d = x0.size / n;
  const x = start;
  const xOld = clone(x);
  const xBest = Tensor.empty(gpu, x.shape);
  const gBest = Tensor.empty(gpu, x.shape);
  const xAdv = Tensor.empty(gpu, x.shape);
  const state = Tensor.empty(gpu, [n, STATE_COLUMNS]);
  const flags = Tensor.empty(gpu, [n]);
  const z = o.norm === 'l2' ? Tensor.empty(gpu, x.shape) : Tensor.empty(gpu, [1]);
  const checkpoints = new Set(apgdCheckpoints(o.steps));
  let previous = -1;
  let at = lossGradient(model, x, y, o.loss, targets, o.bnMode);
  const rows = { x, g: at.grad, xBest, gBest, xAdv };
  try {
    track(at, state, flags, 0, 0, o);
    copyRows(flags, rows, n, d);
    for (let i = 0; i < o.steps; i++) {
      step(x0, at.grad, state, z, x, xOld, i === 0 ? 1 : MOMENTUM, o);
      at.dispose();
      at = lossGradient(model, x, y, o.loss, targets, o.bnMode);
      rows.g = at.grad;
      const checkpoint = checkpoints.has(i);
      track(at, state, flags, checkpoint ? 2 : 1, checkpoint ? i - previous : 0, o);
      if (checkpoint) previous = i;
      copyRows(flags, rows, n, d);
    }
    track(at, state, flags, 3, 0, o);
    copyRows(flags, rows, n, d);
  } finally {
    at.dispose();
    [x, xOld, xBest, gBest, state, flags, z].forEach((t) => t.dispose());
  }
  return xAdv;
}

/** x <- x' of one APGD step (shaders/apgd_step.wgsl); l2 projects the trial point and the result. */
function step(x0: Tensor, g: Tensor, state: Tensor, z: Tensor, x: Tensor, xOld: Tensor, momentum: number, o: ApgdOptions): void {
  const gpu = x.gpu;
  const n = x.shape[0];
  const gNorms = o.norm === 'l2' ? rowSumSquares(g) : null;
  const [gx, gy] = grid2d(Math.ceil(x.size / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  const dispatch = (phase: number) => gpu.run({
    shader: 'apgd_step',
    label: `apgd step ${o.norm}`,
    constants: { NORM: o.norm === 'linf' ? 0 : 1, PHASE: phase },
    storage: [
      { buffer: g.buffer, bytes: g.bytes },
      { buffer: x0.buffer, bytes: x0.bytes },
      { buffer: (gNorms ?? g).buffer, bytes: gNorms ? gNorms.bytes : 4 },
      { buffer: state.buffer, bytes: state.bytes },
      { buffer: z.buffer, bytes: z.bytes },
      { buffer: x.buffer, bytes: x.bytes },
      { buffer: xOld.buffer, bytes: xOld.bytes },
    ],
    params: packParams([['u32', n], ['u32', x.size / n], ['u32', gx * 64], ['f32', o.eps], ['f32', momentum], ['u32', STATE_COLUMNS], ['u32', 0], ['u32', 0]]),
    workgroups: [gx, gy],
  });
  dispatch(0);
  if (o.norm === 'l2') {
    projectL2(z, x0, o.eps);
    dispatch(1);
    projectL2(x, x0, o.eps);
  }
  gNorms?.dispose();
}

/** Per-sample bookkeeping (shaders/apgd_track.wgsl): MODE 0 init, 1 iterate, 2 checkpoint, 3 finish. */
function track(at: LossGradient, state: Tensor, flags: Tensor, mode: number, window: number, o: ApgdOptions): void {
  const n = flags.shape[0];
  at.losses.gpu.run({
    shader: 'apgd_track',
    label: `apgd track mode ${mode}`,
    constants: { MODE: mode },
    storage: [
      { buffer: at.losses.buffer, bytes: at.losses.bytes },
      { buffer: at.correct.buffer, bytes: at.correct.bytes },
      { buffer: state.buffer, bytes: state.bytes },
      { buffer: flags.buffer, bytes: flags.bytes },
    ],
    params: packParams([['u32', n], ['u32', window], ['f32', o.rho], ['f32', 2 * o.eps]]),
    workgroups: [Math.ceil(n / 64)],
  });
}

/** The row copies FLAGS asks for (shaders/apgd_copy.wgsl). */
function copyRows(flags: Tensor, r: { x: Tensor; g: Tensor; xBest: Tensor; gBest: Tensor; xAdv: Tensor }, n: number, d: number): void {
  const gpu = flags.gpu;
  const [gx, gy] = grid2d(Math.ceil((n * d) / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.run({
    shader: 'apgd_copy',
    label: 'apgd copy rows',
    storage: [flags, r.x, r.g, r.xBest, r.gBest, r.xAdv].map((t) => ({ buffer: t.buffer, bytes: t.bytes })),
    params: packParams([['u32', n], ['u32', d], ['u32', gx * 64], ['u32', 0]]),
    workgroups: [gx, gy],
  });
}

// APGD (auto-PGD, Croce & Hein 2020) for l-inf and l2 on inputs in [0, 1], on the device: initial
// step 2·eps per sample, momentum 0.75, checkpoints at p_0 = 0, p_1 = 0.22 and
// p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) of the iterations, where a sample's step is halved
// (and it restarts from its best point) if fewer than rho of the steps since the last checkpoint
// raised its loss, or if its step was not halved at the last checkpoint and its best loss did not
// improve. Losses CE, CW margin, DLR, targeted DLR/CW (APGD-T); restarts and targets keep each
// sample's worst case. Returns a misclassified iterate where one was found, else the best-loss point.

import type { Model } from '../nn/model.js';
import { APGD_STATE_COLUMNS, apgdCopyRows, apgdStep, apgdTrack } from '../ops/apgd.js';
import { Tensor } from '../tensor/tensor.js';
import { clone } from './fgsm.js';
import { lossGradient } from './losses.js';
import { DEFAULT_APGD, resolveAttackOptions, type ApgdOptions } from './options.js';
import { randomStart } from './pgd.js';
import type { AttackRandom } from './streams.js';
import { worstOverRuns } from './worst.js';

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
  const state = Tensor.empty(gpu, [n, APGD_STATE_COLUMNS]);
  const flags = Tensor.empty(gpu, [n]);
  const z = o.norm === 'l2' ? Tensor.empty(gpu, x.shape) : Tensor.empty(gpu, [1]);
  const checkpoints = new Set(apgdCheckpoints(o.steps));
  let previous = -1;
  let at = lossGradient(model, x, y, o.loss, targets, o.bnMode);
  const rows = { x, g: at.grad, xBest, gBest, xAdv };
  try {
    apgdTrack(at.losses, at.correct, state, flags, 'init', 0, o.rho, o.eps);
    apgdCopyRows(flags, rows, n, d);
    for (let i = 0; i < o.steps; i++) {
      apgdStep(x0, at.grad, state, z, x, xOld, i === 0 ? 1 : MOMENTUM, o.norm, o.eps);
      at.dispose();
      at = lossGradient(model, x, y, o.loss, targets, o.bnMode);
      rows.g = at.grad;
      const checkpoint = checkpoints.has(i);
      apgdTrack(at.losses, at.correct, state, flags, checkpoint ? 'checkpoint' : 'iterate', checkpoint ? i - previous : 0, o.rho, o.eps);
      if (checkpoint) previous = i;
      apgdCopyRows(flags, rows, n, d);
    }
    apgdTrack(at.losses, at.correct, state, flags, 'finish', 0, o.rho, o.eps);
    apgdCopyRows(flags, rows, n, d);
  } finally {
    at.dispose();
    [x, xOld, xBest, gBest, state, flags, z].forEach((t) => t.dispose());
  }
  return xAdv;
}

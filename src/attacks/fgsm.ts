// Single-step l-inf attacks as functions (model, x, y, ...) -> x_adv on the device:
// FGSM (x + eps·sign ∇x L), FGSM-RS (uniform start in the ball, step 1.25·eps, projected; Wong et
// al. 2020) and N-FGSM (noise 2·eps, step eps, no projection; de Jorge et al. 2022). x in [0, 1].

import { add } from '../ops/binary.js';
import { map } from '../ops/map.js';
import { randomUniform } from '../ops/random.js';
import { NO_PARAM_GRADS } from '../nn/gradient_sink.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { attackStep } from '../ops/attack_step.js';
import {
  DEFAULT_FGSM,
  DEFAULT_FGSM_RS,
  DEFAULT_N_FGSM,
  resolveAttackOptions,
  type AttackBnMode,
  type FgsmOptions,
  type RandomStartFgsmOptions,
} from './options.js';

/**
 * ∇x of the mean cross-entropy at x (labels y [n], class indices as f32), with BatchNorm as
 * `bnMode` says and its running buffers left untouched. The caller disposes the result.
 */
export function inputGradient(model: Model, x: Tensor, y: Tensor, bnMode: AttackBnMode): Tensor {
  const result = model.lossAndGrad(x, y, {
    mode: bnMode === 'eval' ? 'eval' : 'train',
    freezeBnStats: true,
    grads: NO_PARAM_GRADS,
    inputGrad: true,
  });
  result.losses.dispose();
  result.correct.dispose();
  return result.inputGrad as Tensor;
}

/** A device copy of x. */
export function clone(x: Tensor): Tensor {
  const out = Tensor.empty(x.gpu, x.shape);
  x.gpu.copy(x.buffer, 0, out.buffer, 0, x.bytes);
  return out;
}

/** FGSM: clip01(x + eps·sign(∇x L(x, y))). */
export function fgsm(model: Model, x: Tensor, y: Tensor, options: Partial<FgsmOptions> = {}): Tensor {
  const o = resolveAttackOptions('fgsm', DEFAULT_FGSM, options, { model, x, y });
  const adv = clone(x);
  const g = inputGradient(model, x, y, o.bnMode);
  attackStep(adv, x, g, 'linf', o.eps, o.eps, true);
  g.dispose();
  return adv;
}

/**
 * Random-start single-step attack: x0 = clip01(x + U(-noise·eps, noise·eps)), then one signed
 * step of stepFactor·eps, projected onto the eps-ball if `project`, clipped to [0, 1].
 * Defaults are FGSM-RS; use fgsmRs / nFgsm for the named variants.
 */
export function randomStartFgsm(
  model: Model,
  x: Tensor,
  y: Tensor,
  rng: Rng,
  options: Partial<RandomStartFgsmOptions> = {},
  attack = 'randomStartFgsm',
  defaults: RandomStartFgsmOptions = DEFAULT_FGSM_RS,
): Tensor {
  const o = resolveAttackOptions(attack, defaults, options, { model, x, y, rng });
  const adv = uniformStart(x, rng, o.noiseFactor * o.eps);
  const g = inputGradient(model, adv, y, o.bnMode);
  attackStep(adv, x, g, 'linf', o.stepFactor * o.eps, o.eps, o.project);
  g.dispose();
  return adv;
}

/** FGSM-RS (fast AT): uniform start in the eps-ball, step 1.25·eps, projection. */
export function fgsmRs(model: Model, x: Tensor, y: Tensor, rng: Rng, options: Partial<RandomStartFgsmOptions> = {}): Tensor {
  return randomStartFgsm(model, x, y, rng, options, 'fgsmRs', DEFAULT_FGSM_RS);
}

/** N-FGSM: uniform start in the 2·eps-ball, step eps, no projection. */
export function nFgsm(model: Model, x: Tensor, y: Tensor, rng: Rng, options: Partial<RandomStartFgsmOptions> = {}): Tensor {
  return randomStartFgsm(model, x, y, rng, options, 'nFgsm', DEFAULT_N_FGSM);
}

/** clip01(x + U(-radius, radius)) elementwise, from `rng` on the device. */
export function uniformStart(x: Tensor, rng: Rng, radius: number): Tensor {
  if (radius === 0) return clone(x);
  const noise = randomUniform(x.gpu, x.shape, rng, -radius, radius);
  const shifted = add(x, noise);
  noise.dispose();
  const clipped = map(shifted, 'clamp', 0, 1);
  shifted.dispose();
  return clipped;
}

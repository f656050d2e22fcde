// PGD-k (Madry et al. 2018) for l-inf and l2 on inputs in [0, 1]: random or zero start, k steps
// of size stepSize on the chosen loss (cross-entropy, CW margin or DLR, optionally targeted) with
// projection onto the eps-ball and [0, 1] clipping, and restarts (and targets) that keep each
// sample's worst case (misclassified first, then highest cross-entropy).

import type { Model } from '../nn/model.js';
import { add } from '../ops/binary.js';
import { map } from '../ops/map.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { clone, inputGradient, uniformStart } from './fgsm.js';
import { attackStep, projectL2, type Norm } from '../ops/attack_step.js';
import { lossGradient } from './losses.js';
import { DEFAULT_PGD, resolveAttackOptions, type PgdOptions } from './options.js';
import type { AttackRandom, SampleStreams } from './streams.js';
import { worstOverRuns } from './worst.js';

/** PGD adversarial examples for x [n, ...] with labels y [n]; `rng` draws the random starts. */
export function pgd(model: Model, x: Tensor, y: Tensor, rng: AttackRandom, options: Partial<PgdOptions> = {}): Tensor {
  const o = resolveAttackOptions('pgd', DEFAULT_PGD, options, { model, x, y, rng });
  return worstOverRuns(model, x, y, o, rng, (targets, rng) => {
    const adv = o.start === 'zero' ? clone(x) : randomStart(x, rng, o.norm, o.eps);
    for (let k = 0; k < o.steps; k++) {
      const g = o.loss === 'ce' ? inputGradient(model, adv, y, o.bnMode) : gradientOnly(model, adv, y, o, targets);
      attackStep(adv, x, g, o.norm, o.stepSize, o.eps, true);
      g.dispose();
    }
    return adv;
  });
}

function gradientOnly(model: Model, x: Tensor, y: Tensor, o: PgdOptions, targets: Tensor | null): Tensor {
  const { losses, correct, grad } = lossGradient(model, x, y, o.loss, targets, o.bnMode);
  losses.dispose();
  correct.dispose();
  return grad;
}

/**
 * A random start in the eps-ball: uniform per element (l-inf; drawn on the device from an Rng, on
 * the host from per-sample streams) or uniform in the l2 ball, clipped to [0, 1].
 */
export function randomStart(x: Tensor, rng: AttackRandom, norm: Norm, eps: number): Tensor {
  if (norm === 'l2') return uniformL2Start(x, rng, eps);
  return rng instanceof Rng ? uniformStart(x, rng, eps) : streamsUniformStart(x, rng, eps);
}

/** clip01(x + U(-eps, eps)) with each row's noise from its own stream. */
function streamsUniformStart(x: Tensor, streams: SampleStreams, eps: number): Tensor {
  if (eps === 0) return clone(x);
  const noise = Tensor.fromArray(x.gpu, streams.uniform(x.size, -eps, eps), x.shape);
  const shifted = add(x, noise);
  noise.dispose();
  const clipped = map(shifted, 'clamp', 0, 1);
  shifted.dispose();
  return clipped;
}

/** x + delta with delta uniform in the l2 eps-ball per sample (Gaussian direction, radius eps·u^(1/d)), clipped. */
function uniformL2Start(x: Tensor, rng: AttackRandom, eps: number): Tensor {
  const n = x.shape[0];
  const d = x.size / n;
  const z = rng.normal(n * d);
  const u = rng.uniform(n);
  for (let i = 0; i < n; i++) {
    let norm2 = 0;
    for (let k = 0; k < d; k++) norm2 += z[i * d + k] ** 2;
    const scale = (eps * u[i] ** (1 / d)) / Math.max(Math.sqrt(norm2), 1e-12);
    for (let k = 0; k < d; k++) z[i * d + k] *= scale;
  }
  const delta = Tensor.fromArray(x.gpu, z, x.shape);
  const moved = add(x, delta);
  delta.dispose();
  projectL2(moved, x, eps); // also clips to [0, 1]
  return moved;
}

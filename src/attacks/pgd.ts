// PGD-k (Madry et al. 2018) for l-inf and l2 on inputs in [0, 1]: random or zero start, k steps
// of size stepSize with projection onto the eps-ball and [0, 1] clipping, and restarts that keep
// each sample's worst case (misclassified first, then highest loss).

import type { Model } from '../nn/model.js';
import { add } from '../ops/binary.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { clone, inputGradient, uniformStart } from './fgsm.js';
import { attackStep, keepWorst, projectL2 } from './kernels.js';
import { DEFAULT_PGD, resolveAttackOptions, type PgdOptions } from './options.js';

/** PGD adversarial examples for x [n, ...] with labels y [n]; `rng` draws the random starts. */
export function pgd(model: Model, x: Tensor, y: Tensor, rng: Rng, options: Partial<PgdOptions> = {}): Tensor {
  const o = resolveAttackOptions('pgd', DEFAULT_PGD, options);
  const n = x.shape[0];
  let best: Tensor | null = null;
  let score: Tensor | null = null;
  for (let restart = 0; restart < o.restarts; restart++) {
    const adv = startPoint(x, rng, o);
    for (let k = 0; k < o.steps; k++) {
      const g = inputGradient(model, adv, y, o.bnMode);
      attackStep(adv, x, g, o.norm, o.stepSize, o.eps, true);
      g.dispose();
    }
    if (o.restarts === 1) return adv;
    best ??= clone(x);
    score ??= Tensor.fromArray(x.gpu, new Float32Array(2 * n).map((_, i) => (i % 2 === 0 ? -1 : 0)), [n, 2]);
    const logits = model.forward(adv, { mode: o.bnMode === 'eval' ? 'eval' : 'train', freezeBnStats: true, record: false });
    keepWorst(logits, y, adv, score, best);
    logits.dispose();
    adv.dispose();
  }
  score?.dispose();
  return best as Tensor;
}

function startPoint(x: Tensor, rng: Rng, o: PgdOptions): Tensor {
  if (o.start === 'zero') return clone(x);
  if (o.norm === 'linf') return uniformStart(x, rng, o.eps);
  return uniformL2Start(x, rng, o.eps);
}

/** x + delta with delta uniform in the l2 eps-ball per sample (Gaussian direction, radius eps·u^(1/d)), clipped. */
function uniformL2Start(x: Tensor, rng: Rng, eps: number): Tensor {
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

// Single-step AT with an anisotropic random start (our design for the study's third finding):
// δ0 = eps·(s ⊙ u) with u ~ U(−1, 1)^d and a NON-constant scale s in [0, maxScale]: i.i.d.
// uniform per element, uniform per channel, or proportional to a running average of |∇x L|
// (normalised to mean 1); then one signed step of stepFactor·eps, projection onto the eps-ball
// and clipping to [0, 1], as FGSM-RS.

import { NtkError } from '../errors.js';
import { add, mul } from '../ops/binary.js';
import { channelAffine } from '../ops/channel_affine.js';
import { channelSum } from '../ops/channel_sum.js';
import { map } from '../ops/map.js';
import { randomUniform } from '../ops/random.js';
import { meanAll } from '../ops/reduce.js';
import { requireChoice, requirePositive } from '../options.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { inputGradient } from './fgsm.js';
import { attackStep } from '../ops/attack_step.js';
import { resolveAttackOptions, type FgsmOptions } from './options.js';

/** How the random start noise of anisotropicFgsm can be scaled: the same everywhere, per channel, or by the running average of |∇x L| (GradientScale). */
export const ANISOTROPIES = ['uniform', 'channel', 'gradient'] as const;
/** One of ANISOTROPIES. */
export type Anisotropy = (typeof ANISOTROPIES)[number];

/** Options of anisotropicFgsm. */
export interface AnisotropicFgsmOptions extends FgsmOptions {
  anisotropy: Anisotropy;
  /** Step size as a multiple of eps (FGSM-RS's 1.25 by default). */
  stepFactor: number;
  /** Upper bound of the scale s (its mean is 1 for `gradient`, maxScale/2 for the uniform kinds). */
  maxScale: number;
}

/** Defaults of anisotropicFgsm (see AnisotropicFgsmOptions). */
export const DEFAULT_ANISOTROPIC_FGSM: AnisotropicFgsmOptions = {
  eps: 0.1,
  bnMode: 'eval',
  anisotropy: 'uniform',
  stepFactor: 1.25,
  maxScale: 2,
};

/**
 * The running average m of |∇x L| per input element (mean over each batch, EMA over batches) that
 * the `gradient` anisotropy scales its noise by. Before the first update the scale is 1 everywhere.
 */
export class GradientScale {
  private readonly average: Tensor;
  private updates = 0;

  /** A scale for inputs of `inputShape` (one sample), averaged with EMA weight `momentum`. */
  constructor(
    gpu: Model['gpu'],
    readonly inputShape: Shape,
    readonly momentum = 0.9,
  ) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new NtkError('E_INVALID_ARGUMENT', `GradientScale: momentum must be in [0, 1), got ${momentum}.`, { option: 'momentum' });
    }
    this.average = Tensor.zeros(gpu, inputShape);
  }

  /** m <- momentum·m + (1 − momentum)·mean_batch |g| for g [n, ...inputShape]. */
  update(g: Tensor): void {
    const n = g.shape[0];
    const abs = map(g, 'abs');
    const rows = abs.reshape([n, abs.size / n]);
    const sums = channelSum(rows); // [d]: Σ over the batch
    const batchMean = map(sums, 'affine', (1 - this.momentum) / n, 0);
    const decayed = map(this.average, 'affine', this.updates === 0 ? 0 : this.momentum, 0);
    const next = add(decayed, batchMean.reshape(this.inputShape));
    this.average.gpu.copy(next.buffer, 0, this.average.buffer, 0, this.average.bytes);
    [abs, rows, sums, batchMean, decayed, next].forEach((t) => t.dispose());
    this.updates++;
  }

  /** s = clamp(m / mean(m), 0, maxScale), shape inputShape (all ones before the first update). */
  scale(maxScale: number): Tensor {
    if (this.updates === 0) return Tensor.fromArray(this.average.gpu, new Float32Array(this.average.size).fill(1), this.inputShape);
    const mean = meanAll(this.average);
    const inverse = map(mean, 'reciprocal', 1);
    const normalised = mul(this.average, inverse);
    const clamped = map(normalised, 'clamp', 0, maxScale);
    [mean, inverse, normalised].forEach((t) => t.dispose());
    return clamped;
  }

  /** The state for a checkpoint: the running average and the number of updates. */
  async exportState(): Promise<Record<string, Float32Array>> {
    return { 'anisotropy.average': await this.average.read(), 'anisotropy.updates': Float32Array.of(this.updates) };
  }

  /** Restores exportState()'s output. */
  importState(state: Record<string, Float32Array>): void {
    const average = state['anisotropy.average'];
    const updates = state['anisotropy.updates'];
    if (!average || average.length !== this.average.size || !updates || updates.length !== 1) {
      throw new NtkError(
        'E_CHECKPOINT_MISMATCH',
        'GradientScale: the checkpoint lacks "anisotropy.average"/"anisotropy.updates" of this input shape.',
        {
          field: 'anisotropy.average',
        },
      );
    }
    this.average.gpu.write(this.average.buffer, 0, average);
    this.updates = updates[0];
  }

  /** Frees the running average. */
  dispose(): void {
    this.average.dispose();
  }
}

/**
 * Anisotropic-start FGSM on x [n, ...] in [0, 1] with labels y [n]. `gradientScale` is required
 * for the `gradient` kind and is updated with this step's input gradient.
 */
export function anisotropicFgsm(
  model: Model,
  x: Tensor,
  y: Tensor,
  rng: Rng,
  options: Partial<AnisotropicFgsmOptions> = {},
  gradientScale: GradientScale | null = null,
): Tensor {
  const o = resolveAttackOptions('anisotropicFgsm', DEFAULT_ANISOTROPIC_FGSM, options, { model, x, y, rng });
  requireChoice('anisotropicFgsm', 'anisotropy', o.anisotropy, ANISOTROPIES);
  requirePositive('anisotropicFgsm', 'maxScale', o.maxScale);
  if (o.anisotropy === 'gradient' && !gradientScale) {
    throw new NtkError('E_INVALID_ARGUMENT', 'anisotropicFgsm: anisotropy "gradient" needs a GradientScale (the running |∇x L| average).', {
      option: 'anisotropy',
    });
  }
  const gpu = x.gpu;
  const u = randomUniform(gpu, x.shape, rng, -1, 1);
  const scaled = scaleNoise(u, o, rng, gradientScale);
  const delta = map(scaled, 'affine', o.eps, 0);
  const shifted = add(x, delta);
  const adv = map(shifted, 'clamp', 0, 1);
  [u, scaled, delta, shifted].forEach((t) => t.dispose());
  const g = inputGradient(model, adv, y, o.bnMode);
  gradientScale?.update(g);
  attackStep(adv, x, g, 'linf', o.stepFactor * o.eps, o.eps, true);
  g.dispose();
  return adv;
}

/** s ⊙ u for the chosen anisotropy (a new tensor; u stays owned by the caller). */
function scaleNoise(u: Tensor, o: AnisotropicFgsmOptions, rng: Rng, gradientScale: GradientScale | null): Tensor {
  if (o.anisotropy === 'uniform') {
    const s = randomUniform(u.gpu, u.shape, rng, 0, o.maxScale);
    const out = mul(u, s);
    s.dispose();
    return out;
  }
  if (o.anisotropy === 'channel') {
    const s = randomUniform(u.gpu, [u.shape[1]], rng, 0, o.maxScale);
    const out = channelAffine(u, s, null);
    s.dispose();
    return out;
  }
  const s = (gradientScale as GradientScale).scale(o.maxScale);
  const out = mul(u, s);
  s.dispose();
  return out;
}

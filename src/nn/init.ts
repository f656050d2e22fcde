// Weight initialisation schemes, drawn on the host from the project's seeded Rng (so the same
// seed gives the same weights in every runtime) and uploaded once. fanIn = inputs per output
// unit: in_features for Dense, in_channels * kh * kw for Conv2d.

import { NtkError } from '../errors.js';
import type { Rng } from '../random/rng.js';

/**
 * - `kaiming-normal`: W ~ N(0, 2 / fanIn) (He et al. 2015, ReLU gain √2, fan-in mode); bias 0.
 * - `kaiming-uniform`: W ~ U(±√(6 / fanIn)) (same variance as kaiming-normal); bias 0.
 * - `pytorch-default`: W ~ U(±1/√fanIn) (PyTorch's nn.Linear/nn.Conv2d reset_parameters:
 *   kaiming_uniform with a = √5) and bias ~ U(±1/√fanIn).
 */
export const INIT_SCHEMES = ['kaiming-normal', 'kaiming-uniform', 'pytorch-default'] as const;
/** A weight initialisation scheme (one of INIT_SCHEMES). */
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** `count` weights for a layer with `fanIn` inputs per unit under `scheme`. */
export function initWeights(scheme: InitScheme, rng: Rng, count: number, fanIn: number): Float32Array {
  switch (scheme) {
    case 'kaiming-normal':
      return rng.normal(count, 0, Math.sqrt(2 / fanIn));
    case 'kaiming-uniform': {
      const bound = Math.sqrt(6 / fanIn);
      return rng.uniform(count, -bound, bound);
    }
    case 'pytorch-default': {
      const bound = 1 / Math.sqrt(fanIn);
      return rng.uniform(count, -bound, bound);
    }
    default:
      throw unknownScheme(scheme);
  }
}

/** `count` biases for a layer with `fanIn` inputs per unit under `scheme`. */
export function initBias(scheme: InitScheme, rng: Rng, count: number, fanIn: number): Float32Array {
  switch (scheme) {
    case 'kaiming-normal':
    case 'kaiming-uniform':
      return new Float32Array(count);
    case 'pytorch-default': {
      const bound = 1 / Math.sqrt(fanIn);
      return rng.uniform(count, -bound, bound);
    }
    default:
      throw unknownScheme(scheme);
  }
}

function unknownScheme(scheme: string): NtkError {
  return new NtkError('E_INVALID_ARGUMENT', `unknown init scheme "${scheme}"; use one of ${INIT_SCHEMES.join(', ')}.`, { scheme });
}

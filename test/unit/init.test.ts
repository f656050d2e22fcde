// Initialisation schemes: the documented distributions (Kaiming/He normal and uniform with
// variance 2/fanIn, PyTorch's default U(±1/√fanIn) for weights and biases), reproducible from a
// seed, and a typed error for an unknown scheme.

import { describe, expect, it } from 'vitest';
import { NtkError } from '../../src/errors.js';
import { initBias, initWeights, type InitScheme } from '../../src/nn/init.js';
import { Rng } from '../../src/random/rng.js';

function moments(v: Float32Array): { mean: number; variance: number; maxAbs: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, variance, maxAbs: v.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
}

describe('init schemes', () => {
  const fanIn = 200;
  const count = 40_000;

  it('kaiming-normal and kaiming-uniform have variance 2 / fanIn; biases are zero', () => {
    for (const scheme of ['kaiming-normal', 'kaiming-uniform'] as const) {
      const m = moments(initWeights(scheme, new Rng(1), count, fanIn));
      expect(Math.abs(m.mean)).toBeLessThan(0.002);
      expect(m.variance / (2 / fanIn)).toBeGreaterThan(0.97);
      expect(m.variance / (2 / fanIn)).toBeLessThan(1.03);
      expect(initBias(scheme, new Rng(1), 10, fanIn).every((b) => b === 0)).toBe(true);
    }
    expect(moments(initWeights('kaiming-uniform', new Rng(1), count, fanIn)).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / fanIn));
  });

  it('pytorch-default draws weights and biases from U(±1/√fanIn)', () => {
    const bound = 1 / Math.sqrt(fanIn);
    const w = moments(initWeights('pytorch-default', new Rng(2), count, fanIn));
    expect(w.maxAbs).toBeLessThanOrEqual(bound);
    expect(w.maxAbs).toBeGreaterThan(0.99 * bound);
    expect(w.variance / (bound ** 2 / 3)).toBeGreaterThan(0.97);
    expect(w.variance / (bound ** 2 / 3)).toBeLessThan(1.03);
    const b = moments(initBias('pytorch-default', new Rng(3), count, fanIn));
    expect(b.maxAbs).toBeLessThanOrEqual(bound);
    expect(b.variance).toBeGreaterThan(0);
  });

  it('the same seed gives the same weights; an unknown scheme is a typed error', () => {
    expect(initWeights('kaiming-normal', new Rng(5), 100, 10)).toEqual(initWeights('kaiming-normal', new Rng(5), 100, 10));
    expect(() => initWeights('xavier' as InitScheme, new Rng(1), 4, 2)).toThrowError(NtkError);
    expect(() => initWeights('xavier' as InitScheme, new Rng(1), 4, 2)).toThrowError(/xavier/);
  });
});

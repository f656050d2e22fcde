// Finite-difference checks of the float64 reference gradients (the oracle the device ops are
// tested against): every op's backward and whole reference models (MLP with Normalize, residual
// blocks) agree with central differences of a scalar loss to ~1e-7 relative.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.js';
import {
  RefDense,
  RefFlatten,
  RefNormalize,
  RefReLU,
  RefResidual,
  RefSequential,
  refLossAndGrad,
  referenceMlp,
  type RefLayer,
  type RefTensor,
} from '../../src/reference/layers.js';
import {
  channelAffineRef,
  channelSumRef,
  denseBackwardRef,
  denseForwardRef,
  softmaxCrossEntropyBackwardRef,
  softmaxCrossEntropyRef,
} from '../../src/reference/nn.js';

const H = 1e-6;

/** Central difference of f at x in coordinate i (x is restored). */
function centralDiff(f: () => number, x: Float64Array, i: number): number {
  const v = x[i];
  x[i] = v + H;
  const up = f();
  x[i] = v - H;
  const down = f();
  x[i] = v;
  return (up - down) / (2 * H);
}

/** max |analytic - numeric| / max(1, |numeric|) over every coordinate of x. */
function fdError(f: () => number, x: Float64Array, analytic: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++)
    worst = Math.max(worst, Math.abs(analytic[i] - centralDiff(f, x, i)) / Math.max(1, Math.abs(analytic[i])));
  return worst;
}

function randoms(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from(rng.uniform(n, lo, hi));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('reference op gradients vs finite differences', () => {
  it('dense: dx, dW, db of <y, r>', () => {
    const rng = new Rng(1);
    const [n, inF, outF] = [3, 5, 4];
    const x = randoms(rng, n * inF);
    const w = randoms(rng, outF * inF);
    const b = randoms(rng, outF);
    const r = randoms(rng, n * outF);
    const f = () => dot(denseForwardRef(x, w, b, n, inF, outF), r);
    const { dx, dw, db } = denseBackwardRef(x, w, r, n, inF, outF);
    expect(fdError(f, x, dx)).toBeLessThan(1e-7);
    expect(fdError(f, w, dw)).toBeLessThan(1e-7);
    expect(fdError(f, b, db)).toBeLessThan(1e-7);
  });

  it('softmax cross-entropy: d(scale · Σ losses)/dlogits, including large logits', () => {
    const rng = new Rng(2);
    const [n, C] = [4, 7];
    const logits = randoms(rng, n * C, -3, 3);
    logits[3] = 80; // exp overflow without the max shift
    const labels = [0, 6, 3, 2];
    const scale = 1 / n;
    const f = () => scale * softmaxCrossEntropyRef(logits, labels, n, C).losses.reduce((a, v) => a + v, 0);
    expect(fdError(f, logits, softmaxCrossEntropyBackwardRef(logits, labels, n, C, scale))).toBeLessThan(1e-7);
  });

  it('channel affine (bias add, normalize) and channel sums', () => {
    const rng = new Rng(3);
    const [n, c, inner] = [2, 3, 5];
    const x = randoms(rng, n * c * inner);
    const scale = randoms(rng, c, 0.5, 2);
    const shift = randoms(rng, c);
    const r = randoms(rng, x.length);
    const f = () => dot(channelAffineRef(x, c, inner, scale, shift), r);
    // dL/dshift = per-channel sums of r; dL/dscale = per-channel sums of r * x; dL/dx = r * scale[c]
    expect(fdError(f, shift, channelSumRef(r, c, inner))).toBeLessThan(1e-7);
    expect(
      fdError(
        f,
        scale,
        channelSumRef(
          r.map((v, i) => v * x[i]),
          c,
          inner,
        ),
      ),
    ).toBeLessThan(1e-7);
    expect(fdError(f, x, channelAffineRef(r, c, inner, scale, null))).toBeLessThan(1e-7);
  });

  it('relu, flatten and normalize layers: input gradients of <y, r>', () => {
    const rng = new Rng(4);
    const shape = [2, 3, 2, 2];
    const x: RefTensor = { shape, data: randoms(rng, 24) };
    x.data.forEach((v, i) => Math.abs(v) < 0.05 && (x.data[i] = 0.3)); // stay away from the kink
    const r = randoms(rng, 24);
    const layers: RefLayer[] = [new RefReLU(), new RefFlatten(), new RefNormalize([0.1, -0.2, 0.3], [0.5, 2, 1.5])];
    for (const layer of layers) {
      const f = () => dot(layer.forward(x).data, r);
      f();
      expect(fdError(f, x.data, layer.backward({ shape: layer.forward(x).shape, data: r }).data)).toBeLessThan(1e-7);
    }
  });
});

describe('reference models vs finite differences of the mean cross-entropy', () => {
  function checkModel(root: RefLayer, x: RefTensor, labels: number[]): void {
    const { dx } = refLossAndGrad(root, x, labels);
    const params = root.params();
    const grads = params.map((p) => p.grad.slice());
    const loss = () => refLossAndGrad(root, x, labels).loss;
    params.forEach((p, k) => expect(fdError(loss, p.value, grads[k]), p.name).toBeLessThan(1e-6));
    expect(fdError(loss, x.data, dx.data), 'input gradient').toBeLessThan(1e-6);
  }

  it('MLP with Normalize, Flatten and two hidden layers', () => {
    const rng = new Rng(5);
    const options = { inputShape: [2, 2, 2], hidden: [6, 5], classes: 3, normalize: { mean: [0.2, -0.1], std: [0.7, 1.3] } };
    const state: Record<string, Float64Array> = {};
    for (const [name, size] of [
      ['fc1.weight', 48],
      ['fc1.bias', 6],
      ['fc2.weight', 30],
      ['fc2.bias', 5],
      ['fc3.weight', 15],
      ['fc3.bias', 3],
    ] as const) {
      state[name] = randoms(rng, size);
    }
    const root = referenceMlp(options, state);
    expect(root.params().map((p) => p.name)).toEqual(Object.keys(state));
    checkModel(root, { shape: [4, 2, 2, 2], data: randoms(rng, 32) }, [0, 2, 1, 2]);
  });

  it('residual blocks with identity and dense shortcuts', () => {
    const rng = new Rng(6);
    const dense = (name: string, i: number, o: number) => new RefDense(name, i, o, randoms(rng, i * o), randoms(rng, o));
    const root = new RefSequential([
      new RefResidual(new RefSequential([dense('b1.fc1', 4, 4), new RefReLU(), dense('b1.fc2', 4, 4)])),
      new RefReLU(),
      new RefResidual(new RefSequential([dense('b2.fc1', 4, 6), new RefReLU(), dense('b2.fc2', 6, 3)]), dense('b2.short', 4, 3)),
    ]);
    checkModel(root, { shape: [3, 4], data: randoms(rng, 12) }, [1, 0, 2]);
  });
});

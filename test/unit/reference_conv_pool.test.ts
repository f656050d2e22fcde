// Finite-difference checks of the float64 conv2d and pooling reference gradients (the oracles the
// device programs are compared with), plus the per-sample gradients summing to the batch gradient.

import { describe, expect, it } from 'vitest';
import { conv2dGeometry, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { pool2dGeometry } from '../../src/ops/pool2d.js';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef } from '../../src/reference/conv2d.js';
import { avgPool2dBackwardRef, avgPool2dRef, maxPool2dBackwardRef, maxPool2dRef } from '../../src/reference/pool2d.js';
import { dot, finiteDifferenceError, randomF64 } from './finite_difference.js';

const FD_TOL = 1e-7; // central differences of a function that is (piecewise) linear in the input: rounding only

describe('conv2d reference gradients', () => {
  const cases: Array<[number[], number[], Conv2dOptions]> = [
    [[2, 3, 5, 6], [4, 3, 3, 3], { padding: 1 }],
    [[3, 2, 7, 6], [3, 2, 2, 3], { stride: [2, 1], padding: [1, 0] }],
  ];
  for (const [x, w, options] of cases) {
    it(`x[${x}] w[${w}] ${JSON.stringify(options)}`, () => {
      const g = conv2dGeometry(x, w, options);
      const xs = randomF64(
        x.reduce((a, b) => a * b),
        1,
      );
      const ws = randomF64(
        w.reduce((a, b) => a * b),
        2,
      );
      const bs = randomF64(w[0], 3);
      const dy = randomF64(g.n * g.cout * g.oh * g.ow, 4);
      const loss = (xv: Float64Array, wv: Float64Array, bv: Float64Array) => dot(dy, conv2dRef(xv, wv, bv, g));
      expect(finiteDifferenceError((v) => loss(v, ws, bs), xs, conv2dBackwardInputRef(dy, ws, g))).toBeLessThan(FD_TOL);
      expect(finiteDifferenceError((v) => loss(xs, v, bs), ws, conv2dBackwardWeightRef(xs, dy, g))).toBeLessThan(FD_TOL);
      expect(finiteDifferenceError((v) => loss(xs, ws, v), bs, conv2dBackwardBiasRef(dy, g))).toBeLessThan(FD_TOL);
      const perSample = conv2dBackwardWeightRef(xs, dy, g, true);
      const size = ws.length;
      const summed = new Float64Array(size);
      for (let s = 0; s < g.n; s++) for (let i = 0; i < size; i++) summed[i] += perSample[s * size + i];
      const batch = conv2dBackwardWeightRef(xs, dy, g);
      summed.forEach((v, i) => expect(v).toBeCloseTo(batch[i], 12));
      const biasPerSample = conv2dBackwardBiasRef(dy, g, true);
      const firstSample = dy.subarray(0, g.cout * g.oh * g.ow);
      const oneSample = conv2dBackwardBiasRef(firstSample, { ...g, n: 1 });
      oneSample.forEach((v, i) => expect(biasPerSample[i]).toBeCloseTo(v, 12));
    });
  }
});

describe('pooling reference gradients', () => {
  it('max pool (distinct values, so the argmax is stable under the step)', () => {
    const g = pool2dGeometry([2, 3, 7, 8], { kernel: 3, stride: 2, padding: 1 });
    const xs = randomF64(2 * 3 * 7 * 8, 5);
    const dy = randomF64(g.n * g.c * g.oh * g.ow, 6);
    const error = finiteDifferenceError((v) => dot(dy, maxPool2dRef(v, g).y), xs, maxPool2dBackwardRef(dy, xs, g), 1e-7);
    expect(error).toBeLessThan(FD_TOL);
  });

  it('max pool ties go to the first element of the window', () => {
    const g = pool2dGeometry([1, 1, 2, 2], { kernel: 2 });
    const { y, argmaxIndex } = maxPool2dRef([3, 5, 5, 1], g);
    expect(Array.from(y)).toEqual([5]);
    expect(Array.from(argmaxIndex)).toEqual([1]);
  });

  for (const countIncludePad of [true, false]) {
    it(`average pool, countIncludePad ${countIncludePad}`, () => {
      const g = pool2dGeometry([2, 2, 6, 7], { kernel: [3, 2], stride: [1, 2], padding: [1, 1] });
      const xs = randomF64(2 * 2 * 6 * 7, 7);
      const dy = randomF64(g.n * g.c * g.oh * g.ow, 8);
      const grad = avgPool2dBackwardRef(dy, g, countIncludePad);
      expect(finiteDifferenceError((v) => dot(dy, avgPool2dRef(v, g, countIncludePad)), xs, grad)).toBeLessThan(FD_TOL);
    });
  }
});

// Elementwise binary ops (add, sub, mul, ReLU backward) against float64: same shapes and
// broadcast suffixes/scalars, sizes that are not multiples of the 64-thread workgroup nor of the
// 4 elements an invocation computes (every tail length), errors.

import { BINARY_OPS, binary, reluBackward, type BinaryOp } from '../../src/ops/binary.js';
import { binaryRef } from '../../src/reference/nn.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { absOf, scaledError } from './nn_check.js';

const SHAPES: Array<[number[], number[]]> = [
  [[1], [1]],
  [[2], [2]],
  [[3], [3]],
  [[1037], [1037]],
  [[1038], [1038]],
  [[1039], [1039]],
  [
    [4, 259],
    [4, 259],
  ],
  [[6, 6], [6]], // a suffix shorter than a vec4 tail: 36 elements, nb = 6
  [[7, 65], [65]], // bias-like suffix broadcast
  [
    [3, 5, 129],
    [5, 129],
  ],
  [[200, 3], [1]], // scalar
];

for (const op of Object.keys(BINARY_OPS) as BinaryOp[]) {
  for (const [aShape, bShape] of SHAPES) {
    if (op === 'reluBackward' && aShape.length !== bShape.length) continue; // defined on equal shapes only
    const name = `binary ${op} [${aShape}] [${bShape}]`;
    defineCase(name, async ({ gpu, metric, output }) => {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = randomF32(size(aShape), 11 + aShape.length, -4, 4);
      const b = randomF32(size(bShape), 12 + bShape.length, -4, 4);
      if (op === 'reluBackward') b[0] = 0; // the kink: gradient 0 at x = 0
      const [ta, tb] = [Tensor.fromArray(gpu, a, aShape), Tensor.fromArray(gpu, b, bShape)];
      const ty = op === 'reluBackward' ? reluBackward(ta, tb) : binary(ta, tb, op);
      const y = await ty.read();
      const ref = binaryRef(a, b, op);
      const tol = op === 'reluBackward' ? 0 : TOLERANCES.binary;
      metric('maxRelError', assertBelow(scaledError(y, ref, absOf(ref)), tol, name));
      output('y', y, { mode: 'bitwise' }); // one correctly rounded op: identical on every IEEE adapter
      [ta, tb, ty].forEach((t) => t.dispose());
    });
  }
}

defineCase('binary ops reject shapes that do not broadcast', async ({ gpu }) => {
  const a = Tensor.zeros(gpu, [4, 6]);
  const b = Tensor.zeros(gpu, [4]);
  const message = await expectCode('E_SHAPE_MISMATCH', () => binary(a, b, 'add'));
  assert(message.includes('[4,6]') && message.includes('[4]'), message);
  const c = Tensor.zeros(gpu, [6]);
  await expectCode('E_SHAPE_MISMATCH', () => reluBackward(a, c));
  await expectCode('E_INVALID_ARGUMENT', () => binary(a, a, 'pow' as BinaryOp));
  [a, b, c].forEach((t) => t.dispose());
});

// ReLU fused into its neighbours: conv2d's `relu` option (both paths, split-K included) against
// float64 and bit-identical to map(conv2d(.), 'relu'); a Sequential whose Conv2d and Dense layers
// fuse the ReLUs (forwardRelu, Dense's masked dx) gives the same bits as the layers run apart.

import type { Gpu } from '../../src/device/gpu.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { Dense } from '../../src/nn/dense.js';
import { Flatten } from '../../src/nn/flatten.js';
import type { Layer } from '../../src/nn/layer.js';
import { ReLU } from '../../src/nn/relu.js';
import { Sequential } from '../../src/nn/sequential.js';
import { conv2d, conv2dGeometry, type Conv2dOptions } from '../../src/ops/conv2d.js';
import { map } from '../../src/ops/map.js';
import { Rng } from '../../src/random/rng.js';
import { conv2dRef } from '../../src/reference/conv2d.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';
import { absOf, scaledError } from './nn_check.js';

const TRAIN = { mode: 'train' } as const;

// x shape, cout, kernel, options; the last has K = 913·9 = 8,217 terms: split on both paths
const CONV_SHAPES: Array<[number[], number, number, Conv2dOptions]> = [
  [[3, 2, 9, 11], 5, 3, { padding: 1 }],
  [[2, 3, 8, 7], 4, 2, { stride: 2 }],
  [[1, 913, 3, 3], 5, 3, {}],
];

for (const path of ['im2col', 'implicit'] as const) {
  for (const [xShape, cout, k, geometry] of CONV_SHAPES) {
    const name = `conv2d relu x[${xShape}] ${cout}x${k}x${k} ${JSON.stringify(geometry)} vs float64 and map relu (${path})`;
    defineCase(
      name,
      async ({ gpu, metric, output }) => {
        const options = { ...geometry, path };
        const wShape = [cout, xShape[1], k, k];
        const g = conv2dGeometry(xShape, wShape, options);
        const seed = xShape[1] * 101 + cout;
        const [xs, ws, bs] = [
          randomF32(g.n * g.c * g.h * g.w, seed),
          randomF32(
            wShape.reduce((a, b) => a * b),
            seed + 1,
          ),
          randomF32(cout, seed + 2),
        ];
        const [tx, tw, tb] = [Tensor.fromArray(gpu, xs, xShape), Tensor.fromArray(gpu, ws, wShape), Tensor.fromArray(gpu, bs, [cout])];
        const fused = conv2d(tx, tw, tb, { ...options, relu: true });
        const plain = conv2d(tx, tw, tb, options);
        const apart = map(plain, 'relu');
        const y = await fused.read();
        assertBitEqual(y, await apart.read(), `${name}: fused vs map relu`);
        const ref = conv2dRef(xs, ws, bs, g).map((v) => Math.max(v, 0));
        const scale = conv2dRef(absOf(xs), absOf(ws), absOf(bs), g);
        metric('yScaledError', assertBelow(scaledError(y, ref, scale), TOLERANCES.conv2d, name));
        output('y', y, { mode: 'tolerance', tol: TOLERANCES.conv2d * TOLERANCES.crossRuntimeFactor });
        await expectCode('E_INVALID_ARGUMENT', () => conv2d(tx, tw, tb, { ...options, relu: 1 as never }));
        [tx, tw, tb, fused, plain, apart].forEach((t) => t.dispose());
      },
      [`conv2d/${path}`],
    );
  }
}

/** Conv2d, ReLU, Conv2d, ReLU, Flatten, Dense, ReLU, Dense, ReLU, Dense, drawn from one seed. */
function net(gpu: Gpu): Layer[] {
  const rng = new Rng(24);
  return [
    new Conv2d(gpu, 'conv1', 2, 4, 3, rng, { padding: 1 }),
    new ReLU('relu1'),
    new Conv2d(gpu, 'conv2', 4, 3, 3, rng),
    new ReLU('relu2'),
    new Flatten('flatten'),
    new Dense(gpu, 'fc1', 3 * 7 * 7, 17, rng),
    new ReLU('relu3'),
    new Dense(gpu, 'fc2', 17, 11, rng),
    new ReLU('relu4'),
    new Dense(gpu, 'fc3', 11, 5, rng),
  ];
}

defineCase(
  'fused relu: a Sequential (Conv2d and Dense forwardRelu, Dense masked dx) gives the bits of the layers run apart',
  async ({ gpu, output }) => {
    const [n, xShape] = [3, [3, 2, 9, 9]];
    const x = Tensor.fromArray(
      gpu,
      randomF32(
        xShape.reduce((a, b) => a * b),
        7,
      ),
      xShape,
    );
    const dy = Tensor.fromArray(gpu, randomF32(n * 5, 8), [n, 5]);
    const fusedLayers = net(gpu);
    assert(fusedLayers.some((l) => l.forwardRelu) && fusedLayers.some((l) => l.fusesReluBackward), 'the net has layers that fuse');
    const fused = new Sequential('net', fusedLayers);
    const yFused = fused.forward(x, TRAIN);
    const dxFused = fused.backward(dy);

    // the same layers run one by one: ReLU's own forward and backward, no reluOutput
    const layers = net(gpu);
    let h = x.view();
    for (const layer of layers) {
      const next = layer.forward(h, TRAIN);
      h.dispose();
      h = next;
    }
    let g = dy.view();
    for (const layer of [...layers].reverse()) {
      const next = layer.backward(g);
      g.dispose();
      g = next;
    }
    const y = await yFused.read();
    assertBitEqual(y, await h.read(), 'y');
    assertBitEqual(await dxFused.read(), await g.read(), 'dx');
    const apartParams = layers.flatMap((l) => l.parameters());
    for (const [i, p] of fused.parameters().entries()) {
      assertBitEqual(await p.grad!.read(), await apartParams[i].grad!.read(), `gradient of ${p.name}`);
    }
    output('y', y, { mode: 'tolerance', tol: TOLERANCES.convModelGradient * TOLERANCES.crossRuntimeFactor });
    [x, dy, yFused, dxFused, h, g].forEach((t) => t.dispose());
    fused.dispose();
    layers.forEach((l) => l.dispose());
  },
);

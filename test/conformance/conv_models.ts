// Whole-model gradient checks: the CNN and a small PreAct-ResNet with BatchNorm (train mode,
// batch statistics) give the same loss, parameter gradients, input gradient and running-buffer
// updates as their float64 reference twins (same weights, same batch); per-sample gradients of
// the ResNet in eval mode match the reference sample by sample, and so do the empirical NTKs
// (both implementations) of both models; the CNN trains on a synthetic task; typed errors.

import type { Gpu } from '../../src/device/gpu.js';
import type { LayerSpec } from '../../src/nn/architecture.js';
import { cnnArchitecture, createCnn, type CnnOptions } from '../../src/nn/cnn.js';
import type { Model } from '../../src/nn/model.js';
import {
  createPreActResNet,
  preActResNetArchitecture,
  TINY_PREACT_RESNET_OPTIONS,
  type PreActResNetOptions,
} from '../../src/nn/preact_resnet.js';
import type { NtkError } from '../../src/errors.js';
import { empiricalNtk, type Kernel, type NtkOptions } from '../../src/ntk/kernel.js';
import { conv2dGeometry } from '../../src/ops/conv2d.js';
import { conv2dStructuredCheaper } from '../../src/ntk/conv2d_factors.js';
import { meanAll } from '../../src/ops/reduce.js';
import type { BatchNormStateRef } from '../../src/reference/batchnorm.js';
import { buildReferenceLayer } from '../../src/reference/conv_layers.js';
import { refLossAndGrad } from '../../src/reference/layers.js';
import { referenceNtk } from '../../src/reference/ntk.js';
import { Rng } from '../../src/random/rng.js';
import { NO_PARAM_GRADS } from '../../src/nn/gradient_sink.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { train } from '../../src/train/trainer.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, seededUniform } from './check.js';
import { defineCase } from './harness.js';
import { GEMM_VARIANTS } from '../../src/ops/matmul.js';
import { normwiseError } from './nn_check.js';

interface Built {
  model: Model;
  spec: LayerSpec;
  inputShape: readonly number[];
}

/** Loss, every parameter gradient, dx and the BN running buffers after one train step vs the reference. */
async function checkModelGradients(gpu: Gpu, built: Built, n: number, seed: number, metric: (k: string, v: number) => void): Promise<void> {
  const { model, spec, inputShape } = built;
  const size = n * inputShape.reduce((a, b) => a * b, 1);
  const xs = randomF32(size, seed, 0, 1);
  const u = seededUniform(seed + 1);
  const labels = Float32Array.from({ length: n }, () => Math.floor(u() * model.classes));
  const state = await model.exportState();
  const bnStates = new Map<string, BatchNormStateRef>();
  const ref = buildReferenceLayer(spec, state, { batchStats: true, update: true }, bnStates);
  const expected = refLossAndGrad(ref, { shape: [n, ...inputShape], data: Float64Array.from(xs) }, labels);

  const tx = Tensor.fromArray(gpu, xs, [n, ...inputShape]);
  const ty = Tensor.fromArray(gpu, labels, [n]);
  const result = model.lossAndGrad(tx, ty, { mode: 'train', inputGrad: true });
  const loss = meanAll(result.losses);
  const lossValue = (await loss.read())[0];
  let worst = Math.abs(lossValue - expected.loss) / Math.max(1, Math.abs(expected.loss));
  assertBelow(worst, TOLERANCES.convModelGradient, 'loss');
  const refParams = new Map(ref.params().map((p) => [p.name, p]));
  assert(refParams.size === model.parameters().length, `reference has ${refParams.size} parameters, model ${model.parameters().length}`);
  for (const p of model.parameters()) {
    const r = refParams.get(p.name);
    assert(r !== undefined && p.grad !== null, `parameter ${p.name}: missing gradient or reference`);
    const error = normwiseError(await p.grad.read(), r.grad);
    worst = Math.max(worst, assertBelow(error, TOLERANCES.convModelGradient, `gradient of ${p.name}`));
  }
  const dxError = normwiseError(await (result.inputGrad as Tensor).read(), expected.dx.data);
  worst = Math.max(worst, assertBelow(dxError, TOLERANCES.convModelGradient, 'input gradient'));
  metric('worstGradientError', worst);
  let runningWorst = 0;
  for (const b of model.buffers()) {
    const layer = b.name.slice(0, b.name.lastIndexOf('.'));
    const s = bnStates.get(layer);
    assert(s !== undefined, `buffer ${b.name} has no reference BatchNorm`);
    const field = b.name.slice(layer.length + 1);
    const want =
      field === 'running_mean'
        ? s.runningMean
        : field === 'running_var'
          ? s.runningVar
          : field === 'num_batches_tracked'
            ? [s.count]
            : null;
    if (!want) continue;
    runningWorst = Math.max(runningWorst, normwiseError(await b.value.read(), want));
  }
  metric('runningBufferError', assertBelow(runningWorst, TOLERANCES.batchNormRunning, 'running buffers after the step'));
  result.dispose();
  [tx, ty, loss].forEach((t) => t.dispose());
}

const SMALL_CNN: Partial<CnnOptions> = {
  inputShape: [1, 12, 12],
  channels: [4, 6],
  hidden: [16],
  classes: 5,
  normalize: { mean: [0.3], std: [0.5] },
  seed: 3,
};

defineCase('CNN whole-model gradients (BN train mode) match the float64 reference', async ({ gpu, metric }) => {
  const live = gpu.pool.liveCount;
  const model = createCnn(gpu, SMALL_CNN);
  await checkModelGradients(gpu, { model, spec: cnnArchitecture(SMALL_CNN).spec, inputShape: [1, 12, 12] }, 6, 21, metric);
  model.dispose();
  assert(gpu.pool.liveCount === live, `the model and its step leaked ${gpu.pool.liveCount - live} buffers`);
});

defineCase('CNN variant (avg pool, biased cumulative BN, 2 hidden) gradients match the reference', async ({ gpu, metric }) => {
  const options: Partial<CnnOptions> = {
    ...SMALL_CNN,
    inputShape: [2, 9, 10],
    channels: [3],
    pool: 'avg',
    hidden: [8, 7],
    normalize: null,
    bn: { runningVariance: 'biased', average: 'cumulative' },
    init: 'kaiming-normal',
  };
  const model = createCnn(gpu, options);
  await checkModelGradients(gpu, { model, spec: cnnArchitecture(options).spec, inputShape: [2, 9, 10] }, 5, 22, metric);
  model.dispose();
});

const SMALL_RESNET: Partial<PreActResNetOptions> = {
  ...TINY_PREACT_RESNET_OPTIONS,
  classes: 4,
  normalize: { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3] },
  seed: 5,
};

defineCase('PreAct-ResNet (tiny, BN) whole-model gradients match the float64 reference', async ({ gpu, metric }) => {
  const live = gpu.pool.liveCount;
  const model = createPreActResNet(gpu, SMALL_RESNET);
  assert(
    model.parameters().some((p) => p.name === 'layer2.0.shortcut.weight'),
    'stage 2 has a projection shortcut',
  );
  await checkModelGradients(gpu, { model, spec: preActResNetArchitecture(SMALL_RESNET).spec, inputShape: [3, 8, 8] }, 4, 23, metric);
  model.dispose();
  assert(gpu.pool.liveCount === live, `the model and its step leaked ${gpu.pool.liveCount - live} buffers`);
});

defineCase(
  'PreAct-ResNet per-sample gradients (eval mode, sum of logits) match the reference sample by sample',
  async ({ gpu, metric }) => {
    const options = { ...SMALL_RESNET, blocks: [2, 1] };
    const model = createPreActResNet(gpu, options);
    const { spec } = preActResNetArchitecture(options);
    // one train step first, so the running buffers are not the initial ones
    const warm = Tensor.fromArray(gpu, randomF32(4 * 3 * 64, 30, 0, 1), [4, 3, 8, 8]);
    const warmLabels = Tensor.fromArray(gpu, [0, 1, 2, 3], [4]);
    model.lossAndGrad(warm, warmLabels, { mode: 'train', grads: NO_PARAM_GRADS, inputGrad: true }).dispose();
    const n = 3;
    const xs = randomF32(n * 3 * 64, 31, 0, 1);
    const tx = Tensor.fromArray(gpu, xs, [n, 3, 8, 8]);
    const grads = model.perSampleGradients(tx, 'sumLogits');
    const state = await model.exportState();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = buildReferenceLayer(spec, state, { batchStats: false, update: false });
      const logits = ref.forward({ shape: [1, 3, 8, 8], data: Float64Array.from(xs.subarray(i * 192, (i + 1) * 192)) });
      ref.backward({ shape: logits.shape, data: new Float64Array(logits.data.length).fill(1) });
      for (const p of ref.params()) {
        const g = grads.get(p.name);
        assert(g !== undefined && g.shape[0] === n, `per-sample gradient of ${p.name}: shape [${g?.shape}]`);
        const row = (await g.read()).subarray(i * p.value.length, (i + 1) * p.value.length);
        worst = Math.max(worst, assertBelow(normwiseError(row, p.grad), TOLERANCES.convModelGradient, `sample ${i}, ${p.name}`));
      }
    }
    metric('worstPerSampleError', worst);
    grads.forEach((g) => g.dispose());
    [warm, warmLabels, tx].forEach((t) => t.dispose());
    model.dispose();
  },
);

defineCase('model builders and models: bad options and wrong inputs give typed errors naming them', async ({ gpu }) => {
  const m1 = await expectCode('E_INVALID_ARGUMENT', () => createCnn(gpu, { chanels: [4] } as never));
  assert(m1.includes('chanels'), `should name the option: ${m1}`);
  await expectCode('E_INVALID_ARGUMENT', () => createCnn(gpu, { pool: 'median' as never }));
  await expectCode('E_INVALID_ARGUMENT', () => createCnn(gpu, { kernel: 4 }));
  const m2 = await expectCode('E_INVALID_ARGUMENT', () => createCnn(gpu, { bn: { momentum: 2 } }));
  assert(m2.includes('momentum'), `should name the BN option: ${m2}`);
  await expectCode('E_INVALID_ARGUMENT', () => createPreActResNet(gpu, { blocks: [1, 1], widths: [4] }));
  const live = gpu.pool.liveCount;
  const model = createCnn(gpu, SMALL_CNN);
  const wrong = Tensor.zeros(gpu, [2, 3, 12, 12]);
  const m3 = await expectCode('E_SHAPE_MISMATCH', () => model.forward(wrong, { mode: 'eval' }));
  assert(m3.includes('normalize'), `should name the first layer: ${m3}`);
  wrong.dispose();
  model.dispose();
  assert(gpu.pool.liveCount === live, `leaked ${gpu.pool.liveCount - live} buffers`);
});

/** Its second conv layer works on 2x2 planes: the NTK contracts it in the structured form (conv2dStructuredCheaper). */
const SMALL_PLANE_CNN: Partial<CnnOptions> = {
  inputShape: [3, 4, 4],
  channels: [8, 16],
  pool: 'max',
  batchNorm: false,
  hidden: [],
  classes: 5,
  normalize: null,
  seed: 5,
};

/** The NTK models; `everyGemm`: the contraction also runs on every GEMM variant (forced), its conv
 * layers on the matching conv2d path, so the structured contraction is checked on each. */
const NTK_MODELS: Array<[string, (gpu: Gpu) => Model, LayerSpec, number[], boolean]> = [
  ['CNN', (gpu) => createCnn(gpu, SMALL_CNN), cnnArchitecture(SMALL_CNN).spec, [1, 12, 12], false],
  [
    'CNN with a 2x2-plane conv (structured contraction)',
    (gpu) => createCnn(gpu, SMALL_PLANE_CNN),
    cnnArchitecture(SMALL_PLANE_CNN).spec,
    [3, 4, 4],
    true,
  ],
  ['tiny PreAct-ResNet', (gpu) => createPreActResNet(gpu, SMALL_RESNET), preActResNetArchitecture(SMALL_RESNET).spec, [3, 8, 8], false],
];

for (const [label, build, spec, inputShape, everyGemm] of NTK_MODELS) {
  for (const implementation of ['contraction', 'jacobian'] as const) {
    const gemms = everyGemm && implementation === 'contraction' ? GEMM_VARIANTS : [null];
    for (const gemm of gemms)
      defineCase(
        `empirical NTK (every kind, ${implementation}) of the ${label} (any BN in eval mode) equals the float64 J Jᵀ${gemm ? ` (${gemm})` : ''}`,
        async ({ gpu, metric }) => {
          if (gemm) gpu.setGemmVariant(gemm);
          const model = build(gpu);
          const size = inputShape.reduce((a, b) => a * b, 1);
          // one train step so the running statistics differ from their initial values
          const warm = Tensor.fromArray(gpu, randomF32(4 * size, 60, 0, 1), [4, ...inputShape]);
          const warmLabels = Tensor.fromArray(gpu, [0, 1, 2, 3], [4]);
          model.lossAndGrad(warm, warmLabels, { mode: 'train', grads: NO_PARAM_GRADS, inputGrad: true }).dispose();
          const [n1, n2] = [2, 3];
          const x1d = randomF32(n1 * size, 61, 0, 1);
          const x2d = randomF32(n2 * size, 62, 0, 1);
          const x1 = Tensor.fromArray(gpu, x1d, [n1, ...inputShape]);
          const x2 = Tensor.fromArray(gpu, x2d, [n2, ...inputShape]);
          const ref = buildReferenceLayer(spec, await model.exportState(), { batchStats: false, update: false });
          const r1 = { shape: [n1, ...inputShape], data: Float64Array.from(x1d) };
          const r2 = { shape: [n2, ...inputShape], data: Float64Array.from(x2d) };
          const relative = (got: Float64Array, want: Float64Array) =>
            Math.sqrt(got.reduce((s, v, i) => s + (v - want[i]) ** 2, 0) / want.reduce((s, v) => s + v * v, 0));
          for (const kind of ['full', 'trace', 'logit', 'sumLogits'] as const) {
            const want = referenceNtk(ref, r1, r2, kind, 1);
            const k = await empiricalNtk(model, x1, x2, { kind, implementation, logit: 1 });
            assert(k.data.length === want.length, `${kind}: ${k.data.length} kernel entries, reference has ${want.length}`);
            metric(kind, assertBelow(relative(k.data, want), TOLERANCES.ntk, `${label} ${kind} kernel (${implementation})`));
          }
          // K(X, X) in chunks of one sample (every chunk pair, mirrored) and in one piece
          for (const kind of ['full', 'trace'] as const) {
            const want = referenceNtk(ref, r2, r2, kind);
            for (const chunked of [true, false]) {
              const k = chunked
                ? await inOneSampleChunks(model, x2, { kind, implementation })
                : await empiricalNtk(model, x2, null, { kind, implementation });
              metric(
                `${kind} K(X, X)${chunked ? ' chunked' : ''}`,
                assertBelow(relative(k.data, want), TOLERANCES.ntk, `${label} ${kind} K(X, X)${chunked ? ' in one-sample chunks' : ''}`),
              );
            }
          }
          [warm, warmLabels, x1, x2].forEach((t) => t.dispose());
          model.dispose();
        },
        gemm ? [`ntk-structured/${gemm}`, `conv2d/${gemm === 'tiled' ? 'implicit' : 'im2col'}`] : [],
      );
  }
}

/** K(X, X) in chunks of one sample: under the smallest power-of-two budget that holds the pieces of
 * two one-sample chunks (smaller ones fail with E_BUFFER_TOO_LARGE), a chunk holds one sample. */
async function inOneSampleChunks(model: Model, x: Tensor, options: Partial<NtkOptions>): Promise<Kernel> {
  for (let budgetBytes = 8; ; budgetBytes *= 2) {
    try {
      return await empiricalNtk(model, x, null, { ...options, budgetBytes });
    } catch (e) {
      if ((e as NtkError).code !== 'E_BUFFER_TOO_LARGE') throw e;
    }
  }
}

defineCase('the structured conv contraction is chosen by shape: small planes and many cotangents', async () => {
  const g = (x: number[], w: number[], padding: number) => conv2dGeometry(x, w, { padding });
  assert(conv2dStructuredCheaper(g([2, 8, 2, 2], [16, 8, 3, 3], 1), 5), 'the 2x2-plane conv of the test CNN (5 logits)');
  assert(conv2dStructuredCheaper(g([2, 512, 4, 4], [512, 512, 3, 3], 1), 10), 'a PreAct-ResNet-18 layer-4 conv (4x4 planes, 10 logits)');
  assert(!conv2dStructuredCheaper(g([2, 16, 13, 13], [32, 16, 3, 3], 0), 10), "the bench CNN's second conv (11x11 planes)");
  assert(!conv2dStructuredCheaper(g([2, 256, 8, 8], [256, 256, 3, 3], 1), 10), 'a PreAct-ResNet-18 layer-3 conv (8x8 planes)');
});

defineCase(
  "backward without the input gradient (inputGrad: false) gives the same parameter gradients, skipping the first layer's dx",
  async ({ gpu }) => {
    const grads: Float32Array[][] = [];
    for (const inputGrad of [true, false]) {
      const model = createCnn(gpu, SMALL_CNN);
      const x = Tensor.fromArray(gpu, randomF32(3 * 144, 63, 0, 1), [3, 1, 12, 12]);
      const y = Tensor.fromArray(gpu, [0, 4, 2], [3]);
      const r = model.lossAndGrad(x, y, { mode: 'train', inputGrad });
      assert((r.inputGrad !== null) === inputGrad, `inputGrad ${inputGrad}: input gradient ${r.inputGrad ? 'returned' : 'missing'}`);
      grads.push(await Promise.all(model.parameters().map((p) => p.grad!.read())));
      r.dispose();
      [x, y].forEach((t) => t.dispose());
      model.dispose();
    }
    grads[0].forEach((g, i) => assertBitEqual(grads[1][i], g, `parameter ${i} gradient with and without the input gradient`));
  },
);

/** n 1x8x8 images: noise plus a bright 4x4 quadrant whose index is the label. */
function quadrantImages(n: number, rng: Rng): { x: Float32Array; y: Float32Array } {
  const x = rng.uniform(n * 64, 0, 0.5);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const q = rng.int(4);
    y[i] = q;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) x[i * 64 + (r + 4 * (q >> 1)) * 8 + c + 4 * (q & 1)] += 0.5;
  }
  return { x, y };
}

defineCase(
  'training smoke test: the CNN with BatchNorm learns a synthetic task and evaluates with running statistics',
  async ({ gpu, metric }) => {
    const live = gpu.pool.liveCount;
    const model = createCnn(gpu, { inputShape: [1, 8, 8], channels: [4], hidden: [], classes: 4, seed: 2 });
    const { x, y } = quadrantImages(30 * 16, new Rng(3));
    const images = Uint8Array.from(x, (v) => Math.round(255 * v));
    const data = new ImageDataset({
      name: 'quadrants',
      images,
      labels: Uint8Array.from(y),
      shape: [1, 8, 8],
      classes: ['0', '1', '2', '3'],
    });
    await train(model, data, null, {
      method: 'standard',
      epochs: 1,
      batchSize: 16,
      seed: 3,
      schedule: { kind: 'constant', lr: 0.1 },
      sgd: { momentum: 0.9 },
      logEvery: 30,
      validation: null,
    });
    const tracked = model.buffers().find((b) => b.name === 'block1.bn.num_batches_tracked');
    assert(tracked !== undefined && (await tracked.value.read())[0] === 30, 'BatchNorm counted 30 training batches');
    const test = quadrantImages(200, new Rng(9));
    const tx = Tensor.fromArray(gpu, test.x, [200, 1, 8, 8]);
    const logits = model.forward(tx, { mode: 'eval', record: false });
    const values = await logits.read();
    let correct = 0;
    for (let i = 0; i < 200; i++) {
      const row = Array.from(values.subarray(i * 4, i * 4 + 4));
      if (row.indexOf(Math.max(...row)) === test.y[i]) correct++;
    }
    metric('heldOutAccuracy', correct / 200);
    assert(correct >= 180, `held-out accuracy ${correct / 200} < 0.9 after 30 steps`);
    [tx, logits].forEach((t) => t.dispose());
    model.dispose();
    assert(gpu.pool.liveCount === live, `training leaked ${gpu.pool.liveCount - live} buffers`);
  },
);

// Real-size conformance: the loop-iteration cap of Mesa's software adapters (an invocation's loops
// stop silently after 65,535 iterations; src/device/loop_budget.ts) only shows at sizes the small
// cases never reach. matmul with K > 65,536, reductions whose single-invocation path would be
// longer than the cap, a PreAct-ResNet-18-sized conv weight gradient, and the NTK of a model with
// a 147,456-weight conv layer (both implementations against each other and the float64 reference).

import { createCnn, cnnArchitecture, type CnnOptions } from '../../src/nn/cnn.js';
import { empiricalNtk } from '../../src/ntk/kernel.js';
import {
  batchNormBackward,
  batchNormForward,
  createBatchNormState,
  disposeBatchNormState,
  resolveBatchNormOptions,
} from '../../src/ops/batchnorm.js';
import { channelSum } from '../../src/ops/channel_sum.js';
import { conv2dBackwardWeight, conv2dGeometry } from '../../src/ops/conv2d.js';
import { GEMM_VARIANTS, matmul } from '../../src/ops/matmul.js';
import { sumPartials } from '../../src/ops/sum_partials.js';
import { conv2dBackwardWeightRef } from '../../src/reference/conv2d.js';
import { buildReferenceLayer } from '../../src/reference/conv_layers.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { referenceNtk } from '../../src/reference/ntk.js';
import { NO_PARAM_GRADS } from '../../src/nn/gradient_sink.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, randomF32, randomInts } from './check.js';
import { defineCase } from './harness.js';

/** max_ij |C - C64| / (|A||B|)_ij: the componentwise error of a dot product. */
function scaledError(c: ArrayLike<number>, ref: Float64Array, absRef: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (absRef[i] || 1));
  return worst;
}

for (const gemm of GEMM_VARIANTS) {
  const variants = [`matmul/${gemm}`];
  defineCase(
    `real size: matmul ones·onesᵀ with K = 100,000 sums every term (loop-cap split, ${gemm})`,
    async ({ gpu, output }) => {
      const K = 100_000;
      const a = Tensor.fromArray(gpu, new Float32Array(3 * K).fill(1), [3, K]);
      const b = Tensor.fromArray(gpu, new Float32Array(5 * K).fill(1), [5, K]);
      const c = await matmul(a, b, { transB: true, gemm }).read();
      assertBitEqual(c, new Float32Array(15).fill(K), 'ones·onesᵀ (exact integers)');
      const t = await matmul(b, a, { transB: true, gemm }).read();
      assertBitEqual(t, new Float32Array(15).fill(K), 'the product the other way round');
      output('C', c, { mode: 'bitwise' });
      [a, b].forEach((x) => x.dispose());
    },
    variants,
  );

  for (const [transA, transB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    defineCase(
      `real size: matmul 6x70,001x7${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''} on random values matches float64 (${gemm})`,
      async ({ gpu, metric, output }) => {
        const [M, K, N] = [6, 70_001, 7];
        const a = randomF32(M * K, 901);
        const b = randomF32(K * N, 902);
        const ta = Tensor.fromArray(gpu, a, transA ? [K, M] : [M, K]);
        const tb = Tensor.fromArray(gpu, b, transB ? [N, K] : [K, N]);
        const tc = matmul(ta, tb, { transA, transB, gemm });
        const c = await tc.read();
        const ref = matmulRef(a, b, M, K, N, transA, transB);
        const absRef = matmulRef(a.map(Math.abs), b.map(Math.abs), M, K, N, transA, transB);
        metric('maxScaledError', assertBelow(scaledError(c, ref, absRef), TOLERANCES.matmulLongK, 'long-K matmul'));
        output('C', c, { mode: 'tolerance', tol: TOLERANCES.matmulLongK * TOLERANCES.crossRuntimeFactor });
        [ta, tb, tc].forEach((x) => x.dispose());
      },
      variants,
    );
  }

  defineCase(
    `real size: matmul 2,000x64x40 batch 2 (many rows, one shared B) matches float64 (${gemm})`,
    async ({ gpu, metric, output }) => {
      const [M, K, N, batch] = [2000, 64, 40, 2];
      const a = randomF32(batch * M * K, 903);
      const b = randomF32(K * N, 904);
      const ta = Tensor.fromArray(gpu, a, [batch, M, K]);
      const tb = Tensor.fromArray(gpu, b, [K, N]); // one B shared by the batch
      const tc = matmul(ta, tb, { gemm });
      const c = await tc.read();
      let worst = 0;
      for (let i = 0; i < batch; i++) {
        const as = a.subarray(i * M * K, (i + 1) * M * K);
        const ref = matmulRef(as, b, M, K, N);
        const absRef = matmulRef(as.map(Math.abs), b.map(Math.abs), M, K, N);
        worst = Math.max(worst, scaledError(c.subarray(i * M * N, (i + 1) * M * N), ref, absRef));
      }
      metric('maxScaledError', assertBelow(worst, TOLERANCES.matmul, 'many-row matmul'));
      output('C', c, { mode: 'tolerance', tol: TOLERANCES.matmul * TOLERANCES.crossRuntimeFactor });
      [ta, tb, tc].forEach((x) => x.dispose());
    },
    variants,
  );
}

defineCase(
  'real size: 70,000 partial sums of 3 values add up in order (sumPartials loop-cap split)',
  async ({ gpu }) => {
    const G = 70_000;
    const p = randomInts(G * 3, 77);
    const want = new Float32Array(3);
    for (let g = 0; g < G; g++) for (let l = 0; l < 3; l++) want[l] += p[g * 3 + l]; // exact: small integers
    const tp = Tensor.fromArray(gpu, p, [G, 3]);
    const s = sumPartials(tp, G, [3]);
    assertBitEqual(await s.read(), want, 'sum of 70,000 integer partials');
    [tp, s].forEach((x) => x.dispose());
  },
  ['reduce/sum-partials'],
);

defineCase(
  'real size: column sums (dense bias gradients) of 50,000 rows, split under the loop budget, exact on integers',
  async ({ gpu }) => {
    const [rows, c] = [50_000, 5];
    const data = randomInts(rows * c, 79, 2);
    const want = new Float32Array(c);
    for (let r = 0; r < rows; r++) for (let k = 0; k < c; k++) want[k] += data[r * c + k];
    const x = Tensor.fromArray(gpu, data, [rows, c]);
    const s = channelSum(x);
    assertBitEqual(await s.read(), want, 'column sums of 50,000 small integers');
    [x, s].forEach((t) => t.dispose());
  },
  ['reduce/column sums'],
);

defineCase(
  'real size: channel sums and BatchNorm statistics over 2^24 + 2^20 values per channel',
  async ({ gpu, metric }) => {
    // one channel, n*L = 17,825,792 values: a single 256-thread workgroup per channel would loop
    // 69,632 times per thread. Small integers keep every f32 sum exact below 2^24 per partial.
    const [n, C, L] = [2, 1, 2 ** 23 + 2 ** 19];
    const data = randomInts(n * C * L, 78, 2);
    let sum = 0;
    let sumAbs = 0;
    let sq = 0;
    for (let i = 0; i < data.length; i++) {
      sum += data[i];
      sumAbs += Math.abs(data[i]);
    }
    const mean = sum / data.length;
    for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
    const variance = sq / data.length;
    const x = Tensor.fromArray(gpu, data, [n, C, L]);
    const s = channelSum(x);
    const got = (await s.read())[0];
    metric('channelSumError', assertBelow(Math.abs(got - sum) / sumAbs, TOLERANCES.channelSum, 'channel sum of 17.8M values'));
    const options = resolveBatchNormOptions({ affine: false, eps: 0 });
    const state = createBatchNormState(gpu, C, options);
    const { y, stats } = batchNormForward(x, null, null, state, { batchStats: true, update: false }, options);
    const st = await stats.read();
    metric('meanError', assertBelow(Math.abs(st[0] - mean), TOLERANCES.batchNorm, 'batch mean'));
    metric('varianceError', assertBelow(Math.abs(st[2] - variance) / variance, TOLERANCES.batchNorm, 'batch variance'));
    // backward sums with dy = x and eps = 0: Σdy·x̂ = N·var·invstd, so dx = invstd·(x - mean - x̂·var·invstd)
    // vanishes in real arithmetic; a lost piece of either sum leaves O(1) values
    const g = batchNormBackward(x, x, stats, null, true, 'none', options);
    const dx = await g.dx.read();
    let worst = 0;
    for (let i = 0; i < dx.length; i += 4099) worst = Math.max(worst, Math.abs(dx[i]));
    metric('dxOfSelfGradient', assertBelow(worst, TOLERANCES.batchNorm, 'dx of dy = x (must vanish)'));
    g.dx.dispose();
    disposeBatchNormState(state);
    [x, s, y, stats].forEach((t) => t.dispose());
  },
  ['reduce/channel-sum', 'reduce/batchnorm statistics'],
);

for (const path of ['im2col', 'implicit'] as const)
  defineCase(
    `real size: PreAct-ResNet-18 conv 128->128 3x3 weight gradient (batch sum and per sample, ${path}) matches float64`,
    async ({ gpu, metric }) => {
      const [n, c, h, w] = [3, 128, 6, 6];
      const geometry = conv2dGeometry([n, c, h, w], [128, c, 3, 3], { padding: 1, path });
      const xs = randomF32(n * c * h * w, 91);
      const dys = randomF32(n * 128 * h * w, 92);
      const x = Tensor.fromArray(gpu, xs, [n, c, h, w]);
      const dy = Tensor.fromArray(gpu, dys, [n, 128, h, w]);
      for (const perSample of [false, true]) {
        const dw = conv2dBackwardWeight(x, dy, geometry, perSample);
        const got = await dw.read();
        const ref = conv2dBackwardWeightRef(xs, dys, geometry, perSample);
        const absRef = conv2dBackwardWeightRef(xs.map(Math.abs), dys.map(Math.abs), geometry, perSample);
        metric(
          perSample ? 'perSampleError' : 'sumError',
          assertBelow(scaledError(got, ref, absRef), TOLERANCES.conv2dWeightGrad, 'weight gradient'),
        );
        dw.dispose();
      }
      [x, dy].forEach((t) => t.dispose());
    },
    [`conv2d/${path}`],
  );

const WIDE_CNN: Partial<CnnOptions> = {
  inputShape: [1, 4, 4],
  channels: [128, 128],
  pool: 'none',
  hidden: [],
  classes: 2,
  normalize: null,
  seed: 12,
};

defineCase(
  'real size: NTK of a CNN with a 147,456-weight conv layer: jacobian = contraction = float64',
  async ({ gpu, metric, output }) => {
    const model = createCnn(gpu, WIDE_CNN);
    const params = model.parameters().reduce((s, p) => s + p.value.size, 0);
    assert(
      model.parameters().some((p) => p.value.size === 128 * 128 * 9),
      'the model has a 128->128 3x3 conv layer',
    );
    metric('parameters', params);
    const inputShape = [1, 4, 4];
    const warm = Tensor.fromArray(gpu, randomF32(4 * 16, 93, 0, 1), [4, ...inputShape]);
    const warmLabels = Tensor.fromArray(gpu, [0, 1, 1, 0], [4]);
    model.lossAndGrad(warm, warmLabels, { mode: 'train', grads: NO_PARAM_GRADS, inputGrad: true }).dispose();
    const xd = randomF32(3 * 16, 94, 0, 1);
    const x = Tensor.fromArray(gpu, xd, [3, ...inputShape]);
    const ref = buildReferenceLayer(cnnArchitecture(WIDE_CNN).spec, await model.exportState(), { batchStats: false, update: false });
    const r = { shape: [3, ...inputShape], data: Float64Array.from(xd) };
    const want = referenceNtk(ref, r, r, 'full');
    const relative = (got: Float64Array, base: Float64Array) =>
      Math.sqrt(got.reduce((s, v, i) => s + (v - base[i]) ** 2, 0) / base.reduce((s, v) => s + v * v, 0));
    const kernels: Float64Array[] = [];
    for (const implementation of ['contraction', 'jacobian'] as const) {
      const k = await empiricalNtk(model, x, null, { kind: 'full', implementation });
      metric(implementation, assertBelow(relative(k.data, want), TOLERANCES.ntkLarge, `${implementation} vs float64`));
      kernels.push(k.data);
    }
    metric('jacobianVsContraction', assertBelow(relative(kernels[0], kernels[1]), TOLERANCES.ntkLarge, 'contraction vs jacobian'));
    output('full', kernels[0], { mode: 'tolerance', tol: TOLERANCES.ntkLarge * TOLERANCES.crossRuntimeFactor });
    [warm, warmLabels, x].forEach((t) => t.dispose());
    model.dispose();
  },
);

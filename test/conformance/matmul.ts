// matmul conformance, every GEMM variant (tiled, block, block-storage) selected explicitly on every
// adapter: random shapes (non-multiples of the 64x64 tile, transposes, batches, up to 512^3) against
// the float64 reference; exact integer products must be bit-identical everywhere. The epilogue
// (bias per row or column, ReLU, mask) against float64 and bit-identical to the separate ops.

import { reluBackward } from '../../src/ops/binary.js';
import { channelAffine } from '../../src/ops/channel_affine.js';
import { map } from '../../src/ops/map.js';
import { GEMM_VARIANTS, matmul, matmulInto, type GemmEpilogue, type GemmVariant } from '../../src/ops/matmul.js';
import { matmulRef } from '../../src/reference/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, expectCode, randomF32, randomInts } from './check.js';
import { defineCase } from './harness.js';

/** max_ij |C - C64| / (|A||B|)_ij: the componentwise error of a dot product. */
function scaledError(c: Float32Array, ref: Float64Array, absRef: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (absRef[i] || 1));
  return worst;
}

const SHAPES: Array<[number, number, number, boolean, boolean, number]> = [
  // M, K, N, transA, transB, batch
  [1, 1, 1, false, false, 1],
  [7, 13, 5, false, false, 1],
  [63, 65, 64, false, false, 1],
  [100, 37, 129, true, false, 1],
  [33, 70, 17, false, true, 1],
  [65, 16, 31, true, true, 1],
  [9, 20, 11, false, false, 3],
  [12, 33, 10, true, true, 2],
  [200, 300, 150, false, false, 1],
  [512, 512, 512, false, false, 1],
];

for (const gemm of GEMM_VARIANTS) defineMatmulCases(gemm);

function defineMatmulCases(gemm: GemmVariant): void {
  const variants = [`matmul/${gemm}`];
  for (const [M, K, N, transA, transB, batch] of SHAPES) {
    const name = `matmul ${M}x${K}x${N}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}${batch > 1 ? ` batch ${batch}` : ''} (${gemm})`;
    defineCase(
      name,
      async ({ gpu, metric, output }) => {
        const seed = M * 7919 + K * 104729 + N;
        const a = randomF32(batch * M * K, seed);
        const b = randomF32(batch * K * N, seed + 1);
        const aShape = transA ? [K, M] : [M, K];
        const bShape = transB ? [N, K] : [K, N];
        const ta = Tensor.fromArray(gpu, a, batch > 1 ? [batch, ...aShape] : aShape);
        const tb = Tensor.fromArray(gpu, b, batch > 1 ? [batch, ...bShape] : bShape);
        const tc = matmul(ta, tb, { transA, transB, gemm });
        const c = await tc.read();
        let worst = 0;
        for (let i = 0; i < batch; i++) {
          const as = a.subarray(i * M * K, (i + 1) * M * K);
          const bs = b.subarray(i * K * N, (i + 1) * K * N);
          const ref = matmulRef(as, bs, M, K, N, transA, transB);
          const absRef = matmulRef(as.map(Math.abs), bs.map(Math.abs), M, K, N, transA, transB);
          worst = Math.max(worst, scaledError(c.subarray(i * M * N, (i + 1) * M * N), ref, absRef));
        }
        metric('maxScaledError', assertBelow(worst, TOLERANCES.matmul, name));
        output('C', c, { mode: 'tolerance', tol: TOLERANCES.matmul * TOLERANCES.crossRuntimeFactor });
        [ta, tb, tc].forEach((t) => t.dispose());
      },
      variants,
    );
  }

  defineCase(
    `matmul exact on integers, bit-identical across runs and runtimes (${gemm})`,
    async ({ gpu, output }) => {
      const [M, K, N] = [70, 130, 90];
      const a = randomInts(M * K, 11);
      const b = randomInts(K * N, 12);
      const ta = Tensor.fromArray(gpu, a, [M, K]);
      const tb = Tensor.fromArray(gpu, b, [K, N]);
      const first = matmul(ta, tb, { gemm });
      const second = matmul(ta, tb, { gemm });
      const [c1, c2] = [await first.read(), await second.read()];
      assertBitEqual(c1, Float32Array.from(matmulRef(a, b, M, K, N)), 'integer matmul vs exact reference');
      assertBitEqual(c1, c2, 'two identical matmuls');
      output('C', c1, { mode: 'bitwise' });
      [ta, tb, first, second].forEach((t) => t.dispose());
    },
    variants,
  );

  defineCase(
    `matmul deterministic on random floats (${gemm})`,
    async ({ gpu }) => {
      const ta = Tensor.fromArray(gpu, randomF32(150 * 77, 5), [150, 77]);
      const tb = Tensor.fromArray(gpu, randomF32(77 * 99, 6), [77, 99]);
      const runs = [matmul(ta, tb, { gemm }), matmul(ta, tb, { gemm }), matmul(ta, tb, { gemm })];
      const values = await Promise.all(runs.map((t) => t.read()));
      assertBitEqual(values[0], values[1], 'run 1 vs 2');
      assertBitEqual(values[0], values[2], 'run 1 vs 3');
      [ta, tb, ...runs].forEach((t) => t.dispose());
    },
    variants,
  );
}

defineCase("matmul without a forced GEMM variant runs the adapter's measured choice", async ({ gpu }) => {
  const choice = gpu.programs;
  assert(GEMM_VARIANTS.includes(choice.matmul), `unknown GEMM variant ${choice.matmul}`);
  assert(
    choice.source === 'explicit' || Object.keys(choice.timings).length > 0,
    `a measured choice lists its timings: ${JSON.stringify(choice)}`,
  );
  if (choice.source !== 'explicit') {
    const fastest = Math.min(...(Object.values(choice.timings) as number[]));
    assert(
      choice.timings[choice.matmul]! <= fastest / (1 - 0.15) + 1e-9,
      `the choice ${choice.matmul} is not within the margin of the fastest: ${JSON.stringify(choice.timings)}`,
    );
  }
  const ta = Tensor.fromArray(gpu, randomF32(40 * 500, 3), [40, 500]);
  const tb = Tensor.fromArray(gpu, randomF32(500 * 30, 4), [500, 30]);
  const [auto, forced] = [matmul(ta, tb), matmul(ta, tb, { gemm: choice.matmul })];
  assertBitEqual(await auto.read(), await forced.read(), `default vs forced ${choice.matmul}`);
  const old = await expectCode('E_INVALID_ARGUMENT', () => matmul(ta, tb, { kernel: 'block' } as never));
  assert(old.includes('`gemm`'), `the old option \`kernel\` names \`gemm\`: ${old}`);
  [ta, tb, auto, forced].forEach((t) => t.dispose());
});

defineCase(
  'matmul block and block-storage give identical bits (a measured choice between them changes no result)',
  async ({ gpu }) => {
    for (const [M, K, N, transA, transB] of [
      [128, 784, 256, false, false],
      [100, 300, 37, true, true],
      [10, 5000, 10, false, false],
    ] as const) {
      const ta = Tensor.fromArray(gpu, randomF32(M * K, M + K), transA ? [K, M] : [M, K]);
      const tb = Tensor.fromArray(gpu, randomF32(K * N, K + N), transB ? [N, K] : [K, N]);
      const [texels, storage] = [
        matmul(ta, tb, { transA, transB, gemm: 'block' }),
        matmul(ta, tb, { transA, transB, gemm: 'block-storage' }),
      ];
      assertBitEqual(await texels.read(), await storage.read(), `${M}x${K}x${N}: block vs block-storage`);
      [ta, tb, texels, storage].forEach((t) => t.dispose());
    }
  },
  ['matmul/block', 'matmul/block-storage'],
);

/** Epilogue shapes: M, K, N, batch (odd sizes; batched; K split on every variant), all with Bᵀ (Dense's
 * forward) so that the shapes share their programs (each epilogue is a pipeline of its own, a second or
 * more to compile on a software adapter); Dense's dx (masked, B as stored) is in fused_layers.ts. */
const EPILOGUE_SHAPES: Array<[number, number, number, number]> = [
  [37, 45, 29, 1],
  [9, 21, 13, 3],
  [6, 12_001, 7, 1],
];

/** The epilogues each variant checks: every stage alone or combined, each pipeline compiled once per
 * variant (an unrolled GEMM takes seconds to compile on a software adapter with a cold shader cache):
 * conv's forward with a fused ReLU, Dense's forward, Dense's masked dx, and all three stages at once. */
const EPILOGUE_COMBINATIONS: Array<{ per: 'row' | 'column' | null; relu: boolean; masked: boolean }> = [
  { per: 'row', relu: true, masked: false },
  { per: 'column', relu: false, masked: false },
  { per: null, relu: false, masked: true },
  { per: 'column', relu: true, masked: true },
];

/** The separate ops an epilogue stands for, on C [batch, M, N]: channelAffine's shift, map relu, reluBackward. */
function epilogueApartRef(c: Tensor, e: GemmEpilogue, batch: number, M: number, N: number): Tensor {
  let y = c.reshape([batch, M, N]);
  const step = (next: Tensor) => {
    y.dispose();
    y = next;
  };
  if (e.bias?.per === 'row') step(channelAffine(y, null, e.bias.values));
  if (e.bias?.per === 'column') {
    const rows = y.reshape([batch * M, N]);
    const sum = channelAffine(rows, null, e.bias.values);
    step(sum.reshape([batch, M, N]));
    [rows, sum].forEach((t) => t.dispose());
  }
  if (e.relu) step(map(y, 'relu'));
  if (e.mask) {
    const mask = e.mask.reshape([batch, M, N]);
    step(reluBackward(y, mask));
    mask.dispose();
  }
  return y;
}

for (const gemm of GEMM_VARIANTS) defineEpilogueCases(gemm);

function defineEpilogueCases(gemm: GemmVariant): void {
  for (const [M, K, N, batch] of EPILOGUE_SHAPES) {
    const [transA, transB] = [false, true];
    const name =
      `matmul epilogue ${M}x${K}x${N} Bᵀ${batch > 1 ? ` batch ${batch}` : ''}: ` +
      `bias per row or column, relu, mask vs float64 and the separate ops (${gemm})`;
    defineCase(
      name,
      async ({ gpu, metric, output }) => {
        const seed = M * 31 + K * 17 + N;
        const a = randomF32(batch * M * K, seed);
        const b = randomF32(batch * K * N, seed + 1);
        const rowBias = randomF32(M, seed + 2);
        const colBias = randomF32(N, seed + 3);
        const maskData = randomF32(batch * M * N, seed + 4).map((v, i) => (i % 7 === 0 ? 0 : v)); // zeros, negatives, positives
        const outShape = batch > 1 ? [batch, M, N] : [M, N];
        const ta = Tensor.fromArray(gpu, a, batch > 1 ? [batch, ...(transA ? [K, M] : [M, K])] : transA ? [K, M] : [M, K]);
        const tb = Tensor.fromArray(gpu, b, batch > 1 ? [batch, ...(transB ? [N, K] : [K, N])] : transB ? [N, K] : [K, N]);
        const [tRow, tCol, tMask] = [
          Tensor.fromArray(gpu, rowBias, [M]),
          Tensor.fromArray(gpu, colBias, [N]),
          Tensor.fromArray(gpu, maskData, outShape),
        ];
        const plain = matmul(ta, tb, { transA, transB, gemm });
        // float64 product and its scale |A||B|, per batch entry
        const ref = new Float64Array(batch * M * N);
        const absRef = new Float64Array(batch * M * N);
        for (let i = 0; i < batch; i++) {
          const as = a.subarray(i * M * K, (i + 1) * M * K);
          const bs = b.subarray(i * K * N, (i + 1) * K * N);
          ref.set(matmulRef(as, bs, M, K, N, transA, transB), i * M * N);
          absRef.set(matmulRef(as.map(Math.abs), bs.map(Math.abs), M, K, N, transA, transB), i * M * N);
        }
        let worst = 0;
        for (const { per, relu, masked } of EPILOGUE_COMBINATIONS) {
          const biasData = per === 'row' ? rowBias : per === 'column' ? colBias : null;
          const e: GemmEpilogue = {
            ...(per ? { bias: { values: per === 'row' ? tRow : tCol, per } } : {}),
            relu,
            ...(masked ? { mask: tMask } : {}),
          };
          const what = `bias ${per ? `per ${per}` : 'none'}, relu ${relu}, mask ${masked}`;
          const fused = matmul(ta, tb, { transA, transB, gemm, epilogue: e });
          const c = await fused.read();
          const apart = epilogueApartRef(plain, e, batch, M, N);
          assertBitEqual(c, await apart.read(), `${what}: fused vs the separate ops`);
          // float64: (C + bias), max(., 0), mask; the scale grows by |bias|
          const want = new Float64Array(ref.length);
          const scale = new Float64Array(ref.length);
          for (let i = 0; i < ref.length; i++) {
            const row = Math.floor(i / N) % M;
            const bias = biasData ? biasData[per === 'row' ? row : i % N] : 0;
            let v = ref[i] + bias;
            if (relu) v = Math.max(v, 0);
            if (masked && !(maskData[i] > 0)) v = 0;
            want[i] = v;
            scale[i] = absRef[i] + Math.abs(bias);
          }
          worst = Math.max(worst, scaledError(c, want, scale));
          output(`C ${what}`, c, { mode: 'tolerance', tol: TOLERANCES.matmul * TOLERANCES.crossRuntimeFactor });
          [fused, apart].forEach((t) => t.dispose());
        }
        metric('maxScaledError', assertBelow(worst, TOLERANCES.matmul, name));
        [ta, tb, tRow, tCol, tMask, plain].forEach((t) => t.dispose());
      },
      [`matmul/${gemm}`],
    );
  }
}

defineCase('matmul epilogue: typed errors for a misfit bias or mask, accumulate, aliasing', async ({ gpu }) => {
  const a = Tensor.fromArray(gpu, randomF32(4 * 3, 1), [4, 3]);
  const b = Tensor.fromArray(gpu, randomF32(3 * 5, 2), [3, 5]);
  const out = Tensor.zeros(gpu, [4, 5]);
  const five = Tensor.zeros(gpu, [5]);
  const four = Tensor.zeros(gpu, [4]);
  const rowMsg = await expectCode('E_SHAPE_MISMATCH', () => matmul(a, b, { epilogue: { bias: { values: five, per: 'row' } } }));
  assert(rowMsg.includes('[4]'), `a row bias must be [M]: ${rowMsg}`);
  await expectCode('E_SHAPE_MISMATCH', () => matmul(a, b, { epilogue: { bias: { values: four, per: 'column' } } }));
  await expectCode('E_INVALID_ARGUMENT', () => matmul(a, b, { epilogue: { bias: { values: five, per: 'col' as never } } }));
  const mask = Tensor.zeros(gpu, [5, 4]);
  await expectCode('E_SHAPE_MISMATCH', () => matmul(a, b, { epilogue: { mask } }));
  await expectCode('E_INVALID_ARGUMENT', () => matmulInto(a, b, out, { accumulate: true, epilogue: { relu: true } }));
  await expectCode('E_INVALID_ARGUMENT', () => matmulInto(a, b, out, { epilogue: { mask: out } }));
  const before = await out.read();
  assertBitEqual(before, new Float32Array(20), 'nothing was written by the rejected calls');
  // an epilogue with nothing to do is the plain product
  const [empty, product] = [matmul(a, b, { epilogue: {} }), matmul(a, b)];
  assertBitEqual(await empty.read(), await product.read(), 'empty epilogue');
  [a, b, out, five, four, mask, empty, product].forEach((t) => t.dispose());
});

// matmul conformance, every GEMM variant (tiled, block, block-storage) selected explicitly on every
// adapter: random shapes (non-multiples of the 64x64 tile, transposes, batches, up to 512^3) against
// the float64 reference; exact integer products must be bit-identical everywhere.

import { GEMM_VARIANTS, matmul, type GemmVariant } from '../../src/ops/matmul.js';
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

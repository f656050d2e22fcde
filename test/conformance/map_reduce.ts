// Elementwise map (4 elements per invocation: sizes with every tail length) and deterministic
// reduction conformance against float64 references.

import { map, MAP_OPS, type MapOp } from '../../src/ops/map.js';
import { rowSumSquares, sumAll, sumLastAxis } from '../../src/ops/reduce.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, assertBitEqual, randomF32, randomInts } from './check.js';
import { defineCase } from './harness.js';

const REFERENCE: Record<MapOp, { f: (x: number) => number; lo: number; hi: number; tol: number }> = {
  affine: { f: (x) => 2.5 * x - 0.75, lo: -4, hi: 4, tol: TOLERANCES.mapExact },
  relu: { f: (x) => Math.max(x, 0), lo: -4, hi: 4, tol: 0 },
  exp: { f: Math.exp, lo: -10, hi: 10, tol: TOLERANCES.mapTranscendental },
  log: { f: Math.log, lo: 1e-3, hi: 100, tol: TOLERANCES.mapTranscendental },
  tanh: { f: Math.tanh, lo: -5, hi: 5, tol: TOLERANCES.mapTranscendental },
  abs: { f: Math.abs, lo: -4, hi: 4, tol: 0 },
  square: { f: (x) => x * x, lo: -4, hi: 4, tol: TOLERANCES.mapExact },
  sqrt: { f: Math.sqrt, lo: 0, hi: 100, tol: TOLERANCES.mapTranscendental },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), lo: -10, hi: 10, tol: TOLERANCES.mapTranscendental },
  sign: { f: Math.sign, lo: -4, hi: 4, tol: 0 },
  clamp: { f: (x) => Math.min(Math.max(x, 2.5), -0.75 + 4), lo: -4, hi: 4, tol: 0 },
  reciprocal: { f: (x) => 2.5 / x, lo: 0.05, hi: 4, tol: TOLERANCES.mapTranscendental },
};

for (const op of Object.keys(MAP_OPS) as MapOp[]) {
  defineCase(`map ${op}`, async ({ gpu, metric, output }) => {
    const { f, lo, hi, tol } = REFERENCE[op];
    const n = 1000 + 37; // not a multiple of the 64-thread workgroup
    const x = randomF32(n, 100 + MAP_OPS[op], lo, hi);
    x[0] = lo;
    const [alpha, beta] = op === 'affine' ? [2.5, -0.75] : op === 'clamp' ? [2.5, 3.25] : op === 'reciprocal' ? [2.5, 0] : [1, 0];
    const tx = Tensor.fromArray(gpu, x, [n]);
    const ty = map(tx, op, alpha, beta);
    const y = await ty.read();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = f(x[i]);
      worst = Math.max(worst, Math.abs(y[i] - ref) / Math.max(Math.abs(ref), 1)); // relative above 1, absolute below
    }
    metric('maxRelError', assertBelow(worst, tol, `map ${op}`));
    output('y', y, tol === 0 ? { mode: 'bitwise' } : { mode: 'tolerance', tol: Math.max(tol, 1e-7) * TOLERANCES.crossRuntimeFactor });
    tx.dispose();
    ty.dispose();
  });
}

defineCase('map relu and clamp on sizes 1 to 9 and 1038 to 1040 (every vec4 tail)', async ({ gpu, output }) => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 1038, 1039, 1040]) {
    const x = randomF32(n, 200 + n, -4, 4);
    const tx = Tensor.fromArray(gpu, x, [n]);
    for (const [op, alpha, beta] of [
      ['relu', 1, 0],
      ['clamp', -0.5, 1.5],
    ] as const) {
      const ty = map(tx, op, alpha, beta);
      const y = await ty.read();
      const ref = Float32Array.from(x, (v) => (op === 'relu' ? Math.max(v, 0) : Math.min(Math.max(v, alpha), beta)));
      assertBitEqual(y, ref, `map ${op} n=${n}`);
      if (n === 1039) output(`${op} y`, y, { mode: 'bitwise' });
      ty.dispose();
    }
    tx.dispose();
  }
});

defineCase('map on a 2-D dispatch grid (more than 65535 workgroups of 64 invocations, 4 elements each)', async ({ gpu }) => {
  const n = 65536 * 256 + 129;
  const x = randomInts(n, 3);
  const tx = Tensor.fromArray(gpu, x, [n]);
  const ty = map(tx, 'affine', 2, 1);
  const y = await ty.read();
  for (let i = 0; i < n; i++) assert(y[i] === 2 * x[i] + 1, `element ${i}: ${y[i]} != ${2 * x[i] + 1}`);
  tx.dispose();
  ty.dispose();
});

for (const [rows, n] of [
  [1, 1],
  [1, 1000],
  [3, 1025],
  [1, 1_000_003],
  [257, 300],
] as const) {
  defineCase(
    `sum rows ${rows}x${n}`,
    async ({ gpu, metric, output }) => {
      const x = randomF32(rows * n, rows * 31 + n);
      const tx = Tensor.fromArray(gpu, x, rows === 1 ? [n] : [rows, n]);
      const ts = sumLastAxis(tx);
      const s = await ts.read();
      assert(s.length === rows, `expected ${rows} sums, got ${s.length}`);
      let worst = 0;
      for (let r = 0; r < rows; r++) {
        let ref = 0;
        let absSum = 0;
        for (let i = 0; i < n; i++) {
          ref += x[r * n + i];
          absSum += Math.abs(x[r * n + i]);
        }
        worst = Math.max(worst, Math.abs(s[r] - ref) / absSum);
      }
      metric('maxRelError', assertBelow(worst, TOLERANCES.reduceSum, 'row sums'));
      output('sums', s, { mode: 'tolerance', tol: TOLERANCES.reduceSum * TOLERANCES.crossRuntimeFactor });
      const again = sumLastAxis(tx);
      assertBitEqual(s, await again.read(), 'two identical reductions');
      [tx, ts, again].forEach((t) => t.dispose());
    },
    [n > 1024 ? 'reduce/sum multi-pass' : 'reduce/sum one pass'],
  );
}

for (const [rows, n] of [
  [4, 3000],
  [1, 1_100_000],
] as const) {
  defineCase(
    `row sums of squares ${rows}x${n} (the squaring first pass)`,
    async ({ gpu, metric }) => {
      const x = randomF32(rows * n, rows * 37 + n);
      const tx = Tensor.fromArray(gpu, x, [rows, n]);
      const ts = rowSumSquares(tx);
      const s = await ts.read();
      let worst = 0;
      for (let r = 0; r < rows; r++) {
        let ref = 0;
        for (let i = 0; i < n; i++) ref += x[r * n + i] ** 2;
        worst = Math.max(worst, Math.abs(s[r] - ref) / ref);
      }
      metric('maxRelError', assertBelow(worst, TOLERANCES.reduceSum, 'row sums of squares'));
      [tx, ts].forEach((t) => t.dispose());
    },
    ['reduce/square'],
  );
}

defineCase(
  'sum of integers is exact and bit-identical',
  async ({ gpu, output }) => {
    const n = 300_001;
    const x = randomInts(n, 77, 100);
    const tx = Tensor.fromArray(gpu, x, [n]);
    const ts = sumAll(tx);
    const s = await ts.read();
    const ref = x.reduce((a, b) => a + b, 0);
    assert(s[0] === ref, `sum ${s[0]} != exact ${ref}`);
    output('sum', s, { mode: 'bitwise' });
    tx.dispose();
    ts.dispose();
  },
  ['reduce/sum multi-pass'],
);

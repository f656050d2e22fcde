// Kernel-machine conformance (src/ntk/predict.ts, predict_attack.ts) on a small MLP against float64
// references computed here: kernel ridge regression, linearized gradient descent at t and t -> infinity
// by direct solves (Gaussian elimination, a Taylor matrix exponential) on the float64 reference
// kernel; the closed-form leave-one-out against refitting without each row; and the kernel
// predictor's input gradient (central difference in the parameters) against a float64 central
// difference in the input of the reference predictor.

import { createMlp } from '../../src/nn/mlp.js';
import {
  fitKernelMachine,
  gradientDescentWeights,
  predict,
  solveKernelMachine,
  type KernelMachine,
  type MachineKernel,
  type MachineOffset,
} from '../../src/ntk/predict.js';
import { KernelPredictor } from '../../src/ntk/predict_attack.js';
import { referenceMlp, type RefLayer, type RefTensor } from '../../src/reference/layers.js';
import { referenceNtk } from '../../src/reference/ntk.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { TOLERANCES } from '../tolerances.js';
import { assert, assertBelow, expectCode, randomF32 } from './check.js';
import { defineCase } from './harness.js';

const MLP = { inputShape: [2, 3, 3], hidden: [7, 5], classes: 3, normalize: { mean: [0.4, 0.5], std: [0.3, 0.2] } };
const D = 18;
const TRAIN_LABELS = [0, 1, 2, 0, 1, 2];
const TEST_LABELS = [2, 0, 1, 1];

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    diff += (got[i] - want[i]) ** 2;
    norm += want[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Solves A Z = B (A m x m, B m x q) by Gaussian elimination with partial pivoting, float64. */
function solve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const q = b.length / m;
  const A = Float64Array.from(a);
  const B = Float64Array.from(b);
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r * m + col]) > Math.abs(A[pivot * m + col])) pivot = r;
    for (let k = 0; k < m; k++) [A[col * m + k], A[pivot * m + k]] = [A[pivot * m + k], A[col * m + k]];
    for (let k = 0; k < q; k++) [B[col * q + k], B[pivot * q + k]] = [B[pivot * q + k], B[col * q + k]];
    for (let r = col + 1; r < m; r++) {
      const f = A[r * m + col] / A[col * m + col];
      for (let k = col; k < m; k++) A[r * m + k] -= f * A[col * m + k];
      for (let k = 0; k < q; k++) B[r * q + k] -= f * B[col * q + k];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    for (let k = 0; k < q; k++) {
      let s = B[r * q + k];
      for (let j = r + 1; j < m; j++) s -= A[r * m + j] * B[j * q + k];
      B[r * q + k] = s / A[r * m + r];
    }
  }
  return B;
}

function matmul(a: Float64Array, b: Float64Array, rows: number, inner: number): Float64Array {
  const cols = b.length / inner;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < inner; k++) for (let j = 0; j < cols; j++) out[i * cols + j] += a[i * inner + k] * b[k * cols + j];
  return out;
}

/** exp(A) by scaling and squaring with a 30-term Taylor series (float64). */
function expm(a: Float64Array, m: number): Float64Array {
  const norm = Math.max(...Array.from({ length: m }, (_, i) => a.slice(i * m, (i + 1) * m).reduce((s, v) => s + Math.abs(v), 0)));
  const squarings = Math.max(0, Math.ceil(Math.log2(norm / 0.5)));
  const scaled = a.map((v) => v / 2 ** squarings);
  let term: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) term[i * m + i] = 1;
  const sum = Float64Array.from(term);
  for (let k = 1; k <= 30; k++) {
    term = matmul(term, scaled, m, m).map((v) => v / k);
    term.forEach((v, i) => (sum[i] += v));
  }
  let out: Float64Array = sum;
  for (let s = 0; s < squarings; s++) out = matmul(out, out, m, m);
  return out;
}

function oneHotResidual(f0: Float64Array, labels: number[], C: number): Float64Array {
  return f0.map((v, e) => (labels[Math.floor(e / C)] === e % C ? 1 : 0) - v);
}

async function setup(gpu: Parameters<typeof createMlp>[0]) {
  const model = createMlp(gpu, { ...MLP, seed: 4 });
  const xTrainData = randomF32(6 * D, 51, 0, 1);
  const xTestData = randomF32(4 * D, 52, 0, 1);
  const ref = referenceMlp(MLP, await model.exportState());
  return {
    model,
    ref,
    xTrain: Tensor.fromArray(gpu, xTrainData, [6, ...MLP.inputShape]),
    xTest: Tensor.fromArray(gpu, xTestData, [4, ...MLP.inputShape]),
    rTrain: { shape: [6, ...MLP.inputShape], data: Float64Array.from(xTrainData) } as RefTensor,
    rTest: { shape: [4, ...MLP.inputShape], data: Float64Array.from(xTestData) } as RefTensor,
  };
}

for (const kind of ['trace', 'full'] as MachineKernel[]) {
  defineCase(
    `kernel machine (${kind}): ridge regression and linearized GD at t and infinity equal float64 direct solves`,
    async ({ gpu, metric }) => {
      const { model, ref, xTrain, xTest, rTrain, rTest } = await setup(gpu);
      const C = MLP.classes;
      const K = referenceNtk(ref, rTrain, rTrain, kind);
      const Kx = referenceNtk(ref, rTest, rTrain, kind);
      const m = kind === 'full' ? 6 * C : 6;
      const f0 = ref.forward(rTrain).data;
      const f0Test = ref.forward(rTest).data;
      const R = oneHotResidual(f0, TRAIN_LABELS, C);
      let trace = 0;
      for (let i = 0; i < m; i++) trace += K[i * m + i];
      const lambda = (0.1 * trace) / m;
      const [eta, t] = [1, (6 * m) / trace]; // eta·s·t/n about 1 at the mean eigenvalue
      const kernelPart = (Z: Float64Array) => matmul(Kx, Z, Kx.length / m, m);
      const shifted = K.map((v, e) => (Math.floor(e / m) === e % m ? v + lambda : v));
      const minusKt = K.map((v) => (-eta * t * v) / 6);
      const E = expm(minusKt, m);
      const IminusE_R = matmul(
        E.map((v, e) => (Math.floor(e / m) === e % m ? 1 : 0) - v),
        R,
        m,
        m,
      );
      const want = {
        ridge: kernelPart(solve(shifted, R, m)),
        gd: kernelPart(solve(K, IminusE_R, m)),
        infinity: kernelPart(solve(K, R, m)),
      };

      // the float64 path alone (eigendecomposition vs direct solve): exact up to float64 rounding times the condition number
      const exact = await solveKernelMachine(K, m, R, lambda);
      const exactMachine: KernelMachine = { kind, offset: 'network', n: 6, classes: C, ...exact, seconds: { kernel: 0, solve: 0 } };
      metric(
        'f64 ridge',
        assertBelow(relativeError(kernelPart(exact.alpha), want.ridge), TOLERANCES.kernelMachineF64, 'float64 ridge regression'),
      );
      metric(
        'f64 gd',
        assertBelow(
          relativeError(kernelPart(gradientDescentWeights(exactMachine, eta, t)), want.gd),
          TOLERANCES.kernelMachineF64,
          'float64 GD at t',
        ),
      );
      metric(
        'f64 infinity',
        assertBelow(
          relativeError(kernelPart(gradientDescentWeights(exactMachine, eta, Infinity)), want.infinity),
          TOLERANCES.kernelMachineF64,
          'float64 GD at infinity',
        ),
      );

      // the device path: f32 kernels on the GPU, then the same float64 algebra
      const machine = await fitKernelMachine(model, xTrain, TRAIN_LABELS, { kind, ridge: lambda });
      assert(machine.ridge === lambda && machine.loo.length === 0, 'a given ridge is used as it is');
      const minus = (p: Float64Array) => p.map((v, e) => v - f0Test[e]);
      const cases = [
        ['ridge', machine.alpha, want.ridge],
        ['gd', gradientDescentWeights(machine, eta, t), want.gd],
        ['infinity', gradientDescentWeights(machine, eta, Infinity), want.infinity],
      ] as const;
      for (const [name, alpha, target] of cases) {
        const got = minus(await predict(model, machine, xTrain, xTest, alpha));
        metric(`device ${name}`, assertBelow(relativeError(got, target), TOLERANCES.kernelMachine, `device ${kind} ${name} prediction`));
      }
      [model, xTrain, xTest].forEach((x) => x.dispose());
    },
  );
}

defineCase('kernel machine: closed-form leave-one-out equals refitting without each row; bad input is typed', async ({ gpu, metric }) => {
  const { model, ref, xTrain, xTest, rTrain } = await setup(gpu);
  const K = referenceNtk(ref, rTrain, rTrain, 'trace');
  const C = MLP.classes;
  const R = oneHotResidual(ref.forward(rTrain).data, TRAIN_LABELS, C);
  const fit = await solveKernelMachine(K, 6, R, 'loo');
  assert(fit.loo.length === 17 && fit.loo.some((l) => l.ridge === fit.ridge), 'the ridge is one of the leave-one-out candidates');
  assert(
    fit.loo.every((l) => l.mse >= fit.loo.find((b) => b.ridge === fit.ridge)!.mse),
    'the chosen ridge has the least LOO error',
  );
  let worst = 0;
  for (const { ridge, mse } of [fit.loo[0], fit.loo[8], fit.loo[16]]) {
    let sum = 0;
    for (let i = 0; i < 6; i++) {
      const keep = [0, 1, 2, 3, 4, 5].filter((j) => j !== i);
      const Kk = Float64Array.from(keep.flatMap((a) => keep.map((b) => K[a * 6 + b] + (a === b ? ridge : 0))));
      const alpha = solve(Kk, Float64Array.from(keep.flatMap((a) => Array.from(R.slice(a * C, (a + 1) * C)))), 5);
      for (let c = 0; c < C; c++) sum += (R[i * C + c] - keep.reduce((s, a, r) => s + K[i * 6 + a] * alpha[r * C + c], 0)) ** 2;
    }
    worst = Math.max(worst, Math.abs(mse - sum / (6 * C)) / (sum / (6 * C)));
  }
  metric('loo vs refit', assertBelow(worst, TOLERANCES.kernelMachineF64, 'closed-form LOO vs refitting'));
  await expectCode('E_INVALID_ARGUMENT', () => fitKernelMachine(model, xTrain, TRAIN_LABELS, { ridge: -1 }));
  await expectCode('E_INVALID_ARGUMENT', () => fitKernelMachine(model, xTrain, [0, 1, 2, 0, 1, 3]));
  await expectCode('E_SHAPE_MISMATCH', () => fitKernelMachine(model, xTrain, [0, 1, 2]));
  await expectCode('E_INVALID_ARGUMENT', () => fitKernelMachine(model, xTrain, TRAIN_LABELS, { kind: 'logit' as never }));
  const many = Tensor.zeros(gpu, [2731, ...MLP.inputShape]); // full kernel of order 8193
  await expectCode('E_RESOURCE_LIMIT', () => fitKernelMachine(model, many, new Array(2731).fill(0), { kind: 'full' }));
  const machine = await fitKernelMachine(model, xTrain, TRAIN_LABELS, { ridge: 0.01 });
  await expectCode('E_SHAPE_MISMATCH', () => predict(model, machine, xTest, xTest));
  await expectCode('E_INVALID_ARGUMENT', () => gradientDescentWeights(machine, 0, 1));
  await expectCode('E_INVALID_ARGUMENT', () => gradientDescentWeights(machine, 1, -1));
  [model, xTrain, xTest, many].forEach((x) => x.dispose());
});

/** Σ_i CE(g(x_i), y_i) of the float64 reference predictor g(x) = f0(x) + K(x, X) alpha. */
function referenceLoss(ref: RefLayer, x: RefTensor, rTrain: RefTensor, machine: KernelMachine, labels: number[]): number {
  const C = machine.classes;
  const n = x.shape[0];
  const m = machine.values.length;
  const Kx = referenceNtk(ref, x, rTrain, machine.kind);
  const part = matmul(Kx, machine.alpha, Kx.length / m, m);
  const f0 = machine.offset === 'network' ? ref.forward(x).data : new Float64Array(n * C);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const g = Array.from({ length: C }, (_, c) => f0[i * C + c] + part[i * C + c]);
    const max = Math.max(...g);
    loss += Math.log(g.reduce((s, v) => s + Math.exp(v - max), 0)) + max - g[labels[i]];
  }
  return loss;
}

for (const [kind, offset] of [
  ['trace', 'network'],
  ['full', 'zero'],
] as Array<[MachineKernel, MachineOffset]>) {
  defineCase(
    `kernel predictor (${kind}, f0 ${offset}): input gradient by parameter central difference equals float64 finite differences`,
    async ({ gpu, metric }) => {
      const { model, ref, xTrain, xTest, rTrain, rTest } = await setup(gpu);
      const machine = await fitKernelMachine(model, xTrain, TRAIN_LABELS, { kind, offset, ridge: 'loo' });
      const predictor = await KernelPredictor.create(model, machine, xTrain, machine.alpha, 4); // 2 batches of the training points
      const before = await Promise.all(model.parameters().map((p) => p.value.read()));
      const { outputs, gradient } = await predictor.lossGradient(xTest, TEST_LABELS);
      const after = await Promise.all(model.parameters().map((p) => p.value.read()));
      assert(
        after.every((a, j) => a.every((v, e) => Object.is(v, before[j][e]))),
        'the parameters are restored exactly',
      );
      const exact = await predict(model, machine, xTrain, xTest);
      metric(
        'outputs',
        assertBelow(
          relativeError(outputs, exact),
          TOLERANCES.kernelPredictorGradient,
          'predictor outputs by central difference vs the kernel',
        ),
      );
      const want = new Float64Array(4 * D);
      const step = 1e-6;
      for (let e = 0; e < want.length; e++) {
        const i = Math.floor(e / D);
        const one = (delta: number) => {
          const data = rTest.data.slice(i * D, (i + 1) * D);
          data[e % D] += delta;
          return referenceLoss(ref, { shape: [1, ...MLP.inputShape], data }, rTrain, machine, [TEST_LABELS[i]]);
        };
        want[e] = (one(step) - one(-step)) / (2 * step);
      }
      metric(
        'gradient',
        assertBelow(relativeError(gradient, want), TOLERANCES.kernelPredictorGradient, `${kind} predictor input gradient`),
      );
      const bound = await predictor.gradientErrorBound(xTest, TEST_LABELS);
      metric('measured bound', bound);
      assert(bound < TOLERANCES.kernelPredictorGradient, `the measured central-difference bound ${bound} is below the tolerance`);
      [model, xTrain, xTest].forEach((x) => x.dispose());
    },
  );
}

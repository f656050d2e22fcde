// The kernel machine of a model's empirical NTK (neural-tangents' `predict`, docs/METHODS.md, "The kernel machine"):
// kernel ridge regression and the closed-form linearized gradient-descent (MSE) predictions at time
// t and t -> infinity, all through one float64 eigendecomposition K(X, X) = U diag(s) Uᵀ (WASM eigh),
// with targets Y - f0 (one-hot labels minus the network's outputs at the kernel's parameters, or 0)
// and a ridge chosen by closed-form leave-one-out when not given.

import { check, NtkError } from '../errors.js';
import { EIGH_MAX_ORDER_VECTORS, eigh } from '../linalg/eigh.js';
import { Model } from '../nn/model.js';
import { requireChoice, requireInstance, requireNumbers, resolveOptions } from '../options.js';
import { currentPlatform } from '../platform/index.js';
import { Tensor } from '../tensor/tensor.js';
import { empiricalNtk, sliceRows, type NtkImplementation } from './kernel.js';

/** The kernels a kernel machine can use: `trace` (n x n, shared by the classes) or `full` (nC x nC). */
export type MachineKernel = 'trace' | 'full';
/** f0, what the targets are centred on: the network's outputs (NT's linearization) or zero (plain kernel regression, Fort et al. 2020). */
export type MachineOffset = 'network' | 'zero';

/** Options of fitKernelMachine. */
export interface MachineOptions {
  kind: MachineKernel;
  offset: MachineOffset;
  /** The ridge lambda >= 0, or 'loo': the lambda of LOO_GRID with the least leave-one-out MSE. */
  ridge: number | 'loo';
  implementation: NtkImplementation;
  /** Samples per forward pass when computing f0. */
  batch: number;
}

/** Trace kernel, targets centred on the network, ridge by leave-one-out. */
export const DEFAULT_MACHINE: MachineOptions = {
  kind: 'trace',
  offset: 'network',
  ridge: 'loo',
  implementation: 'contraction',
  batch: 256,
};

/** Leave-one-out candidates: lambda = (trace K / m) · 10^e, e = -6, -5.5, ..., 2 (17 values; each costs O(m² q)). */
export const LOO_GRID: readonly number[] = Array.from({ length: 17 }, (_, i) => 10 ** (-6 + i / 2));

/**
 * A fitted kernel machine: the eigendecomposition of K(X, X) (m = n for `trace`, nC for `full`) and
 * the targets R = Y - f0 as an m x q matrix (`trace`: [n, C]; `full`: [nC, 1], row i·C + c).
 */
export interface KernelMachine {
  kind: MachineKernel;
  offset: MachineOffset;
  n: number;
  classes: number;
  /** Eigenvalues of K(X, X), descending. */
  values: Float64Array;
  /** Eigenvectors, row j is the unit eigenvector of values[j] (m x m). */
  vectors: Float64Array;
  /** R = Y - f0, m x q row-major. */
  residual: Float64Array;
  /** The ridge used by kernel regression. */
  ridge: number;
  /** Leave-one-out MSE at each candidate lambda (empty when the ridge was given). */
  loo: Array<{ ridge: number; mse: number }>;
  /** Kernel-regression weights alpha = (K + lambda I)⁻¹ R, m x q. */
  alpha: Float64Array;
  /** Seconds: the kernel, and the eigendecomposition with the ridge choice. */
  seconds: { kernel: number; solve: number };
}

/**
 * Logits of `model` (eval mode) on x [n, ...] as float64 [n, C], `batch` samples per pass.
 */
export async function networkOutputs(model: Model, x: Tensor, batch = 256): Promise<Float64Array> {
  const n = x.shape[0];
  const out = new Float64Array(n * model.classes);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const xs = sliceRows(x, start, count);
    const logits = model.forward(xs, { mode: 'eval' });
    out.set(await logits.read(), start * model.classes);
    [xs, logits].forEach((t) => t.dispose());
  }
  return out;
}

/**
 * Fits the kernel machine of `model`'s eNTK on training inputs x [n, ...] with labels: computes
 * K(X, X) and f0, decomposes K and solves for the ridge (given or by leave-one-out).
 * Errors: E_SHAPE_MISMATCH (labels vs x), E_INVALID_ARGUMENT (labels, ridge, options),
 * E_RESOURCE_LIMIT (the kernel's order is past EIGH_MAX_ORDER_VECTORS).
 */
export async function fitKernelMachine(
  model: Model,
  x: Tensor,
  labels: ArrayLike<number>,
  options: Partial<MachineOptions> = {},
): Promise<KernelMachine> {
  const now = () => currentPlatform().now();
  requireInstance('fitKernelMachine', 'model', model, Model, 'a Model (createMlp, createCnn, ...)');
  requireInstance('fitKernelMachine', 'x', x, Tensor, 'a Tensor of inputs');
  requireNumbers('fitKernelMachine', 'labels', labels);
  const o = resolveOptions('fitKernelMachine', DEFAULT_MACHINE, options);
  requireChoice('fitKernelMachine', 'kind', o.kind, ['trace', 'full'] as const);
  requireChoice('fitKernelMachine', 'offset', o.offset, ['network', 'zero'] as const);
  checkRidge(o.ridge);
  const n = x.shape[0];
  const C = model.classes;
  if (labels.length !== n) throw new NtkError('E_SHAPE_MISMATCH', `fitKernelMachine: ${labels.length} labels for ${n} inputs.`);
  for (let i = 0; i < n; i++) {
    check(
      Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < C,
      `fitKernelMachine: label ${i} is ${labels[i]}, not a class index in [0, ${C}).`,
    );
  }
  const m = o.kind === 'full' ? n * C : n;
  if (m > EIGH_MAX_ORDER_VECTORS) {
    throw new NtkError(
      'E_RESOURCE_LIMIT',
      `fitKernelMachine: the ${o.kind} kernel of ${n} points has order ${m}, past EIGH_MAX_ORDER_VECTORS=${EIGH_MAX_ORDER_VECTORS} (its eigenvectors must fit WASM memory); use fewer training points${o.kind === 'full' ? ' or the trace kernel' : ''}.`,
      { order: m, limit: EIGH_MAX_ORDER_VECTORS },
    );
  }
  const start = now();
  const kernel = await empiricalNtk(model, x, null, { kind: o.kind, implementation: o.implementation });
  const f0 = o.offset === 'network' ? await networkOutputs(model, x, o.batch) : new Float64Array(n * C);
  const kernelSeconds = (now() - start) / 1000;
  const residual = new Float64Array(n * C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) residual[i * C + c] = (labels[i] === c ? 1 : 0) - f0[i * C + c];
  const machine = await solveKernelMachine(kernel.data, m, residual, o.ridge);
  return {
    kind: o.kind,
    offset: o.offset,
    n,
    classes: C,
    ...machine,
    seconds: { kernel: kernelSeconds, solve: (now() - start) / 1000 - kernelSeconds },
  };
}

function checkRidge(ridge: number | 'loo'): void {
  check(
    ridge === 'loo' || (typeof ridge === 'number' && Number.isFinite(ridge) && ridge >= 0),
    `kernel machine: ridge must be a finite number >= 0 or 'loo', got ${ridge}.`,
    { option: 'ridge' },
  );
}

/**
 * The float64 part of a kernel machine: eigendecomposition of the m x m kernel, the ridge (given or
 * by leave-one-out) and alpha = (K + lambda I)⁻¹ R for the m x q residual R.
 */
export async function solveKernelMachine(
  kernel: Float64Array,
  m: number,
  residual: Float64Array,
  ridge: number | 'loo',
): Promise<Pick<KernelMachine, 'values' | 'vectors' | 'residual' | 'ridge' | 'loo' | 'alpha'>> {
  checkRidge(ridge);
  if (kernel.length !== m * m || residual.length % m !== 0 || residual.length === 0) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `kernel machine: a ${m} x ${m} kernel needs ${m * m} values and a residual of m x q values; got ${kernel.length} and ${residual.length}.`,
    );
  }
  const { values, vectors } = await eigh(kernel, m, { vectors: true });
  const projected = project(vectors!, residual, m);
  const loo: Array<{ ridge: number; mse: number }> = [];
  let chosen = ridge === 'loo' ? NaN : ridge;
  if (ridge === 'loo') {
    const scale = values.reduce((s, v) => s + v, 0) / m;
    check(scale > 0, 'kernel machine: the kernel has trace <= 0, so no ridge scale can be chosen; pass a ridge.');
    let best = Infinity;
    for (const e of LOO_GRID) {
      const lambda = scale * e;
      const mse = leaveOneOutMse(values, vectors!, projected, m, lambda);
      loo.push({ ridge: lambda, mse });
      if (mse < best) [best, chosen] = [mse, lambda];
    }
  }
  const alpha = spectralWeights({ values, vectors: vectors! }, projected, m, ridgeFilter(chosen, values));
  return { values, vectors: vectors!, residual, ridge: chosen, loo, alpha };
}

/** Uᵀ R (m x q) for eigenvector rows `vectors` (row j = u_j). */
function project(vectors: Float64Array, residual: Float64Array, m: number): Float64Array {
  const q = residual.length / m;
  const out = new Float64Array(m * q);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < m; i++) {
      const u = vectors[j * m + i];
      if (u === 0) continue;
      for (let c = 0; c < q; c++) out[j * q + c] += u * residual[i * q + c];
    }
  }
  return out;
}

/** U diag(phi) (Uᵀ R): the weights of the spectral filter phi. */
function spectralWeights(
  eig: { values: Float64Array; vectors: Float64Array },
  projected: Float64Array,
  m: number,
  phi: Float64Array,
): Float64Array {
  const q = projected.length / m;
  const out = new Float64Array(m * q);
  const b = new Float64Array(q);
  for (let j = 0; j < m; j++) {
    if (phi[j] === 0) continue;
    for (let c = 0; c < q; c++) b[c] = phi[j] * projected[j * q + c];
    for (let i = 0; i < m; i++) {
      const u = eig.vectors[j * m + i];
      for (let c = 0; c < q; c++) out[i * q + c] += u * b[c];
    }
  }
  return out;
}

/** Eigenvalues at or below this are treated as 0 (numpy pinv's rcond): s_max · m · 2⁻⁵². Negative eigenvalues (float32 rounding of a PSD kernel) count as 0. */
function cutoff(values: Float64Array, m: number): number {
  return Math.max(values[0], 0) * m * 2 ** -52;
}

/** 1 / (s + lambda); lambda = 0 is the pseudo-inverse. */
function ridgeFilter(lambda: number, values: Float64Array): Float64Array {
  const tiny = cutoff(values, values.length);
  return values.map((s) => (lambda === 0 ? (s > tiny ? 1 / s : 0) : 1 / (Math.max(s, 0) + lambda)));
}

/**
 * Leave-one-out MSE of ridge regression (closed form): e = (I - H) R / (1 - diag H) with
 * H = K (K + lambda I)⁻¹, i.e. e_i = alpha_i / [(K + lambda I)⁻¹]_ii.
 */
function leaveOneOutMse(values: Float64Array, vectors: Float64Array, projected: Float64Array, m: number, lambda: number): number {
  const phi = ridgeFilter(lambda, values);
  const alpha = spectralWeights({ values, vectors }, projected, m, phi);
  const diag = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const p = phi[j];
    for (let i = 0; i < m; i++) {
      const u = vectors[j * m + i];
      diag[i] += u * u * p;
    }
  }
  const q = alpha.length / m;
  let sum = 0;
  for (let i = 0; i < m; i++) for (let c = 0; c < q; c++) sum += (alpha[i * q + c] / diag[i]) ** 2;
  return sum / alpha.length;
}

/**
 * The weights of the linearized gradient-descent (MSE) solution at time t with learning rate eta,
 * loss (1/2n) Σ_i ‖f(x_i) − y_i‖²: alpha_t = K⁻¹ (I − exp(−eta K t / n)) R (its s → 0 limit eta t / n);
 * t = Infinity gives the minimum-norm interpolant K⁺ R (eigenvalues at or below the cutoff dropped).
 */
export function gradientDescentWeights(machine: KernelMachine, eta: number, t: number): Float64Array {
  check(Number.isFinite(eta) && eta > 0, `gradientDescentWeights: eta must be a finite number > 0, got ${eta}.`, { option: 'eta' });
  check(t >= 0 && !Number.isNaN(t), `gradientDescentWeights: t must be >= 0 (Infinity for the limit), got ${t}.`, { option: 't' });
  const m = machine.values.length;
  const tiny = cutoff(machine.values, m);
  const rate = (eta * t) / machine.n;
  const phi = machine.values.map((s) => {
    if (t === Infinity) return s > tiny ? 1 / s : 0;
    if (s <= tiny) return rate; // (1 - e^{-s·rate}) / s -> rate
    return -Math.expm1(-s * rate) / s;
  });
  return spectralWeights(machine, project(machine.vectors, machine.residual, m), m, phi);
}

/**
 * Predictions f0(X*) + K(X*, X) alpha as [n*, C] for a cross kernel [n*·s, m] (s = C for `full`)
 * and the network outputs f0(X*) (ignored, as zero, for offset `zero`).
 */
export function predictWith(machine: KernelMachine, cross: Float64Array, f0: Float64Array, alpha: Float64Array): Float64Array {
  const C = machine.classes;
  const m = machine.values.length;
  const q = alpha.length / m;
  const rows = cross.length / m;
  if (!Number.isInteger(rows) || rows * q !== f0.length) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `predictWith: a cross kernel of ${cross.length} values against ${m} training rows does not fit ${f0.length / C} test points.`,
    );
  }
  const out = machine.offset === 'network' ? Float64Array.from(f0) : new Float64Array(f0.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const k = cross[r * m + j];
      if (k === 0) continue;
      for (let c = 0; c < q; c++) out[r * q + c] += k * alpha[j * q + c];
    }
  }
  return out;
}

/**
 * The machine's predictions [n*, C] on test inputs x [n*, ...] for weights alpha (kernel
 * regression: machine.alpha; or gradientDescentWeights): computes K(X*, X) and f0(X*).
 */
export async function predict(
  model: Model,
  machine: KernelMachine,
  xTrain: Tensor,
  xTest: Tensor,
  alpha: Float64Array = machine.alpha,
  implementation: NtkImplementation = 'contraction',
): Promise<Float64Array> {
  if (xTrain.shape[0] !== machine.n)
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `predict: the machine was fitted on ${machine.n} points, got ${xTrain.shape[0]} training inputs.`,
    );
  const cross = await empiricalNtk(model, xTest, xTrain, { kind: machine.kind, implementation });
  const f0 = machine.offset === 'network' ? await networkOutputs(model, xTest) : new Float64Array(xTest.shape[0] * machine.classes);
  return predictWith(machine, cross.data, f0, alpha);
}

/** Per-sample correctness (argmax, first maximum on ties) of predictions [n, C] against labels. */
export function correctness(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number): boolean[] {
  return Array.from({ length: labels.length }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (predictions[i * classes + c] > predictions[i * classes + best]) best = c;
    return best === labels[i];
  });
}

/** Fraction correct. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const right = correctness(predictions, labels, classes);
  return right.filter(Boolean).length / right.length;
}

// Where a backward pass puts parameter gradients: the caller passes a sink. `sum` adds the
// batch-summed gradients into Parameter.grad (training), `none` skips them (attacks: the input
// gradient only), and a PerSampleGrads sink collects per-sample gradients (Jacobians, kernels) and owns them.

import type { Conv2dGeometry } from '../ops/conv2d.js';
import { NtkError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Parameter } from './layer.js';

/** What a backward pass does with parameter gradients (BackwardOptions.grads). */
export type GradientSink = { readonly kind: 'sum' } | { readonly kind: 'none' } | PerSampleGrads;

/** Every GradientSink kind. */
export const GRADIENT_SINK_KINDS = ['sum', 'perSample', 'none'] as const;

/** Batch-summed gradients added into Parameter.grad (allocated zeroed on first use; Model.zeroGrad() clears it). The default. */
export const SUM_GRADS: GradientSink = Object.freeze({ kind: 'sum' });

/** No parameter gradients: only the input gradient (attacks). */
export const NO_PARAM_GRADS: GradientSink = Object.freeze({ kind: 'none' });

/** One parameter's per-sample gradients, materialised: [n, ...parameter shape]. */
export interface PerSampleGrad {
  readonly kind: 'grad';
  readonly param: Parameter;
  readonly grad: Tensor;
}

/**
 * A layer's weight/bias pair in factored form (one entry for both, so consumers pair them from the
 * data). Dense (`conv` null): dy [n, out], x [n, in]; sample i's weight gradient is dy_i ⊗ x_i
 * (flattened row-major) and its bias gradient dy_i. Conv2d (`conv` set): dy [n, cout, oh, ow],
 * x [n, cin, h, w]; sample i's weight gradient is Σ_pixels dy_i[:, p] ⊗ patch_i[p] and its bias
 * gradient Σ_p dy_i[:, p] (the NTK contracts or materialises them: src/ntk/kernel.ts).
 */
export interface PerSampleFactors {
  readonly kind: 'factors';
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly dy: Tensor;
  readonly x: Tensor;
  readonly conv: Conv2dGeometry | null;
}

/** What a PerSampleGrads sink holds for a parameter. */
export type PerSampleEntry = PerSampleGrad | PerSampleFactors;

/**
 * Per-sample gradients of one backward pass (use a fresh sink per backward). Only defined when the
 * forward pass ran with per-sample-separable statistics (BatchNorm in eval mode with running
 * buffers). With `factored`, a layer whose per-sample gradient is an outer product (Dense, Conv2d)
 * gives its factors instead of materialising it; other layers materialise. The sink owns every
 * tensor it receives: dispose() frees them (take views of what must outlive it).
 */
export class PerSampleGrads {
  readonly kind = 'perSample' as const;
  private readonly entries = new Map<Parameter, PerSampleEntry>();

  constructor(readonly factored = false) {}

  /** Records `param`'s per-sample gradient [n, ...param shape]; the sink takes ownership of `grad`. */
  addGrad(param: Parameter, grad: Tensor): void {
    this.add([param], { kind: 'grad', param, grad });
  }

  /** Records a layer's weight/bias pair as factors (see PerSampleFactors); the sink takes ownership of dy and x. */
  addFactors(factors: Omit<PerSampleFactors, 'kind'>): void {
    const params = factors.bias ? [factors.weight, factors.bias] : [factors.weight];
    this.add(params, { kind: 'factors', ...factors });
  }

  /** The entry holding `param`'s per-sample gradient; E_INVALID_ARGUMENT naming `where` and the parameter if the backward gave none. */
  entry(param: Parameter, where = 'PerSampleGrads'): PerSampleEntry {
    const e = this.entries.get(param);
    if (!e)
      throw new NtkError('E_INVALID_ARGUMENT', `${where}: parameter "${param.name}" received no per-sample gradient.`, {
        parameter: param.name,
      });
    return e;
  }

  /** `param`'s materialised per-sample gradient [n, ...param shape] (still owned by the sink); E_INVALID_ARGUMENT if there is none or it came as factors. */
  grad(param: Parameter, where = 'PerSampleGrads'): Tensor {
    const e = this.entry(param, where);
    if (e.kind !== 'grad') {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `${where}: parameter "${param.name}" gave its per-sample gradient as factors; use a PerSampleGrads sink without factored.`,
        { parameter: param.name },
      );
    }
    return e.grad;
  }

  /** Frees every tensor the sink received. */
  dispose(): void {
    for (const [param, e] of this.entries) {
      if (e.kind === 'grad') e.grad.dispose();
      else if (param === e.weight) disposeFactors(e);
    }
    this.entries.clear();
  }

  private add(params: Parameter[], entry: PerSampleEntry): void {
    const twice = params.find((p) => this.entries.has(p));
    if (twice) {
      if (entry.kind === 'grad') entry.grad.dispose();
      else disposeFactors(entry);
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `parameter "${twice.name}" received two per-sample gradients in one sink; pass a fresh PerSampleGrads to each backward.`,
        { parameter: twice.name },
      );
    }
    for (const p of params) this.entries.set(p, entry);
  }
}

function disposeFactors(f: PerSampleFactors): void {
  f.dy.dispose();
  f.x.dispose();
}

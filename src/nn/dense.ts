// Dense (fully connected) layer: y = x Wᵀ + b with W stored [out, in] (PyTorch nn.Linear layout,
// so checkpoints map one-to-one), the bias (and a following ReLU, fused) in the GEMM's epilogue.
// Backward gives dx = dy W (masked by a fused ReLU before it), batch-summed dW = dyᵀ x and db = Σ dy
// accumulated into the gradients, or, into a per-sample sink, dW_i = dy_i ⊗ x_i as one batched
// matmul (or the factors dy, x for the NTK's contraction).

import type { Gpu } from '../device/gpu.js';
import { channelSumInto } from '../ops/channel_sum.js';
import { matmul, matmulInto } from '../ops/matmul.js';
import { resolveOptions, requireChoice, requireInteger } from '../options.js';
import type { Rng } from '../random/rng.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { INIT_SCHEMES, initBias, initWeights, type InitScheme } from './init.js';
import { SUM_GRADS } from './gradient_sink.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, createParameter, disposeParameter, gradOf, recorded, shapeError } from './parameter.js';

/** Options of a Dense layer. */
export interface DenseOptions {
  /** Weight (and bias) initialisation, see nn/init.ts. */
  init: InitScheme;
  /** Learn a bias b [out]. */
  bias: boolean;
}

/** PyTorch nn.Linear defaults: with bias, PyTorch's default initialisation. */
export const DEFAULT_DENSE_OPTIONS: DenseOptions = { init: 'pytorch-default', bias: true };

/** A fully connected layer: y = x Wᵀ + b for x [n, in]. */
export class Dense implements Layer {
  /** W [out, in]: y = x Wᵀ + b. */
  readonly weight: Parameter;
  /** b [out], or null without bias. Excluded from weight decay. */
  readonly bias: Parameter | null;
  private input: Tensor | null = null;

  /** Draws W (then b) from `rng` under `options.init`. Parameters are `${name}.weight`, `${name}.bias`. */
  constructor(
    gpu: Gpu,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: Partial<DenseOptions> = {},
  ) {
    const where = `Dense "${name}"`;
    requireInteger(where, 'inFeatures', inFeatures);
    requireInteger(where, 'outFeatures', outFeatures);
    const o = resolveOptions(where, DEFAULT_DENSE_OPTIONS, options);
    requireChoice(where, 'init', o.init, INIT_SCHEMES);
    const w = () => initWeights(o.init, rng, outFeatures * inFeatures, inFeatures);
    this.weight = createParameter(gpu, `${name}.weight`, w, [outFeatures, inFeatures], false);
    this.bias = o.bias
      ? createParameter(gpu, `${name}.bias`, () => initBias(o.init, rng, outFeatures, inFeatures), [outFeatures], true)
      : null;
  }

  outputShape(input: Shape): Shape {
    if (input.length !== 2 || input[1] !== this.inFeatures) {
      throw shapeError(
        this.name,
        `Dense ${this.inFeatures}→${this.outFeatures}`,
        `[n, ${this.inFeatures}]`,
        input,
        input.length > 2 ? 'put a Flatten layer before it' : `check the previous layer's width`,
      );
    }
    return [input[0], this.outFeatures];
  }

  /** Backward multiplies dx by (options.reluOutput > 0) in the GEMM's epilogue. */
  readonly fusesReluBackward = true;

  forward(x: Tensor, options: ForwardOptions): Tensor {
    return this.affine(x, options, false);
  }

  /** forward() then ReLU, bias and ReLU in the GEMM's epilogue (Sequential fuses a following ReLU). */
  forwardRelu(x: Tensor, options: ForwardOptions): Tensor {
    return this.affine(x, options, true);
  }

  /** x Wᵀ + b, then max(., 0) with `relu`: one GEMM, bias and ReLU in its epilogue. */
  private affine(x: Tensor, options: ForwardOptions, relu: boolean): Tensor {
    this.outputShape(x.shape);
    this.clearRecord();
    const bias = this.bias ? { values: this.bias.value, per: 'column' as const } : undefined;
    const y = matmul(x, this.weight.value, { transB: true, epilogue: { bias, relu } });
    if (options.record ?? true) this.input = x.view();
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const x = recorded(this.name, this.input);
    const n = x.shape[0];
    checkGradShape(this.name, dy.shape, [n, this.outFeatures]);
    const grads = options.grads ?? SUM_GRADS;
    if (grads.kind === 'sum') {
      matmulInto(dy, x, gradOf(this.weight), { transA: true, accumulate: true });
      if (this.bias) channelSumInto(dy, gradOf(this.bias));
    } else if (grads.kind === 'perSample' && grads.factored) {
      grads.addFactors({ weight: this.weight, bias: this.bias, dy: dy.view(), x: x.view(), conv: null }); // dW_i = dy_i ⊗ x_i, db_i = dy_i
    } else if (grads.kind === 'perSample') {
      const dyColumn = dy.reshape([n, this.outFeatures, 1]);
      const xRow = x.reshape([n, 1, this.inFeatures]);
      grads.addGrad(this.weight, matmul(dyColumn, xRow));
      dyColumn.dispose();
      xRow.dispose();
      if (this.bias) grads.addGrad(this.bias, dy.view());
    }
    if (options.inputGrad === false) return Tensor.empty(dy.gpu, [1]);
    return matmul(dy, this.weight.value, { epilogue: { mask: options.reluOutput } });
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  clearRecord(): void {
    this.input?.dispose();
    this.input = null;
  }

  dispose(): void {
    this.clearRecord();
    this.parameters().forEach(disposeParameter);
  }
}

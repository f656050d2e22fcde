// The layer contract every model is built from: a forward pass on the device that records what
// its backward pass needs, a backward pass that returns the input gradient and accumulates
// parameter gradients, and explicit switches for every BatchNorm behaviour.

import type { Conv2dGeometry } from '../ops/conv2d.js';
import type { Shape, Tensor } from '../tensor/tensor.js';

/** How a forward pass runs. Every switch is explicit; nothing is read from hidden globals. */
export interface ForwardOptions {
  /** `train`: BatchNorm normalises with batch statistics; `eval`: with its running buffers. */
  mode: 'train' | 'eval';
  /** In `eval` mode, BatchNorm uses the batch's statistics instead of the running buffers. Default false. */
  bnBatchStatsInEval?: boolean;
  /** In `train` mode, leave BatchNorm running buffers untouched (e.g. while generating attacks). Default false. */
  freezeBnStats?: boolean;
  /** Keep what backward() needs (activations, masks, batch statistics). Default true. */
  record?: boolean;
}

/** How a backward pass treats parameter gradients. */
export interface BackwardOptions {
  /**
   * `sum` (default): parameter gradients summed over the batch, added into `Parameter.grad`
   * (allocated zeroed on first use; Model.zeroGrad() clears it).
   * `perSample`: `Parameter.perSampleGrad` is replaced (the previous one disposed) by the
   * [batch, ...param shape] gradients of this backward (for Jacobians and kernels); only defined
   * when the forward pass ran with per-sample-separable statistics (BatchNorm in eval mode with
   * running buffers). `Parameter.grad` is left untouched.
   * `none`: only the input gradient (attacks).
   */
  paramGrads?: 'sum' | 'perSample' | 'none';
  /**
   * With `perSample`: a layer whose per-sample gradient is an outer product may set
   * `Parameter.perSampleFactors` instead of materialising `perSampleGrad` (the NTK's fast
   * contraction uses it). Layers that cannot factor ignore the flag. Default false.
   */
  factored?: boolean;
  /**
   * false: the caller discards dL/dx, so the first layers (up to the first with parameters) may
   * skip it; the returned tensor is then a placeholder to dispose. Default true.
   */
  inputGrad?: boolean;
}

/**
 * A per-sample gradient in factored form: sample i's gradient is left_i ⊗ right_i (flattened
 * row-major, left [n, a], right [n, b]), or left_i itself when `right` is null (biases).
 * With `conv` (Conv2d layers): left is dy [n, cout, oh, ow] and right the layer input x
 * [n, cin, h, w], and sample i's weight gradient is Σ_pixels dy_i[:, p] ⊗ patch_i[p] (the bias's,
 * right null: Σ_p dy_i[:, p]); the NTK contracts or materialises it (src/ntk/kernel.ts).
 */
export interface PerSampleFactors {
  left: Tensor;
  right: Tensor | null;
  conv?: Conv2dGeometry;
}

/** A trainable tensor and its gradients (allocated on first backward). */
export interface Parameter {
  /** Dotted path, e.g. `block1.conv.weight`: stable across runs, used in checkpoints. */
  name: string;
  value: Tensor;
  grad: Tensor | null;
  perSampleGrad: Tensor | null;
  /** Factored per-sample gradient from a `factored` backward (see BackwardOptions), or null. */
  perSampleFactors: PerSampleFactors | null;
  /** Excluded from weight decay (biases, BatchNorm affine parameters). */
  noDecay: boolean;
}

/** A non-trainable state tensor (BatchNorm running mean/variance, step counters). */
export interface Buffer {
  name: string;
  value: Tensor;
}

/** A differentiable layer. Shapes include the batch dimension first, e.g. [n, c, h, w]. */
export interface Layer {
  /** Dotted path of the layer in its model, used in error messages and parameter names. */
  readonly name: string;
  /** Output shape for an input shape; throws E_SHAPE_MISMATCH naming the layer when it does not fit. */
  outputShape(input: Shape): Shape;
  /** Computes the output for input `x`, recording what backward() needs unless `options.record` is false. */
  forward(x: Tensor, options: ForwardOptions): Tensor;
  /** Given dL/dy of the last recorded forward, returns dL/dx and fills parameter gradients. */
  backward(dy: Tensor, options?: BackwardOptions): Tensor;
  /** The trainable tensors of this layer and its children, in a stable order. */
  parameters(): Parameter[];
  /** The non-trainable state tensors of this layer and its children (e.g. BatchNorm running statistics). */
  buffers(): Buffer[];
  /** Frees recorded activations (parameters stay). */
  clearRecord(): void;
  /** Frees everything the layer owns. */
  dispose(): void;
}

// The layer contract every model is built from: a forward pass on the device that records what
// its backward pass needs, a backward pass that returns the input gradient and puts parameter
// gradients in the sink its caller passes, and explicit switches for every BatchNorm behaviour.

import type { Shape, Tensor } from '../tensor/tensor.js';
import type { GradientSink } from './gradient_sink.js';

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

/** How a backward pass treats gradients. */
export interface BackwardOptions {
  /**
   * Where parameter gradients go (nn/gradient_sink.ts): SUM_GRADS (default) adds the batch sums
   * into `Parameter.grad`; a PerSampleGrads sink collects per-sample gradients (materialised or
   * factored) and leaves `Parameter.grad` untouched; NO_PARAM_GRADS skips them (attacks).
   */
  grads?: GradientSink;
  /**
   * false: the caller discards dL/dx, so the first layers (up to the first with parameters) may
   * skip it; the returned tensor is then a placeholder to dispose. Default true.
   */
  inputGrad?: boolean;
  /**
   * The output of a ReLU right before this layer (Sequential fuses that ReLU's backward into this
   * layer's): multiply the returned input gradient by (reluOutput > 0). Passed only to layers with
   * `fusesReluBackward`, and only when they return the input gradient.
   */
  reluOutput?: Tensor;
}

/** A trainable tensor and its summed gradient (the optimizer's state; allocated on first backward). */
export interface Parameter {
  /** Dotted path, e.g. `block1.conv.weight`: stable across runs, used in checkpoints. */
  name: string;
  value: Tensor;
  grad: Tensor | null;
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
  /** Given dL/dy of the last recorded forward, returns dL/dx and gives parameter gradients to `options.grads`. */
  backward(dy: Tensor, options?: BackwardOptions): Tensor;
  /**
   * forward() followed by ReLU in one pass (the ReLU in the GEMM's epilogue): Sequential calls it for
   * a layer followed by a ReLU, which then records the result as its output. Same bits as the two apart.
   */
  forwardRelu?(x: Tensor, options: ForwardOptions): Tensor;
  /** backward() honours `options.reluOutput` (the ReLU before this layer, fused by Sequential). */
  readonly fusesReluBackward?: boolean;
  /** The trainable tensors of this layer and its children, in a stable order. */
  parameters(): Parameter[];
  /** The non-trainable state tensors of this layer and its children (e.g. BatchNorm running statistics). */
  buffers(): Buffer[];
  /** Frees recorded activations (parameters stay). */
  clearRecord(): void;
  /** Frees everything the layer owns. */
  dispose(): void;
}

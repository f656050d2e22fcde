// Model: a root layer with a name, a per-sample input shape and a class count. It validates
// inputs (E_SHAPE_MISMATCH naming the layer), runs forward/backward, computes the softmax
// cross-entropy loss and its gradients in one call, per-sample gradients of a chosen scalar
// output, and exports/imports its state as named Float32Arrays for checkpoints.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../ops/softmax_cross_entropy.js';
import { requireChoice, requireInstance, resolveOptions } from '../options.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { GRADIENT_SINK_KINDS, PerSampleGrads, SUM_GRADS, type GradientSink } from './gradient_sink.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';

/** Forward defaults: evaluation mode, running BatchNorm statistics, recording for backward. */
export const DEFAULT_FORWARD_OPTIONS: Required<ForwardOptions> = {
  mode: 'eval',
  bnBatchStatsInEval: false,
  freezeBnStats: false,
  record: true,
};

export interface LossOptions extends ForwardOptions {
  /**
   * Where the parameter gradients of the mean loss go (nn/gradient_sink.ts): SUM_GRADS adds them
   * into Parameter.grad (training), NO_PARAM_GRADS skips them (attacks), a PerSampleGrads sink collects them per sample.
   */
  grads: GradientSink;
  /** Return dL/dx of the mean loss (attacks). */
  inputGrad: boolean;
}

/** Loss defaults: training mode, summed parameter gradients, no input gradient. */
export const DEFAULT_LOSS_OPTIONS: LossOptions = { ...DEFAULT_FORWARD_OPTIONS, mode: 'train', grads: SUM_GRADS, inputGrad: false };

/** What lossAndGrad returns; the caller disposes it (dispose() frees every tensor in it). */
export interface LossResult {
  /** [n] per-sample softmax cross-entropy; the loss is their mean (meanAll(losses)). */
  losses: Tensor;
  /** [n] 1 where the prediction (first arg-max) equals the label. */
  correct: Tensor;
  /** dL/dx [n, ...input] of the mean loss, when `inputGrad` was asked for. */
  inputGrad: Tensor | null;
  /** Frees every tensor of the result. */
  dispose(): void;
}

/**
 * The scalar output whose per-sample parameter gradient perSampleGradients() computes:
 * `{ logit: c }` → ∇θ f_c(x_i); `'sumLogits'` → ∇θ Σ_c f_c(x_i); `{ cotangent: v }` with v
 * [n, classes] on the device → ∇θ Σ_c v_ic f_c(x_i).
 */
export type OutputSelector = { logit: number } | 'sumLogits' | { cotangent: Tensor };

/** A named-tensor snapshot (parameters and buffers) keyed by dotted name. */
export type ModelState = Record<string, Float32Array>;

/**
 * A network ready to train and analyse: its layer tree, input shape and class count, with loss and
 * gradients, per-sample gradients (for kernels), state export/import (checkpoints) and parameters.
 */
export class Model {
  /**
   * `inputShape` is one sample's shape (no batch dim), e.g. [1, 28, 28]; `root` maps
   * [n, ...inputShape] to logits [n, classes]. Parameter and buffer names must be unique.
   */
  constructor(
    readonly gpu: Gpu,
    readonly name: string,
    readonly inputShape: Shape,
    readonly root: Layer,
    readonly classes: number,
  ) {
    const out = root.outputShape([1, ...inputShape]);
    if (out.length !== 2 || out[1] !== classes) {
      throw new NtkError('E_SHAPE_MISMATCH', `model "${name}": the layers map [1, ${inputShape}] to [${out}], not [1, ${classes}] logits.`);
    }
    const names = [...root.parameters(), ...root.buffers()].map((t) => t.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw new NtkError('E_INVALID_ARGUMENT', `model "${name}": two tensors are named "${duplicate}"; name layers uniquely.`);
  }

  /** Throws E_SHAPE_MISMATCH unless x is [n, ...inputShape] and every layer accepts it. */
  checkInput(x: Tensor): void {
    const s = x.shape;
    const fits = s.length === this.inputShape.length + 1 && this.inputShape.every((d, i) => d === s[i + 1]);
    if (!fits) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `model "${this.name}": input [${s}] does not match [n, ${this.inputShape}] (first layer "${firstLayerName(this.root)}").`,
        { model: this.name, input: [...s], expected: [...this.inputShape] },
      );
    }
    this.root.outputShape(s);
  }

  /** Logits [n, classes]. `mode` is required; see ForwardOptions for the BatchNorm switches. */
  forward(x: Tensor, options: ForwardOptions): Tensor {
    const o = this.forwardOptions(options);
    this.checkInput(x);
    return this.root.forward(x, o);
  }

  /** dL/dx for dL/dlogits `dy` of the last recorded forward; parameter gradients go to `options.grads` (default SUM_GRADS). */
  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const where = `model "${this.name}" backward`;
    const o = resolveOptions(where, { grads: SUM_GRADS, inputGrad: true } as Required<BackwardOptions>, options);
    requireGradientSink(where, o.grads);
    return this.root.backward(dy, o);
  }

  /**
   * Softmax cross-entropy of labels `y` [n] (class indices as f32) and, in the same call, the
   * gradients of the MEAN loss: parameter gradients (into `options.grads`, default SUM_GRADS) and/or dL/dx.
   */
  lossAndGrad(x: Tensor, y: Tensor, options: Partial<LossOptions> = {}): LossResult {
    const where = `model "${this.name}" lossAndGrad`;
    const o = resolveOptions(where, DEFAULT_LOSS_OPTIONS, options);
    requireGradientSink(where, o.grads);
    const needBackward = o.grads.kind !== 'none' || o.inputGrad;
    const logits = this.forward(x, {
      mode: o.mode,
      bnBatchStatsInEval: o.bnBatchStatsInEval,
      freezeBnStats: o.freezeBnStats,
      record: needBackward,
    });
    let result: LossResult;
    try {
      const { losses, correct } = softmaxCrossEntropy(logits, y);
      let inputGrad: Tensor | null = null;
      if (needBackward) {
        const dlogits = softmaxCrossEntropyBackward(logits, y);
        const dx = this.root.backward(dlogits, { grads: o.grads, inputGrad: o.inputGrad });
        dlogits.dispose();
        if (o.inputGrad) inputGrad = dx;
        else dx.dispose();
      }
      result = {
        losses,
        correct,
        inputGrad,
        dispose() {
          losses.dispose();
          correct.dispose();
          inputGrad?.dispose();
        },
      };
    } finally {
      logits.dispose();
      this.root.clearRecord();
    }
    return result;
  }

  /**
   * Per-sample gradients ∇θ s(x_i) of the scalar output chosen by `selector`, one [n, ...shape]
   * tensor per parameter name (ownership passes to the caller). BatchNorm runs in eval mode with
   * its running statistics, so each row depends on its own sample only (the NTK convention).
   * For several outputs of one batch, call forward(x, {mode: 'eval'}) once and then
   * backward(dy, {grads: new PerSampleGrads()}) per output: the record survives each backward.
   */
  perSampleGradients(x: Tensor, selector: OutputSelector): Map<string, Tensor> {
    const logits = this.forward(x, { mode: 'eval', record: true });
    const n = x.shape[0];
    let dy: Tensor;
    try {
      dy = this.selectorCotangent(selector, n);
    } catch (e) {
      logits.dispose();
      this.root.clearRecord();
      throw e;
    }
    logits.dispose();
    const sink = new PerSampleGrads();
    const grads = new Map<string, Tensor>();
    try {
      this.root.backward(dy, { grads: sink }).dispose();
      for (const p of this.parameters()) {
        grads.set(p.name, sink.grad(p, `model "${this.name}"`).view());
      }
    } catch (e) {
      grads.forEach((g) => g.dispose());
      throw e;
    } finally {
      sink.dispose();
      if (!(typeof selector === 'object' && 'cotangent' in selector)) dy.dispose();
      this.root.clearRecord();
    }
    return grads;
  }

  /** Every trainable tensor of the model, in a stable order (checkpoints and the optimizer rely on it). */
  parameters(): Parameter[] {
    return this.root.parameters();
  }

  /** Every non-trainable state tensor (BatchNorm running statistics), in a stable order. */
  buffers(): Buffer[] {
    return this.root.buffers();
  }

  /** Number of trainable scalars P. */
  get parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.value.size, 0);
  }

  /** Sets every summed gradient to zero (on the device). */
  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) this.gpu.zero(p.grad.buffer, p.grad.bytes);
  }

  /** Reads every parameter and buffer back to the host, keyed by name (a checkpoint). */
  async exportState(): Promise<ModelState> {
    const state: ModelState = {};
    for (const t of [...this.parameters(), ...this.buffers()]) state[t.name] = await t.value.read();
    return state;
  }

  /** Writes a state from exportState(): every name must be present with the right size. */
  importState(state: ModelState): void {
    const tensors = [...this.parameters(), ...this.buffers()];
    const known = new Set(tensors.map((t) => t.name));
    const unknown = Object.keys(state).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `model "${this.name}": the state has unknown entries ${unknown.join(', ')}; was it saved from another architecture?`,
      );
    }
    for (const t of tensors) {
      const data = state[t.name];
      if (!data) throw new NtkError('E_INVALID_ARGUMENT', `model "${this.name}": the state lacks "${t.name}".`, { entry: t.name });
      if (data.length !== t.value.size) {
        throw new NtkError(
          'E_SHAPE_MISMATCH',
          `model "${this.name}": state entry "${t.name}" has ${data.length} values but the tensor [${t.value.shape}] has ${t.value.size}.`,
          { entry: t.name },
        );
      }
    }
    for (const t of tensors) {
      const data = state[t.name];
      this.gpu.write(t.value.buffer, 0, data);
    }
  }

  /** Frees the activations recorded by the last forward pass (parameters stay). */
  clearRecord(): void {
    this.root.clearRecord();
  }

  /** Frees every tensor of the model. */
  dispose(): void {
    this.root.dispose();
  }

  private forwardOptions(options: ForwardOptions): Required<ForwardOptions> {
    const where = `model "${this.name}" forward`;
    const o = resolveOptions(where, DEFAULT_FORWARD_OPTIONS, options);
    requireChoice(where, 'mode', options?.mode, ['train', 'eval'] as const);
    return o;
  }

  private selectorCotangent(selector: OutputSelector, n: number): Tensor {
    const C = this.classes;
    if (selector === 'sumLogits') return Tensor.fromArray(this.gpu, new Float32Array(n * C).fill(1), [n, C]);
    if (typeof selector === 'object' && 'logit' in selector) {
      const c = selector.logit;
      if (!Number.isInteger(c) || c < 0 || c >= C) {
        throw new NtkError('E_INVALID_ARGUMENT', `perSampleGradients: logit ${c} is not a class index in [0, ${C}).`);
      }
      const v = new Float32Array(n * C);
      for (let i = 0; i < n; i++) v[i * C + c] = 1;
      return Tensor.fromArray(this.gpu, v, [n, C]);
    }
    if (typeof selector === 'object' && 'cotangent' in selector) {
      const v = selector.cotangent;
      if (v.shape.length !== 2 || v.shape[0] !== n || v.shape[1] !== C) {
        throw new NtkError('E_SHAPE_MISMATCH', `perSampleGradients: cotangent [${v.shape}] must be [${n}, ${C}].`);
      }
      return v;
    }
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `perSampleGradients: unknown selector ${JSON.stringify(selector)}; use {logit: c}, 'sumLogits' or {cotangent}.`,
    );
  }
}

function firstLayerName(layer: Layer): string {
  const inner = (layer as { layers?: readonly Layer[] }).layers;
  return inner && inner.length > 0 ? firstLayerName(inner[0]) : layer.name;
}

/** Throws E_INVALID_ARGUMENT naming `where` unless `grads` is a GradientSink (SUM_GRADS, NO_PARAM_GRADS or a PerSampleGrads). */
function requireGradientSink(where: string, grads: GradientSink): void {
  requireChoice(where, 'grads.kind', grads?.kind, GRADIENT_SINK_KINDS);
  if (grads.kind === 'perSample') requireInstance(where, 'grads', grads, PerSampleGrads, 'a PerSampleGrads sink (new PerSampleGrads())');
}

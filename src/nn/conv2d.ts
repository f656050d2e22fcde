// Conv2d layer (NCHW): weight [cout, cin, kh, kw] and optional bias [cout] (PyTorch nn.Conv2d
// layout and names, so checkpoints map one-to-one). Backward gives dx, and either accumulates the
// batch-summed weight/bias gradients or gives a per-sample sink ([n, cout, cin, kh, kw], [n, cout]),
// or their factors (dy and x, for the NTK's contraction).

import type { Gpu } from '../device/gpu.js';
import {
  conv2d,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dGeometry,
  conv2dOutputShape,
  type Conv2dGeometry,
} from '../ops/conv2d.js';
import { pair, type Pair } from '../ops/geometry.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import type { Rng } from '../random/rng.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { INIT_SCHEMES, initBias, initWeights, type InitScheme } from './init.js';
import { SUM_GRADS } from './gradient_sink.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, createParameter, disposeParameter, gradOf, recorded, shapeError } from './parameter.js';

/** Options of a Conv2d layer (the kernel size is a constructor argument). */
export interface Conv2dLayerOptions {
  /** Step between windows, one value or [h, w]. */
  stride: Pair;
  /** Zero padding on each side, one value or [h, w]. */
  padding: Pair;
  /** Learn a bias b [cout] (off in conv-BN blocks, where BN's shift replaces it). */
  bias: boolean;
  /** Weight (and bias) initialisation, see nn/init.ts; fanIn = cin·kh·kw. */
  init: InitScheme;
}

/** PyTorch nn.Conv2d defaults: stride 1, no padding, with bias, PyTorch's default init. */
export const DEFAULT_CONV2D_LAYER_OPTIONS: Conv2dLayerOptions = { stride: 1, padding: 0, bias: true, init: 'pytorch-default' };

/** A 2-D convolution layer over NCHW images (cross-correlation, as in PyTorch). */
export class Conv2d implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly options: Conv2dLayerOptions;
  private record: { x: Tensor; geometry: Conv2dGeometry } | null = null;

  /** Draws the weight (then the bias) from `rng`. Parameters are `${name}.weight`, `${name}.bias`. */
  constructor(
    gpu: Gpu,
    readonly name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    rng: Rng,
    options: Partial<Conv2dLayerOptions> = {},
  ) {
    const where = `Conv2d "${name}"`;
    requireInteger(where, 'inChannels', inChannels);
    requireInteger(where, 'outChannels', outChannels);
    this.options = resolveOptions(where, DEFAULT_CONV2D_LAYER_OPTIONS, options);
    requireChoice(where, 'init', this.options.init, INIT_SCHEMES);
    pair(this.options.stride, `${where}: stride`, 1);
    pair(this.options.padding, `${where}: padding`, 0);
    const [kh, kw] = pair(kernel, `${where}: kernel`, 1);
    const fanIn = inChannels * kh * kw;
    const w = () => initWeights(this.options.init, rng, outChannels * fanIn, fanIn);
    this.weight = createParameter(gpu, `${name}.weight`, w, [outChannels, inChannels, kh, kw], false);
    this.bias = this.options.bias
      ? createParameter(gpu, `${name}.bias`, () => initBias(this.options.init, rng, outChannels, fanIn), [outChannels], true)
      : null;
  }

  outputShape(input: Shape): Shape {
    return conv2dOutputShape(this.geometry(input));
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    return this.convolve(x, options, false);
  }

  /** forward() then ReLU, the ReLU in the convolution's store (Sequential fuses a following ReLU). */
  forwardRelu(x: Tensor, options: ForwardOptions): Tensor {
    return this.convolve(x, options, true);
  }

  private convolve(x: Tensor, options: ForwardOptions, relu: boolean): Tensor {
    const geometry = this.geometry(x.shape);
    this.clearRecord();
    const y = conv2d(x, this.weight.value, this.bias?.value ?? null, { ...this.options, relu });
    if (options.record ?? true) this.record = { x: x.view(), geometry };
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const { x, geometry } = recorded(this.name, this.record);
    checkGradShape(this.name, dy.shape, conv2dOutputShape(geometry));
    const grads = options.grads ?? SUM_GRADS;
    if (grads.kind === 'sum') {
      conv2dBackwardWeight(x, dy, geometry, false, gradOf(this.weight));
      if (this.bias) conv2dBackwardBias(dy, false, gradOf(this.bias));
    } else if (grads.kind === 'perSample' && grads.factored) {
      grads.addFactors({ weight: this.weight, bias: this.bias, dy: dy.view(), x: x.view(), conv: geometry });
    } else if (grads.kind === 'perSample') {
      grads.addGrad(this.weight, conv2dBackwardWeight(x, dy, geometry, true));
      if (this.bias) grads.addGrad(this.bias, conv2dBackwardBias(dy, true));
    }
    return options.inputGrad === false ? Tensor.empty(dy.gpu, [1]) : conv2dBackwardInput(dy, this.weight.value, geometry);
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  buffers(): Buffer[] {
    return [];
  }

  clearRecord(): void {
    this.record?.x.dispose();
    this.record = null;
  }

  dispose(): void {
    this.clearRecord();
    this.parameters().forEach(disposeParameter);
  }

  private geometry(input: Shape): Conv2dGeometry {
    if (input.length !== 4 || input[1] !== this.inChannels) {
      throw shapeError(
        this.name,
        `Conv2d ${this.inChannels}→${this.outChannels}`,
        `[n, ${this.inChannels}, h, w]`,
        input,
        input.length !== 4 ? 'conv layers take NCHW images' : "check the previous layer's channel count",
      );
    }
    return conv2dGeometry(input, this.weight.value.shape, this.options, `Conv2d "${this.name}"`);
  }
}

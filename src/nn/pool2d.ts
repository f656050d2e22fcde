// Pooling layers (NCHW, no parameters): MaxPool2d (backward routes dy to the first maximum of
// each window), AvgPool2d, and GlobalAvgPool ([n, c, h, w] -> [n, c], the ResNet head). MaxPool2d
// and AvgPool2d fuse the backward of a ReLU before them (Sequential passes its output).

import {
  avgPool2d,
  avgPool2dBackward,
  DEFAULT_POOL2D,
  globalAvgPool,
  globalAvgPoolBackward,
  maxPool2d,
  maxPool2dBackward,
  pool2dGeometry,
  validatePool2dOptions,
  type Pool2dOptions,
} from '../ops/pool2d.js';
import type { WindowGeometry } from '../ops/geometry.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, recorded, shapeError } from './parameter.js';

/** Shared checks of the windowed pooling layers. */
abstract class WindowPool implements Layer {
  constructor(
    readonly kind: 'MaxPool2d' | 'AvgPool2d',
    readonly name: string,
    readonly options: Pool2dOptions,
  ) {
    validatePool2dOptions(options, `${kind} "${name}"`);
  }

  outputShape(input: Shape): Shape {
    const g = this.geometry(input);
    return [g.n, g.c, g.oh, g.ow];
  }

  /** Pools each window of `x` [n, c, h, w], recording the geometry (and arg-max) for backward. */
  abstract forward(x: Tensor, options: ForwardOptions): Tensor;
  /** Spreads dL/dy of the last recorded forward back over the windows; returns dL/dx. */
  abstract backward(dy: Tensor, options?: BackwardOptions): Tensor;
  /** Frees what the last forward recorded. */
  abstract clearRecord(): void;

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  dispose(): void {
    this.clearRecord();
  }

  protected geometry(input: Shape): WindowGeometry {
    if (input.length !== 4) throw shapeError(this.name, this.kind, '[n, c, h, w]', input, 'pooling layers take NCHW images');
    return pool2dGeometry(input, this.options, `${this.kind} "${this.name}"`);
  }
}

/** Max pooling over windows of NCHW images; backward routes dL/dy to the first maximum of each window. */
export class MaxPool2d extends WindowPool {
  readonly fusesReluBackward = true;
  private record: { argmax: Tensor; geometry: WindowGeometry } | null = null;

  /** `options.kernel` is required; stride defaults to the kernel (PyTorch). */
  constructor(name: string, options: Pool2dOptions) {
    super('MaxPool2d', name, options);
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    const geometry = this.geometry(x.shape);
    this.clearRecord();
    const { y, argmax } = maxPool2d(x, this.options);
    if (options.record ?? true) this.record = { argmax, geometry };
    else argmax.dispose();
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const { argmax, geometry } = recorded(this.name, this.record);
    checkGradShape(this.name, dy.shape, argmax.shape);
    return maxPool2dBackward(dy, argmax, geometry, { reluOutput: options.reluOutput });
  }

  clearRecord(): void {
    this.record?.argmax.dispose();
    this.record = null;
  }
}

/** Average pooling over windows of NCHW images (every window position averages kernel x kernel pixels). */
export class AvgPool2d extends WindowPool {
  readonly fusesReluBackward = true;
  private recordedGeometry: WindowGeometry | null = null;

  /** `options.kernel` is required; stride defaults to the kernel, countIncludePad to true (PyTorch). */
  constructor(name: string, options: Pool2dOptions) {
    super('AvgPool2d', name, options);
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    const geometry = this.geometry(x.shape);
    const y = avgPool2d(x, this.options);
    this.recordedGeometry = (options.record ?? true) ? geometry : null;
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const g = recorded(this.name, this.recordedGeometry);
    checkGradShape(this.name, dy.shape, [g.n, g.c, g.oh, g.ow]);
    const countIncludePad = this.options.countIncludePad ?? DEFAULT_POOL2D.countIncludePad;
    return avgPool2dBackward(dy, g, countIncludePad, { reluOutput: options.reluOutput });
  }

  clearRecord(): void {
    this.recordedGeometry = null;
  }
}

export class GlobalAvgPool implements Layer {
  private inputShape: Shape | null = null;

  /** `name`: the layer's path in its model. */
  constructor(readonly name: string) {}

  outputShape(input: Shape): Shape {
    if (input.length !== 4) throw shapeError(this.name, 'GlobalAvgPool', '[n, c, h, w]', input, 'it averages each channel plane');
    return [input[0], input[1]];
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    this.outputShape(x.shape);
    const y = globalAvgPool(x);
    this.inputShape = (options.record ?? true) ? x.shape : null;
    return y;
  }

  backward(dy: Tensor, _options: BackwardOptions = {}): Tensor {
    const inputShape = recorded(this.name, this.inputShape);
    checkGradShape(this.name, dy.shape, this.outputShape(inputShape));
    return globalAvgPoolBackward(dy, inputShape);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  clearRecord(): void {
    this.inputShape = null;
  }

  dispose(): void {
    this.clearRecord();
  }
}

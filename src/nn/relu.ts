// ReLU layer: y = max(x, 0) forward (the map shader); backward passes dy where the recorded
// output is positive (binary.wgsl's reluBackward), so the subgradient at 0 is 0 as in PyTorch.
// Sequential may fuse it into its neighbours (adopt() an output computed by the layer before it;
// hand recordedOutput() to the layer after it as the backward mask).

import { reluBackward } from '../ops/binary.js';
import { map } from '../ops/map.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, recorded, shapeError } from './parameter.js';

export class ReLU implements Layer {
  private output: Tensor | null = null;

  /** `name`: the layer's path in its model. */
  constructor(readonly name: string) {}

  outputShape(input: Shape): Shape {
    if (input.length < 1) throw shapeError(this.name, 'ReLU', '[n, ...]', input);
    return input;
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    this.clearRecord();
    const y = map(x, 'relu');
    if (options.record ?? true) this.output = y.view();
    return y;
  }

  /** Records `y`, the layer before's forwardRelu() output, as this ReLU's output; returns it. */
  adopt(y: Tensor, options: ForwardOptions): Tensor {
    this.clearRecord();
    if (options.record ?? true) this.output = y.view();
    return y;
  }

  /** The recorded output (the mask its backward applies); throws E_NO_RECORD without a recorded forward. */
  recordedOutput(): Tensor {
    return recorded(this.name, this.output);
  }

  backward(dy: Tensor, _options: BackwardOptions = {}): Tensor {
    const y = recorded(this.name, this.output);
    checkGradShape(this.name, dy.shape, y.shape);
    return reluBackward(dy, y);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  clearRecord(): void {
    this.output?.dispose();
    this.output = null;
  }

  dispose(): void {
    this.clearRecord();
  }
}

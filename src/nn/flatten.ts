// Flatten layer: [n, d1, d2, ...] -> [n, d1*d2*...] as a view of the same buffer (no copy, no
// dispatch); backward reshapes dy back. Both results are new handles the caller disposes.

import type { Shape, Tensor } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, recorded, shapeError } from './parameter.js';

export class Flatten implements Layer {
  private inputShape: Shape | null = null;

  /** `name`: the layer's path in its model. */
  constructor(readonly name: string) {}

  outputShape(input: Shape): Shape {
    if (input.length < 2) throw shapeError(this.name, 'Flatten', '[n, ...] with at least 2 dims', input);
    return [input[0], input.slice(1).reduce((a, b) => a * b, 1)];
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    const shape = this.outputShape(x.shape);
    this.inputShape = (options.record ?? true) ? x.shape : null;
    return x.reshape(shape);
  }

  backward(dy: Tensor, _options: BackwardOptions = {}): Tensor {
    const inputShape = recorded(this.name, this.inputShape);
    checkGradShape(this.name, dy.shape, this.outputShape(inputShape));
    return dy.reshape(inputShape);
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

// Sequential container: runs its layers in order forward and in reverse backward, disposing the
// intermediate tensors it creates. It is itself a Layer, so containers nest (e.g. the body of a
// Residual). Layer names are given by the model builder as dotted paths (`block1.conv1`).

import { Tensor, type Shape } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';

/** Runs its layers in order forward and in reverse backward; a Layer itself, so containers nest. */
export class Sequential implements Layer {
  readonly layers: readonly Layer[];

  /** `name`: the container's path in its model; `layers`: run in this order. */
  constructor(
    readonly name: string,
    layers: readonly Layer[],
  ) {
    this.layers = [...layers];
  }

  /** Chains outputShape through every layer; the first misfit throws E_SHAPE_MISMATCH naming it. */
  outputShape(input: Shape): Shape {
    return this.layers.reduce((shape, layer) => layer.outputShape(shape), input);
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h, options);
      if (h !== x) h.dispose();
      h = next;
    }
    return h === x ? x.view() : h;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    // without inputGrad, layers before the first with parameters are skipped and that one may skip dx
    const first = options.inputGrad === false ? this.layers.findIndex((l) => l.parameters().length > 0) : 0;
    if (first < 0) return Tensor.empty(dy.gpu, [1]);
    let g = dy;
    for (let i = this.layers.length - 1; i >= first; i--) {
      const next = this.layers[i].backward(g, i > first ? { ...options, inputGrad: true } : options);
      if (g !== dy) g.dispose();
      g = next;
    }
    return g === dy ? dy.view() : g;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  buffers(): Buffer[] {
    return this.layers.flatMap((l) => l.buffers());
  }

  clearRecord(): void {
    this.layers.forEach((l) => l.clearRecord());
  }

  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}

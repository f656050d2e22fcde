// Sequential container: runs its layers in order forward and in reverse backward, disposing the
// intermediate tensors it creates. It is itself a Layer, so containers nest (e.g. the body of a
// Residual). Layer names are given by the model builder as dotted paths (`block1.conv1`). A ReLU is
// fused into its neighbours where they offer it: forward into the layer before (forwardRelu), backward
// into the layer after (fusesReluBackward); the same bits as running it apart.

import { Tensor, type Shape } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { ReLU } from './relu.js';

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
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const relu = this.layers[i + 1];
      let next: Tensor;
      if (layer.forwardRelu && relu instanceof ReLU) {
        next = relu.adopt(layer.forwardRelu(h, options), options);
        i++;
      } else next = layer.forward(h, options);
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
      const layer = this.layers[i];
      const relu = this.layers[i - 1];
      const fuse = layer.fusesReluBackward === true && relu instanceof ReLU && i - 1 >= first;
      const layerOptions = i > first ? { ...options, inputGrad: true } : options;
      const next = layer.backward(g, fuse ? { ...layerOptions, reluOutput: relu.recordedOutput() } : layerOptions);
      if (fuse) i--;
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

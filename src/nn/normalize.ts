// Normalize layer: y = (x - mean[c]) / std[c] per channel (axis 1) with fixed constants, the
// model's first layer so attack budgets stay in pixel units. Computed as x * (1/std) + (-mean/std)
// (channel_affine.wgsl); backward to the input only: dx = dy / std. No parameters or buffers:
// the constants are part of the architecture (rebuild the model with the same config).

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { channelAffine } from '../ops/channel_affine.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, recorded, shapeError } from './parameter.js';

/** y = (x - mean) / std per channel, with constant mean and std: puts data statistics into the model so attack radii stay in pixel units. */
export class Normalize implements Layer {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  private readonly scale: Tensor;
  private readonly shift: Tensor;
  private recordedShape: Shape | null = null;

  /** `mean` and `std` have one entry per channel (input axis 1); every std must be > 0. */
  constructor(
    gpu: Gpu,
    readonly name: string,
    mean: readonly number[],
    std: readonly number[],
  ) {
    const ok =
      mean.length > 0 &&
      mean.length === std.length &&
      mean.every((m) => Number.isFinite(m)) &&
      std.every((s) => Number.isFinite(s) && s > 0);
    if (!ok) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `Normalize "${name}": mean [${mean}] and std [${std}] must be equally long, finite, and every std > 0.`,
        { layer: name },
      );
    }
    this.mean = [...mean];
    this.std = [...std];
    this.scale = Tensor.fromArray(
      gpu,
      std.map((s) => 1 / s),
      [std.length],
    );
    this.shift = Tensor.fromArray(
      gpu,
      mean.map((m, c) => -m / std[c]),
      [mean.length],
    );
  }

  outputShape(input: Shape): Shape {
    if (input.length < 2 || input[1] !== this.mean.length) {
      throw shapeError(
        this.name,
        `Normalize over ${this.mean.length} channels`,
        `[n, ${this.mean.length}, ...]`,
        input,
        'give one mean/std per channel (axis 1)',
      );
    }
    return input;
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    this.outputShape(x.shape);
    this.recordedShape = (options.record ?? true) ? x.shape : null;
    return channelAffine(x, this.scale, this.shift);
  }

  backward(dy: Tensor, _options: BackwardOptions = {}): Tensor {
    checkGradShape(this.name, dy.shape, recorded(this.name, this.recordedShape));
    return channelAffine(dy, this.scale, null);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  clearRecord(): void {
    this.recordedShape = null;
  }

  dispose(): void {
    this.scale.dispose();
    this.shift.dispose();
  }
}

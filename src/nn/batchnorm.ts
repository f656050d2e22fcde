// BatchNorm1d ([n, C]) and BatchNorm2d ([n, C, h, w]) layers. Which statistics a forward pass
// uses comes only from its ForwardOptions: train mode normalises with the batch's statistics and
// updates the running buffers unless `freezeBnStats`; eval mode uses the running buffers, or the
// batch's statistics with `bnBatchStatsInEval` (never updating). Estimator switches are the
// layer's BatchNormOptions (DEFAULT_BATCHNORM: PyTorch's). Names follow PyTorch: weight (gamma),
// bias (beta), running_mean, running_var, num_batches_tracked (+ ema_accumulators with debias).

import type { Gpu } from '../device/gpu.js';
import {
  batchNormBackward,
  batchNormForward,
  createBatchNormState,
  disposeBatchNormState,
  resolveBatchNormOptions,
  type BatchNormMode,
  type BatchNormOptions,
  type BatchNormState,
} from '../ops/batchnorm.js';
import { sumPartials } from '../ops/sum_partials.js';
import { requireInteger } from '../options.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import { SUM_GRADS } from './gradient_sink.js';
import type { BackwardOptions, Buffer, ForwardOptions, Layer, Parameter } from './layer.js';
import { checkGradShape, createParameter, disposeParameter, gradOf, recorded, shapeError } from './parameter.js';

/** The statistics a forward pass with `options` uses, and whether it updates the running buffers. */
export function batchNormMode(options: ForwardOptions): BatchNormMode {
  const train = options.mode === 'train';
  return { batchStats: train || (options.bnBatchStatsInEval ?? false), update: train && !(options.freezeBnStats ?? false) };
}

abstract class BatchNormLayer implements Layer {
  readonly options: BatchNormOptions;
  /** gamma [C] (init 1), or null without affine. */
  readonly weight: Parameter | null;
  /** beta [C] (init 0), or null without affine. */
  readonly bias: Parameter | null;
  readonly state: BatchNormState;
  private record: { x: Tensor; stats: Tensor; batchStats: boolean } | null = null;

  constructor(
    gpu: Gpu,
    readonly kind: 'BatchNorm1d' | 'BatchNorm2d',
    readonly name: string,
    readonly channels: number,
    options: Partial<BatchNormOptions>,
  ) {
    requireInteger(`${kind} "${name}"`, 'channels', channels);
    this.options = resolveBatchNormOptions(options, `${kind} "${name}"`);
    this.weight = this.options.affine ? createParameter(gpu, `${name}.weight`, new Float32Array(channels).fill(1), [channels], true) : null;
    this.bias = this.options.affine ? createParameter(gpu, `${name}.bias`, new Float32Array(channels), [channels], true) : null;
    this.state = createBatchNormState(gpu, channels, this.options);
  }

  protected abstract readonly rank: number;

  outputShape(input: Shape): Shape {
    if (input.length !== this.rank || input[1] !== this.channels) {
      const expected = this.rank === 2 ? `[n, ${this.channels}]` : `[n, ${this.channels}, h, w]`;
      throw shapeError(
        this.name,
        `${this.kind} over ${this.channels} channels`,
        expected,
        input,
        input.length !== this.rank
          ? `use ${this.rank === 2 ? 'BatchNorm2d for images' : 'BatchNorm1d for [n, C] features'}`
          : "check the previous layer's channel count",
      );
    }
    return input;
  }

  forward(x: Tensor, options: ForwardOptions): Tensor {
    this.outputShape(x.shape);
    this.clearRecord();
    const mode = batchNormMode(options);
    const label = `${this.kind} "${this.name}"`;
    const { y, stats } = batchNormForward(x, this.weight?.value ?? null, this.bias?.value ?? null, this.state, mode, this.options, label);
    if (options.record ?? true) this.record = { x: x.view(), stats, batchStats: mode.batchStats };
    else stats.dispose();
    return y;
  }

  backward(dy: Tensor, options: BackwardOptions = {}): Tensor {
    const { x, stats, batchStats } = recorded(this.name, this.record);
    checkGradShape(this.name, dy.shape, x.shape);
    const sink = options.grads ?? SUM_GRADS;
    const label = `${this.kind} "${this.name}"`;
    const grads = batchNormBackward(dy, x, stats, this.weight?.value ?? null, batchStats, sink.kind, this.options, label);
    if (this.weight && this.bias && grads.dgamma && grads.dbeta) {
      if (sink.kind === 'sum') {
        sumPartials(grads.dgamma, 1, [this.channels], gradOf(this.weight));
        sumPartials(grads.dbeta, 1, [this.channels], gradOf(this.bias));
        grads.dgamma.dispose();
        grads.dbeta.dispose();
      } else if (sink.kind === 'perSample') {
        sink.addGrad(this.weight, grads.dgamma);
        sink.addGrad(this.bias, grads.dbeta);
      }
    }
    return grads.dx;
  }

  parameters(): Parameter[] {
    return this.weight && this.bias ? [this.weight, this.bias] : [];
  }

  buffers(): Buffer[] {
    const s = this.state;
    const list: Buffer[] = [
      { name: `${this.name}.running_mean`, value: s.runningMean },
      { name: `${this.name}.running_var`, value: s.runningVar },
      { name: `${this.name}.num_batches_tracked`, value: s.count },
    ];
    if (s.emaAccumulators) list.push({ name: `${this.name}.ema_accumulators`, value: s.emaAccumulators });
    return list;
  }

  clearRecord(): void {
    this.record?.x.dispose();
    this.record?.stats.dispose();
    this.record = null;
  }

  dispose(): void {
    this.clearRecord();
    this.parameters().forEach(disposeParameter);
    disposeBatchNormState(this.state);
  }
}

/** BatchNorm over the features of x [n, C] (statistics over the batch). */
export class BatchNorm1d extends BatchNormLayer {
  protected readonly rank = 2;

  /** A BatchNorm layer over `channels` features (affine weight 1 and bias 0 by default); options as in BatchNormOptions. */
  constructor(gpu: Gpu, name: string, channels: number, options: Partial<BatchNormOptions> = {}) {
    super(gpu, 'BatchNorm1d', name, channels, options);
  }
}

/** BatchNorm over the channels of x [n, C, h, w] (statistics over the batch and pixels). */
export class BatchNorm2d extends BatchNormLayer {
  protected readonly rank = 4;

  /** A BatchNorm layer over `channels` channels (affine weight 1 and bias 0 by default); options as in BatchNormOptions. */
  constructor(gpu: Gpu, name: string, channels: number, options: Partial<BatchNormOptions> = {}) {
    super(gpu, 'BatchNorm2d', name, channels, options);
  }
}

// Float64 reference layers for conv2d, BatchNorm and pooling (the RefLayer interface of
// reference/layers.ts), and the builder that turns an architecture spec (nn/architecture.ts)
// plus a model's exported state into the float64 twin of the device model: the oracle of the
// whole-model gradient checks. Tests only, never a fallback.

import type { LayerSpec } from '../nn/architecture.js';
import type { BatchNormMode, BatchNormOptions } from '../ops/batchnorm.js';
import { resolveBatchNormOptions } from '../ops/batchnorm.js';
import { conv2dGeometry, type Conv2dGeometry } from '../ops/conv2d.js';
import type { Pair, WindowGeometry } from '../ops/geometry.js';
import { DEFAULT_POOL2D, pool2dGeometry, type Pool2dOptions } from '../ops/pool2d.js';
import { batchNormBackwardRef, batchNormForwardRef, createBatchNormStateRef, type BatchNormStateRef } from './batchnorm.js';
import { conv2dBackwardBiasRef, conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef } from './conv2d.js';
import {
  RefDense,
  RefFlatten,
  RefNormalize,
  RefReLU,
  RefResidual,
  RefSequential,
  refParam,
  type RefLayer,
  type RefParam,
  type RefTensor,
} from './layers.js';
import { avgPool2dBackwardRef, avgPool2dRef, maxPool2dBackwardRef, maxPool2dRef } from './pool2d.js';

export class RefConv2d implements RefLayer {
  readonly weight: RefParam;
  readonly bias: RefParam | null;
  private record: { x: RefTensor; g: Conv2dGeometry } | null = null;

  constructor(
    name: string,
    shape: [number, number, number, number],
    w: ArrayLike<number>,
    b: ArrayLike<number> | null,
    readonly stride: Pair,
    readonly padding: Pair,
  ) {
    this.weight = refParam(`${name}.weight`, shape, w);
    this.bias = b ? refParam(`${name}.bias`, [shape[0]], b) : null;
  }

  forward(x: RefTensor): RefTensor {
    const g = conv2dGeometry(x.shape, this.weight.shape, { stride: this.stride, padding: this.padding });
    this.record = { x, g };
    return { shape: [g.n, g.cout, g.oh, g.ow], data: conv2dRef(x.data, this.weight.value, this.bias?.value ?? null, g) };
  }

  backward(dy: RefTensor): RefTensor {
    const { x, g } = this.record as { x: RefTensor; g: Conv2dGeometry };
    conv2dBackwardWeightRef(x.data, dy.data, g).forEach((v, i) => (this.weight.grad[i] += v));
    if (this.bias) conv2dBackwardBiasRef(dy.data, g).forEach((v, i) => ((this.bias as RefParam).grad[i] += v));
    return { shape: [...x.shape], data: conv2dBackwardInputRef(dy.data, this.weight.value, g) };
  }

  params(): RefParam[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

/** BatchNorm (1d or 2d) run with a fixed BatchNormMode; `state` holds the running buffers. */
export class RefBatchNorm implements RefLayer {
  readonly weight: RefParam | null;
  readonly bias: RefParam | null;
  private record: { x: RefTensor; mean: Float64Array; invstd: Float64Array } | null = null;

  constructor(
    name: string,
    readonly channels: number,
    gamma: ArrayLike<number> | null,
    beta: ArrayLike<number> | null,
    readonly state: BatchNormStateRef,
    readonly mode: BatchNormMode,
    readonly options: BatchNormOptions,
  ) {
    this.weight = gamma ? refParam(`${name}.weight`, [channels], gamma) : null;
    this.bias = beta ? refParam(`${name}.bias`, [channels], beta) : null;
  }

  private dims(x: RefTensor) {
    return { n: x.shape[0], C: x.shape[1], L: x.data.length / (x.shape[0] * x.shape[1]) };
  }

  forward(x: RefTensor): RefTensor {
    const f = batchNormForwardRef(
      x.data,
      this.dims(x),
      this.weight?.value ?? null,
      this.bias?.value ?? null,
      this.state,
      this.mode,
      this.options,
    );
    this.record = { x, mean: f.mean, invstd: f.invstd };
    return { shape: [...x.shape], data: f.y };
  }

  backward(dy: RefTensor): RefTensor {
    const { x, mean, invstd } = this.record as { x: RefTensor; mean: Float64Array; invstd: Float64Array };
    const g = batchNormBackwardRef(dy.data, x.data, this.dims(x), mean, invstd, this.weight?.value ?? null, this.mode.batchStats);
    if (this.weight && this.bias) {
      g.dgamma.forEach((v, i) => ((this.weight as RefParam).grad[i] += v));
      g.dbeta.forEach((v, i) => ((this.bias as RefParam).grad[i] += v));
    }
    return { shape: [...dy.shape], data: g.dx };
  }

  params(): RefParam[] {
    return this.weight && this.bias ? [this.weight, this.bias] : [];
  }
}

/** Max or average pooling; `global` pools each whole plane to one value per channel ([n, c]). */
export class RefPool2d implements RefLayer {
  private record: { x: RefTensor; g: WindowGeometry } | null = null;

  constructor(
    readonly kind: 'max' | 'avg' | 'global',
    readonly options: Pool2dOptions | null,
  ) {}

  forward(x: RefTensor): RefTensor {
    const options = this.kind === 'global' ? { kernel: [x.shape[2], x.shape[3]] as [number, number] } : (this.options as Pool2dOptions);
    const g = pool2dGeometry(x.shape, options);
    this.record = { x, g };
    const data = this.kind === 'max' ? maxPool2dRef(x.data, g).y : avgPool2dRef(x.data, g, this.countIncludePad);
    return { shape: this.kind === 'global' ? [g.n, g.c] : [g.n, g.c, g.oh, g.ow], data };
  }

  backward(dy: RefTensor): RefTensor {
    const { x, g } = this.record as { x: RefTensor; g: WindowGeometry };
    const dx = this.kind === 'max' ? maxPool2dBackwardRef(dy.data, x.data, g) : avgPool2dBackwardRef(dy.data, g, this.countIncludePad);
    return { shape: [...x.shape], data: dx };
  }

  params(): RefParam[] {
    return [];
  }

  private get countIncludePad(): boolean {
    return this.options?.countIncludePad ?? DEFAULT_POOL2D.countIncludePad;
  }
}

/**
 * The float64 twin of buildLayer(spec): weights and BatchNorm buffers from `state`
 * (Model.exportState()), every BatchNorm run with `bnMode` (e.g. train mode: batch statistics).
 * `bnStates`, when given, receives each BatchNorm layer's running state by layer name.
 */
export function buildReferenceLayer(
  spec: LayerSpec,
  state: Record<string, ArrayLike<number>>,
  bnMode: BatchNormMode,
  bnStates?: Map<string, BatchNormStateRef>,
): RefLayer {
  const get = (name: string): ArrayLike<number> => {
    const v = state[name];
    if (!v) throw new Error(`reference model: the state has no "${name}"`);
    return v;
  };
  switch (spec.kind) {
    case 'conv2d': {
      const [kh, kw] = typeof spec.kernel === 'number' ? [spec.kernel, spec.kernel] : spec.kernel;
      const shape: [number, number, number, number] = [spec.outChannels, spec.inChannels, kh, kw];
      return new RefConv2d(
        spec.name,
        shape,
        get(`${spec.name}.weight`),
        spec.bias ? get(`${spec.name}.bias`) : null,
        spec.stride,
        spec.padding,
      );
    }
    case 'batchnorm1d':
    case 'batchnorm2d': {
      const options = resolveBatchNormOptions(spec.options);
      const s = createBatchNormStateRef(spec.channels);
      s.runningMean.set(get(`${spec.name}.running_mean`));
      s.runningVar.set(get(`${spec.name}.running_var`));
      s.count = get(`${spec.name}.num_batches_tracked`)[0];
      if (options.debias) {
        const acc = get(`${spec.name}.ema_accumulators`);
        s.accMean.set(Array.from(acc).slice(0, spec.channels));
        s.accVar.set(Array.from(acc).slice(spec.channels));
      }
      bnStates?.set(spec.name, s);
      const affine = options.affine;
      return new RefBatchNorm(
        spec.name,
        spec.channels,
        affine ? get(`${spec.name}.weight`) : null,
        affine ? get(`${spec.name}.bias`) : null,
        s,
        bnMode,
        options,
      );
    }
    case 'relu':
      return new RefReLU();
    case 'flatten':
      return new RefFlatten();
    case 'globalavgpool':
      return new RefPool2d('global', null);
    case 'maxpool2d':
      return new RefPool2d('max', spec.options);
    case 'avgpool2d':
      return new RefPool2d('avg', spec.options);
    case 'dense':
      return new RefDense(
        spec.name,
        spec.inFeatures,
        spec.outFeatures,
        get(`${spec.name}.weight`),
        spec.bias ? get(`${spec.name}.bias`) : null,
      );
    case 'normalize':
      return new RefNormalize(spec.mean, spec.std);
    case 'sequential':
      return new RefSequential(spec.layers.map((l) => buildReferenceLayer(l, state, bnMode, bnStates)));
    case 'residual': {
      const body = buildReferenceLayer(spec.body, state, bnMode, bnStates);
      return new RefResidual(body, spec.shortcut ? buildReferenceLayer(spec.shortcut, state, bnMode, bnStates) : null);
    }
  }
}

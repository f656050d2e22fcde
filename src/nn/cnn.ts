// The small CNN: optional Normalize, then blocks of conv(3x3, no bias) -> BatchNorm2d -> ReLU ->
// 2x2 pooling, then Flatten and a dense head (hidden widths with ReLU, then the classifier).
// Defaults suit 28x28x1 Fashion-MNIST and train in minutes on a CPU: [16, 32] channels (7x7x32
// after two pools), one hidden layer of 64. Layer names: normalize, block{i}.conv/.bn/.relu/.pool,
// flatten, fc{j}, fc_relu{j}.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { resolveBatchNormOptions, type BatchNormOptions } from '../ops/batchnorm.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import type { Shape } from '../tensor/tensor.js';
import { modelFromSpec, type LayerSpec } from './architecture.js';
import { INIT_SCHEMES, type InitScheme } from './init.js';
import type { Model } from './model.js';

/** Options of createCnn: conv-BN-ReLU-pool blocks, then a dense head. */
/** The CNN's pooling after each conv block. */
export const CNN_POOLS = ['max', 'avg', 'none'] as const;

export interface CnnOptions {
  /** One sample's shape [channels, height, width]. */
  inputShape: Shape;
  /** Output channels of each conv-BN-ReLU-pool block. */
  channels: number[];
  /** Square conv kernel size (odd; padded to keep the size). */
  kernel: number;
  /** Pooling after each block: 2x2 'max' or 'avg' (halves height and width, floor), or 'none'. */
  pool: (typeof CNN_POOLS)[number];
  /** BatchNorm2d after each conv (false: conv with bias, no BN). */
  batchNorm: boolean;
  /** Estimator switches of every BatchNorm layer (DEFAULT_BATCHNORM when empty). */
  bn: Partial<BatchNormOptions>;
  /** Hidden widths of the dense head (ReLU between), before the classifier. */
  hidden: number[];
  classes: number;
  /** Per-channel constants of a Normalize first layer, or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  /** Init of conv and dense weights (nn/init.ts); BatchNorm starts at gamma 1, beta 0. */
  init: InitScheme;
  /** Seed of the initialisation Rng: same seed, same weights. */
  seed: number;
  name: string;
}

/** Two 3x3 conv-BN-ReLU-maxpool blocks (16, 32 channels) and a 64-unit dense head for 28x28 one-channel images. */
export const DEFAULT_CNN_OPTIONS: CnnOptions = {
  inputShape: [1, 28, 28],
  channels: [16, 32],
  kernel: 3,
  pool: 'max',
  batchNorm: true,
  bn: {},
  hidden: [64],
  classes: 10,
  normalize: null,
  init: 'pytorch-default',
  seed: 0,
  name: 'cnn',
};

/** The CNN's layer tree for `options` (see the module note); validates every option. */
export function cnnArchitecture(options: Partial<CnnOptions> = {}): { options: CnnOptions; spec: LayerSpec } {
  const where = 'createCnn';
  const o = resolveOptions(where, DEFAULT_CNN_OPTIONS, options);
  requireChoice(where, 'pool', o.pool, CNN_POOLS);
  requireChoice(where, 'init', o.init, INIT_SCHEMES);
  requireInteger(where, 'classes', o.classes);
  requireInteger(where, 'kernel', o.kernel);
  if (o.kernel % 2 !== 1)
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "kernel" must be odd (same padding), got ${o.kernel}.`);
  o.channels.forEach((c, i) => requireInteger(where, `channels[${i}]`, c));
  o.hidden.forEach((w, i) => requireInteger(where, `hidden[${i}]`, w));
  if (o.inputShape.length !== 3 || !o.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "inputShape" [${o.inputShape}] must be [channels, height, width].`);
  }
  resolveBatchNormOptions(o.bn, `${where}: option "bn"`);
  let [c, h, w] = o.inputShape;
  const layers: LayerSpec[] = [];
  if (o.normalize) layers.push({ kind: 'normalize', name: 'normalize', mean: o.normalize.mean, std: o.normalize.std });
  o.channels.forEach((cout, i) => {
    const b = `block${i + 1}`;
    layers.push({
      kind: 'conv2d',
      name: `${b}.conv`,
      inChannels: c,
      outChannels: cout,
      kernel: o.kernel,
      stride: 1,
      padding: (o.kernel - 1) / 2,
      bias: !o.batchNorm,
    });
    if (o.batchNorm) layers.push({ kind: 'batchnorm2d', name: `${b}.bn`, channels: cout, options: o.bn });
    layers.push({ kind: 'relu', name: `${b}.relu` });
    if (o.pool !== 'none') {
      if (h < 2 || w < 2)
        throw new NtkError('E_INVALID_ARGUMENT', `${where}: block ${i + 1} would pool a ${h}x${w} map; use fewer blocks or pool 'none'.`);
      layers.push({ kind: o.pool === 'max' ? 'maxpool2d' : 'avgpool2d', name: `${b}.pool`, options: { kernel: 2 } });
      [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    }
    c = cout;
  });
  layers.push({ kind: 'flatten', name: 'flatten' });
  const widths = [c * h * w, ...o.hidden, o.classes];
  for (let j = 1; j < widths.length; j++) {
    layers.push({ kind: 'dense', name: `fc${j}`, inFeatures: widths[j - 1], outFeatures: widths[j], bias: true });
    if (j < widths.length - 1) layers.push({ kind: 'relu', name: `fc_relu${j}` });
  }
  return { options: o, spec: { kind: 'sequential', name: o.name, layers } };
}

/** Builds the CNN on `gpu`; weights drawn in layer order from Rng(seed). */
export function createCnn(gpu: Gpu, options: Partial<CnnOptions> = {}): Model {
  const { options: o, spec } = cnnArchitecture(options);
  return modelFromSpec(gpu, spec, o);
}

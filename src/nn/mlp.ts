// The MLP model: optional Normalize, Flatten (for image inputs), then Dense layers of the given
// hidden widths with ReLU between them and a Dense classifier. Layer names: normalize, flatten,
// fc1, relu1, fc2, ..., fc{k}; parameters fc{i}.weight [out, in] and fc{i}.bias [out].

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import { Rng } from '../random/rng.js';
import { shapeSize, type Shape } from '../tensor/tensor.js';
import { Dense } from './dense.js';
import { Flatten } from './flatten.js';
import { INIT_SCHEMES, type InitScheme } from './init.js';
import type { Layer } from './layer.js';
import { Model } from './model.js';
import { Normalize } from './normalize.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';

/** Options of createMlp. */
export interface MlpOptions {
  /** One sample's shape, e.g. [1, 28, 28] or [784]. */
  inputShape: Shape;
  /** Hidden layer widths, in order (empty: a linear classifier). */
  hidden: number[];
  classes: number;
  /** Per-channel (axis 1 of the input) constants of a Normalize first layer, or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  init: InitScheme;
  /** Seed of the initialisation Rng (stream 0): same seed, same weights. */
  seed: number;
  name: string;
}

/** A 784-256-128-10 MLP for 28x28 one-channel images, no Normalize layer, seed 0. */
export const DEFAULT_MLP_OPTIONS: MlpOptions = {
  inputShape: [1, 28, 28],
  hidden: [256, 128],
  classes: 10,
  normalize: null,
  init: 'pytorch-default',
  seed: 0,
  name: 'mlp',
};

/** Builds an MLP; weights are drawn layer by layer (weight then bias) from Rng(seed). */
export function createMlp(gpu: Gpu, options: Partial<MlpOptions> = {}): Model {
  const o = resolveOptions('createMlp', DEFAULT_MLP_OPTIONS, options);
  requireChoice('createMlp', 'init', o.init, INIT_SCHEMES);
  requireInteger('createMlp', 'classes', o.classes);
  o.hidden.forEach((w, i) => requireInteger('createMlp', `hidden[${i}]`, w));
  if (o.inputShape.length === 0 || !o.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `createMlp: option "inputShape" [${o.inputShape}] must be positive integers.`);
  }
  const rng = new Rng(o.seed);
  const layers: Layer[] = [];
  if (o.normalize) layers.push(new Normalize(gpu, 'normalize', o.normalize.mean, o.normalize.std));
  if (o.inputShape.length > 1) layers.push(new Flatten('flatten'));
  const widths = [shapeSize(o.inputShape), ...o.hidden, o.classes];
  for (let i = 1; i < widths.length; i++) {
    layers.push(new Dense(gpu, `fc${i}`, widths[i - 1], widths[i], rng, { init: o.init }));
    if (i < widths.length - 1) layers.push(new ReLU(`relu${i}`));
  }
  return new Model(gpu, o.name, o.inputShape, new Sequential(o.name, layers), o.classes);
}

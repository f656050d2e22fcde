// The MLP model: optional Normalize, Flatten (for image inputs), then Dense layers of the given
// hidden widths with ReLU between them and a Dense classifier; with `batchNorm`, a BatchNorm1d
// after each hidden Dense (before its ReLU; that Dense then has no bias: BN's beta replaces it).
// Layer names (PyTorch's): normalize, flatten, fc1, [bn1,] relu1, fc2, ..., fc{k}; parameters
// fc{i}.weight [out, in], fc{i}.bias [out] (not before a BN), bn{i}.weight / .bias [out].

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { resolveBatchNormOptions, type BatchNormOptions } from '../ops/batchnorm.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import { shapeSize, type Shape } from '../tensor/tensor.js';
import { modelFromSpec, type LayerSpec } from './architecture.js';
import { INIT_SCHEMES, type InitScheme } from './init.js';
import type { Model } from './model.js';

/** Options of createMlp. */
export interface MlpOptions {
  /** One sample's shape, e.g. [1, 28, 28] or [784]. */
  inputShape: Shape;
  /** Hidden layer widths, in order (empty: a linear classifier). */
  hidden: number[];
  classes: number;
  /** Per-channel (axis 1 of the input) constants of a Normalize first layer, or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  /** BatchNorm1d after each hidden Dense, before its ReLU (that Dense then has no bias). */
  batchNorm: boolean;
  /** Estimator switches of every BatchNorm layer (DEFAULT_BATCHNORM when empty); used with `batchNorm`. */
  bn: Partial<BatchNormOptions>;
  init: InitScheme;
  /** Seed of the initialisation Rng (stream 0): same seed, same weights. */
  seed: number;
  name: string;
}

/** A 784-256-128-10 MLP for 28x28 one-channel images, no Normalize layer, no BatchNorm, seed 0. */
export const DEFAULT_MLP_OPTIONS: MlpOptions = {
  inputShape: [1, 28, 28],
  hidden: [256, 128],
  classes: 10,
  normalize: null,
  batchNorm: false,
  bn: {},
  init: 'pytorch-default',
  seed: 0,
  name: 'mlp',
};

/** The MLP's layer tree for `options` (see the module note); validates every option. */
export function mlpArchitecture(options: Partial<MlpOptions> = {}): { options: MlpOptions; spec: LayerSpec } {
  const where = 'createMlp';
  const o = resolveOptions(where, DEFAULT_MLP_OPTIONS, options);
  requireChoice(where, 'init', o.init, INIT_SCHEMES);
  requireInteger(where, 'classes', o.classes);
  o.hidden.forEach((w, i) => requireInteger(where, `hidden[${i}]`, w));
  if (o.inputShape.length === 0 || !o.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "inputShape" [${o.inputShape}] must be positive integers.`);
  }
  if (typeof o.batchNorm !== 'boolean')
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "batchNorm" must be true or false, got ${JSON.stringify(o.batchNorm)}.`);
  resolveBatchNormOptions(o.bn, `${where}: option "bn"`);
  const layers: LayerSpec[] = [];
  if (o.normalize) layers.push({ kind: 'normalize', name: 'normalize', mean: o.normalize.mean, std: o.normalize.std });
  if (o.inputShape.length > 1) layers.push({ kind: 'flatten', name: 'flatten' });
  const widths = [shapeSize(o.inputShape), ...o.hidden, o.classes];
  for (let i = 1; i < widths.length; i++) {
    const hidden = i < widths.length - 1;
    layers.push({ kind: 'dense', name: `fc${i}`, inFeatures: widths[i - 1], outFeatures: widths[i], bias: !(hidden && o.batchNorm) });
    if (hidden && o.batchNorm) layers.push({ kind: 'batchnorm1d', name: `bn${i}`, channels: widths[i], options: o.bn });
    if (hidden) layers.push({ kind: 'relu', name: `relu${i}` });
  }
  return { options: o, spec: { kind: 'sequential', name: o.name, layers } };
}

/** Builds an MLP; weights are drawn layer by layer (weight then bias) from Rng(seed). */
export function createMlp(gpu: Gpu, options: Partial<MlpOptions> = {}): Model {
  const { options: o, spec } = mlpArchitecture(options);
  return modelFromSpec(gpu, spec, o);
}

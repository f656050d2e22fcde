// Model architectures as plain data: a tree of layer specs that the builders here turn into
// device layers, and that src/reference/conv_layers.ts turns into the float64 reference model,
// so the two can never disagree on structure, names or weight layout.

import type { Gpu } from '../device/gpu.js';
import type { BatchNormOptions } from '../ops/batchnorm.js';
import type { Pair } from '../ops/geometry.js';
import type { Pool2dOptions } from '../ops/pool2d.js';
import { Rng } from '../random/rng.js';
import type { Shape } from '../tensor/tensor.js';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { Flatten } from './flatten.js';
import type { InitScheme } from './init.js';
import { Model } from './model.js';
import type { Layer } from './layer.js';
import { Normalize } from './normalize.js';
import { AvgPool2d, GlobalAvgPool, MaxPool2d } from './pool2d.js';
import { ReLU } from './relu.js';
import { Residual } from './residual.js';
import { Sequential } from './sequential.js';

/** A layer tree as plain data (JSON-serialisable); buildLayer turns it into device layers. */
export type LayerSpec =
  | { kind: 'conv2d'; name: string; inChannels: number; outChannels: number; kernel: Pair; stride: Pair; padding: Pair; bias: boolean }
  | { kind: 'batchnorm1d' | 'batchnorm2d'; name: string; channels: number; options: Partial<BatchNormOptions> }
  | { kind: 'relu' | 'flatten' | 'globalavgpool'; name: string }
  | { kind: 'maxpool2d' | 'avgpool2d'; name: string; options: Pool2dOptions }
  | { kind: 'dense'; name: string; inFeatures: number; outFeatures: number; bias: boolean }
  | { kind: 'normalize'; name: string; mean: number[]; std: number[] }
  | { kind: 'sequential'; name: string; layers: LayerSpec[] }
  | { kind: 'residual'; name: string; body: LayerSpec; shortcut: LayerSpec | null };

/**
 * The device layer for `spec`. Weights are drawn from `rng` depth-first in spec order (weight,
 * then bias, per layer) under `init`; BatchNorm starts at gamma 1, beta 0, mean 0, variance 1.
 */
export function buildLayer(gpu: Gpu, spec: LayerSpec, rng: Rng, init: InitScheme): Layer {
  switch (spec.kind) {
    case 'conv2d':
      return new Conv2d(gpu, spec.name, spec.inChannels, spec.outChannels, spec.kernel, rng, {
        stride: spec.stride,
        padding: spec.padding,
        bias: spec.bias,
        init,
      });
    case 'batchnorm1d':
      return new BatchNorm1d(gpu, spec.name, spec.channels, spec.options);
    case 'batchnorm2d':
      return new BatchNorm2d(gpu, spec.name, spec.channels, spec.options);
    case 'relu':
      return new ReLU(spec.name);
    case 'flatten':
      return new Flatten(spec.name);
    case 'globalavgpool':
      return new GlobalAvgPool(spec.name);
    case 'maxpool2d':
      return new MaxPool2d(spec.name, spec.options);
    case 'avgpool2d':
      return new AvgPool2d(spec.name, spec.options);
    case 'dense':
      return new Dense(gpu, spec.name, spec.inFeatures, spec.outFeatures, rng, { bias: spec.bias, init });
    case 'normalize':
      return new Normalize(gpu, spec.name, spec.mean, spec.std);
    case 'sequential':
      return new Sequential(spec.name, buildAll(gpu, spec.layers, rng, init));
    case 'residual': {
      const [body, shortcut = null] = buildAll(gpu, spec.shortcut ? [spec.body, spec.shortcut] : [spec.body], rng, init);
      return new Residual(spec.name, body, shortcut);
    }
  }
}

/** Builds specs in order; if one fails, disposes those already built and rethrows. */
function buildAll(gpu: Gpu, specs: LayerSpec[], rng: Rng, init: InitScheme): Layer[] {
  const built: Layer[] = [];
  try {
    for (const s of specs) built.push(buildLayer(gpu, s, rng, init));
  } catch (e) {
    built.forEach((l) => l.dispose());
    throw e;
  }
  return built;
}

/**
 * The Model of a layer spec: weights drawn in layer order from Rng(seed) under `init`; the layers
 * are freed again if the Model refuses them (e.g. their output is not [n, classes]).
 */
export function modelFromSpec(
  gpu: Gpu,
  spec: LayerSpec,
  o: { name: string; inputShape: Shape; classes: number; seed: number; init: InitScheme },
): Model {
  const root = buildLayer(gpu, spec, new Rng(o.seed), o.init);
  try {
    return new Model(gpu, o.name, o.inputShape, root, o.classes);
  } catch (e) {
    root.dispose();
    throw e;
  }
}

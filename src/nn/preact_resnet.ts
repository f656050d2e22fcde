// PreAct-ResNet (He et al. 2016, "Identity Mappings in Deep Residual Networks"), in the layout of
// the adversarial-training literature's PreActResNet18 (Wong et al. 2020): a 3x3 stem conv, stages
// of pre-activation basic blocks, then BN -> ReLU -> global average pool -> linear. A block is
// out = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut, where the shortcut is x itself, or a 1x1
// conv (stride s, no bias) of relu(bn1(x)) when the stride or width changes. Convs have no bias.
// Full size (PreAct-ResNet-18): blocks [2, 2, 2, 2], widths [64, 128, 256, 512], strides 1, 2, 2, 2.
// The global pool equals the original's 4x4 average pool on 32x32 inputs and works for any size.
// Names follow the PyTorch module paths: conv1, layer{i}.{j}.bn1/.conv1/.bn2/.conv2/.shortcut, bn, linear.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { resolveBatchNormOptions, type BatchNormOptions } from '../ops/batchnorm.js';
import { requireChoice, requireInteger, resolveOptions } from '../options.js';
import type { Shape } from '../tensor/tensor.js';
import { modelFromSpec, type LayerSpec } from './architecture.js';
import { INIT_SCHEMES, type InitScheme } from './init.js';
import type { Model } from './model.js';

/** Options of createPreActResNet. */
export interface PreActResNetOptions {
  /** One sample's shape [channels, height, width]. */
  inputShape: Shape;
  /** Basic blocks per stage. */
  blocks: number[];
  /** Width of each stage (the stem has widths[0] channels). */
  widths: number[];
  classes: number;
  /** Estimator switches of every BatchNorm layer (DEFAULT_BATCHNORM when empty). */
  bn: Partial<BatchNormOptions>;
  /** Per-channel constants of a Normalize first layer, or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  /** Init of conv and linear weights (nn/init.ts); BatchNorm starts at gamma 1, beta 0. */
  init: InitScheme;
  seed: number;
  name: string;
}

/** PreAct-ResNet-18 for CIFAR-10 (32x32x3). */
export const DEFAULT_PREACT_RESNET_OPTIONS: PreActResNetOptions = {
  inputShape: [3, 32, 32],
  blocks: [2, 2, 2, 2],
  widths: [64, 128, 256, 512],
  classes: 10,
  bn: {},
  normalize: null,
  init: 'pytorch-default',
  seed: 0,
  name: 'preact_resnet18',
};

/** A tiny configuration for tests: two stages of one block, widths 4 and 8, 8x8x3 inputs. */
export const TINY_PREACT_RESNET_OPTIONS: Partial<PreActResNetOptions> = {
  inputShape: [3, 8, 8],
  blocks: [1, 1],
  widths: [4, 8],
  name: 'preact_resnet_tiny',
};

function conv(name: string, cin: number, cout: number, kernel: number, stride: number): LayerSpec {
  return { kind: 'conv2d', name, inChannels: cin, outChannels: cout, kernel, stride, padding: (kernel - 1) / 2, bias: false };
}

function block(name: string, cin: number, cout: number, stride: number, bn: Partial<BatchNormOptions>): LayerSpec {
  const bn1: LayerSpec = { kind: 'batchnorm2d', name: `${name}.bn1`, channels: cin, options: bn };
  const relu1: LayerSpec = { kind: 'relu', name: `${name}.relu1` };
  const rest: LayerSpec[] = [
    conv(`${name}.conv1`, cin, cout, 3, stride),
    { kind: 'batchnorm2d', name: `${name}.bn2`, channels: cout, options: bn },
    { kind: 'relu', name: `${name}.relu2` },
    conv(`${name}.conv2`, cout, cout, 3, 1),
  ];
  if (stride === 1 && cin === cout) {
    return { kind: 'residual', name, body: { kind: 'sequential', name: `${name}.body`, layers: [bn1, relu1, ...rest] }, shortcut: null };
  }
  const residual: LayerSpec = {
    kind: 'residual',
    name: `${name}.residual`,
    body: { kind: 'sequential', name: `${name}.body`, layers: rest },
    shortcut: conv(`${name}.shortcut`, cin, cout, 1, stride),
  };
  return { kind: 'sequential', name, layers: [bn1, relu1, residual] };
}

/** The PreAct-ResNet layer tree for `options` (see the module note); validates every option. */
export function preActResNetArchitecture(options: Partial<PreActResNetOptions> = {}): { options: PreActResNetOptions; spec: LayerSpec } {
  const where = 'createPreActResNet';
  const o = resolveOptions(where, DEFAULT_PREACT_RESNET_OPTIONS, options);
  requireChoice(where, 'init', o.init, INIT_SCHEMES);
  requireInteger(where, 'classes', o.classes);
  if (o.blocks.length === 0 || o.blocks.length !== o.widths.length) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `${where}: options "blocks" [${o.blocks}] and "widths" [${o.widths}] must be equally long and non-empty.`,
    );
  }
  o.blocks.forEach((b, i) => requireInteger(where, `blocks[${i}]`, b));
  o.widths.forEach((w, i) => requireInteger(where, `widths[${i}]`, w));
  if (o.inputShape.length !== 3 || !o.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where}: option "inputShape" [${o.inputShape}] must be [channels, height, width].`);
  }
  resolveBatchNormOptions(o.bn, `${where}: option "bn"`);
  const layers: LayerSpec[] = [];
  if (o.normalize) layers.push({ kind: 'normalize', name: 'normalize', mean: o.normalize.mean, std: o.normalize.std });
  layers.push(conv('conv1', o.inputShape[0], o.widths[0], 3, 1));
  let cin = o.widths[0];
  o.blocks.forEach((count, stage) => {
    for (let j = 0; j < count; j++) {
      const stride = stage > 0 && j === 0 ? 2 : 1;
      layers.push(block(`layer${stage + 1}.${j}`, cin, o.widths[stage], stride, o.bn));
      cin = o.widths[stage];
    }
  });
  layers.push(
    { kind: 'batchnorm2d', name: 'bn', channels: cin, options: o.bn },
    { kind: 'relu', name: 'relu' },
    { kind: 'globalavgpool', name: 'pool' },
    { kind: 'dense', name: 'linear', inFeatures: cin, outFeatures: o.classes, bias: true },
  );
  return { options: o, spec: { kind: 'sequential', name: o.name, layers } };
}

/** Builds the PreAct-ResNet on `gpu`; weights drawn in layer order from Rng(seed). */
export function createPreActResNet(gpu: Gpu, options: Partial<PreActResNetOptions> = {}): Model {
  const { options: o, spec } = preActResNetArchitecture(options);
  return modelFromSpec(gpu, spec, o);
}

// The model registry: each kind has the recipe options a user sets (with their defaults here),
// turns them plus the data (input shape, classes, Normalize constants) and the seed into its
// builder's plain-JSON options, and builds a Model from those. The pair {kind, options} is stored
// in config.json and every checkpoint, so `ntk-at evaluate` and `ntk-at ntk` rebuild the model.

import type { ImageShape } from '../data/dataset.js';
import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { cnnArchitecture, createCnn } from '../nn/cnn.js';
import { INIT_SCHEMES, type InitScheme } from '../nn/init.js';
import { createMlp, mlpArchitecture } from '../nn/mlp.js';
import type { Model } from '../nn/model.js';
import { createPreActResNet, preActResNetArchitecture } from '../nn/preact_resnet.js';
import { DEFAULT_BATCHNORM, resolveBatchNormOptions, type BatchNormOptions } from '../ops/batchnorm.js';

/** What a model needs to know about the data it is built for. */
export interface ModelData {
  inputShape: ImageShape;
  classes: number;
  /** Per-channel constants of a Normalize first layer (from the training data), or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
}

/** How to rebuild a model: a MODELS key and the builder's options (plain JSON). */
export interface BuiltModelRecipe {
  kind: string;
  options: Record<string, unknown>;
}

/** One model kind of the registry: summary, recipe defaults, how recipe options become builder options, and the builder. */
export interface ModelEntry {
  summary: string;
  /** The recipe options besides `kind` and `normalize`, with their defaults. */
  defaults: Record<string, unknown>;
  /** Builder options from resolved recipe options, the data and the init seed; validates them (no device). */
  builderOptions(options: Record<string, unknown>, data: ModelData, seed: number): Record<string, unknown>;
  /** Builds the model on `gpu`. */
  build(gpu: Gpu, builderOptions: Record<string, unknown>): Model;
}

/** Every BatchNorm estimator switch (ops/batchnorm.ts), PyTorch's defaults. */
const BN_DEFAULTS: BatchNormOptions = { ...DEFAULT_BATCHNORM };

const widths = (value: unknown, field: string, allowEmpty: boolean): number[] => {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || !value.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `model.${field} must be a list of positive integers${allowEmpty ? '' : ' (not empty)'}, got ${JSON.stringify(value)}.`,
      { field: `model.${field}` },
    );
  }
  return value as number[];
};

const bnOptions = (value: unknown): BatchNormOptions => {
  try {
    return resolveBatchNormOptions(value as Partial<BatchNormOptions>, 'model.bn');
  } catch (e) {
    throw new NtkError('E_INVALID_ARGUMENT', (e as Error).message.replace(/^\[E_[A-Z_]+\] /, ''), { field: 'model.bn' });
  }
};

const init = (value: unknown): InitScheme => {
  if (!INIT_SCHEMES.includes(value as InitScheme)) {
    throw new NtkError('E_INVALID_ARGUMENT', `model.init is "${String(value)}"; use one of ${INIT_SCHEMES.join(', ')}.`, {
      field: 'model.init',
    });
  }
  return value as InitScheme;
};

/** Runs a builder's own validation, re-raised as a recipe error naming model.<kind>. */
const validated = <T>(kind: string, f: () => T): T => {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof NtkError) || e.code !== 'E_INVALID_ARGUMENT') throw e;
    throw new NtkError('E_INVALID_ARGUMENT', `model (${kind}): ${e.message.replace(/^\[E_[A-Z_]+\] /, '')}`, {
      field: 'model',
      cause: e.details,
    });
  }
};

/** The model kinds a recipe can name (`model.kind`). */
export const MODELS = {
  mlp: {
    summary: 'multi-layer perceptron: [Normalize] Flatten, Dense-[BatchNorm1d]-ReLU per hidden width, Dense',
    defaults: { hidden: [256, 128], batchNorm: false, bn: BN_DEFAULTS, init: 'pytorch-default' },
    builderOptions: (o, data, seed) => {
      if (typeof o.batchNorm !== 'boolean')
        throw new NtkError('E_INVALID_ARGUMENT', `model.batchNorm must be true or false, got ${JSON.stringify(o.batchNorm)}.`, {
          field: 'model.batchNorm',
        });
      const bn = bnOptions(o.bn);
      if (!o.batchNorm && JSON.stringify(bn) !== JSON.stringify(bnOptions(BN_DEFAULTS))) {
        throw new NtkError(
          'E_INVALID_ARGUMENT',
          'model.bn sets BatchNorm options of an mlp without BatchNorm; set model.batchNorm true (--batch-norm on) or leave model.bn at its defaults.',
          { field: 'model.bn' },
        );
      }
      const options = {
        inputShape: [...data.inputShape],
        hidden: widths(o.hidden, 'hidden', true),
        classes: data.classes,
        normalize: data.normalize,
        batchNorm: o.batchNorm,
        bn,
        init: init(o.init),
        seed,
      };
      validated('mlp', () => mlpArchitecture(options as never));
      return options;
    },
    build: (gpu, options) => createMlp(gpu, options),
  },
  cnn: {
    summary: 'small CNN: [Normalize] conv-BN-ReLU-pool blocks, then a dense head',
    defaults: { channels: [16, 32], kernel: 3, pool: 'max', batchNorm: true, bn: BN_DEFAULTS, hidden: [64], init: 'pytorch-default' },
    builderOptions: (o, data, seed) => {
      const options = {
        inputShape: [...data.inputShape],
        channels: widths(o.channels, 'channels', false),
        kernel: o.kernel,
        pool: o.pool,
        batchNorm: o.batchNorm,
        bn: bnOptions(o.bn),
        hidden: widths(o.hidden, 'hidden', true),
        classes: data.classes,
        normalize: data.normalize,
        init: init(o.init),
        seed,
      };
      if (typeof o.batchNorm !== 'boolean')
        throw new NtkError('E_INVALID_ARGUMENT', `model.batchNorm must be true or false, got ${JSON.stringify(o.batchNorm)}.`, {
          field: 'model.batchNorm',
        });
      validated('cnn', () => cnnArchitecture(options as never));
      return options;
    },
    build: (gpu, options) => createCnn(gpu, options),
  },
  'preact-resnet': {
    summary: 'PreAct-ResNet (He et al. 2016); defaults are PreAct-ResNet-18 (blocks 2,2,2,2, widths 64..512)',
    defaults: { blocks: [2, 2, 2, 2], widths: [64, 128, 256, 512], bn: BN_DEFAULTS, init: 'pytorch-default' },
    builderOptions: (o, data, seed) => {
      const options = {
        inputShape: [...data.inputShape],
        blocks: widths(o.blocks, 'blocks', false),
        widths: widths(o.widths, 'widths', false),
        bn: bnOptions(o.bn),
        classes: data.classes,
        normalize: data.normalize,
        init: init(o.init),
        seed,
      };
      validated('preact-resnet', () => preActResNetArchitecture(options as never));
      return options;
    },
    build: (gpu, options) => createPreActResNet(gpu, options),
  },
} as const satisfies Record<string, ModelEntry>;

/** A key of MODELS. */
export type ModelKindName = keyof typeof MODELS;
/** Every ModelKindName. */
export const MODEL_KIND_NAMES = Object.keys(MODELS) as ModelKindName[];

/** The registry entry for `kind`; E_INVALID_ARGUMENT naming `field` and the kinds that exist otherwise. */
export function modelEntry(kind: string, field = 'model.kind'): ModelEntry {
  if (!Object.hasOwn(MODELS, kind)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${field} is "${kind}"; use one of ${MODEL_KIND_NAMES.join(', ')}.`, {
      field,
      option: 'model',
      value: kind,
      choices: MODEL_KIND_NAMES,
    });
  }
  return MODELS[kind as ModelKindName];
}

/** Builds the model a built recipe describes (fresh weights; load a checkpoint's state after). */
export function buildModel(gpu: Gpu, recipe: BuiltModelRecipe): Model {
  return modelEntry(recipe.kind, 'model kind').build(gpu, recipe.options);
}

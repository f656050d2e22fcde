// The models the CLI can train, as a registry: each kind turns the parsed command-line options into
// its builder's (JSON) options and builds a Model from them. The recipe {kind, options} is stored in
// config.json and in every checkpoint, so `ntk-at evaluate` rebuilds exactly the trained model.
// To add a model (e.g. `resnet`): add an entry to MODEL_KINDS and its options to train's.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import { createCnn } from '../nn/cnn.js';
import { createMlp } from '../nn/mlp.js';
import type { Model } from '../nn/model.js';
import type { ImageShape } from '../data/dataset.js';
import { parseIntegerList, type ParsedOptions } from './args.js';

/** How to rebuild a model: a MODEL_KINDS key and the builder's options (plain JSON). */
export interface ModelRecipe {
  kind: string;
  options: Record<string, unknown>;
}

/** What a model needs to know about the data it is built for. */
export interface ModelData {
  inputShape: ImageShape;
  classes: number;
  /** Per-channel constants of a Normalize first layer (from the training data), or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
}

export interface ModelKind {
  /** Builder options from the command line (`--hidden`, `--seed`, ...) and the data. */
  options(cli: ParsedOptions, data: ModelData): Record<string, unknown>;
  build(gpu: Gpu, options: Record<string, unknown>): Model;
}

export const MODEL_KINDS: Record<string, ModelKind> = {
  mlp: {
    options: (cli, data) => ({
      inputShape: [...data.inputShape],
      hidden: parseIntegerList(String(cli.hidden), 'hidden'),
      classes: data.classes,
      normalize: data.normalize,
      seed: cli.seed,
    }),
    build: (gpu, options) => createMlp(gpu, options),
  },
  cnn: {
    options: (cli, data) => ({
      inputShape: [...data.inputShape],
      channels: parseIntegerList(String(cli.channels), 'channels'),
      hidden: parseIntegerList(String(cli.hidden), 'hidden'),
      classes: data.classes,
      normalize: data.normalize,
      seed: cli.seed,
    }),
    build: (gpu, options) => createCnn(gpu, options),
  },
};

/** The registry entry for `kind`; E_INVALID_ARGUMENT listing the kinds that exist otherwise. */
export function modelKind(kind: string, where = '--model'): ModelKind {
  const entry = Object.hasOwn(MODEL_KINDS, kind) ? MODEL_KINDS[kind] : undefined;
  if (!entry) {
    throw new NtkError('E_INVALID_ARGUMENT', `${where} is "${kind}"; use one of ${Object.keys(MODEL_KINDS).join(', ')}.`, {
      option: 'model', value: kind, choices: Object.keys(MODEL_KINDS),
    });
  }
  return entry;
}

/** Builds the model a recipe describes (fresh weights; load a checkpoint's state after). */
export function buildModel(gpu: Gpu, recipe: ModelRecipe): Model {
  return modelKind(recipe.kind, 'model kind').build(gpu, recipe.options);
}

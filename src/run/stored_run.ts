// What a run's checkpoint says about the run: the resolved recipe, stored once, and the facts derived
// from it while the run was prepared (the data's image shape and classes, the Normalize layer's
// constants, the parameter count), from which `evaluate` and `ntk` rebuild the model. Checkpoints of
// the older layout (recipe, `run` with the built model, and the flattened train options) still load.

import type { ImageShape } from '../data/dataset.js';
import { NtkError } from '../errors.js';
import { modelEntry, type BuiltModelRecipe, type ModelData } from './models.js';
import { resolveRecipe, type RunRecipe } from './recipe.js';

/** What preparing a run derived from its recipe and data, stored next to the recipe. */
export interface RunFacts {
  /** One image's shape and the class count of the data the model was built for. */
  inputShape: ImageShape;
  classes: number;
  /** The Normalize first layer's per-channel constants (from the training data), or null for none. */
  normalize: { mean: number[]; std: number[] } | null;
  parameters: number;
}

/** A stored run: its resolved recipe and the model to rebuild (kind and builder options). */
export interface StoredRun {
  recipe: RunRecipe;
  model: BuiltModelRecipe;
}

/** The model a resolved recipe builds for data with these facts (the registry's builder options; init seed training.seed). */
export function builtModel(r: RunRecipe, data: ModelData): BuiltModelRecipe {
  const { kind, normalize: _normalize, ...options } = r.model;
  return { kind, options: modelEntry(kind).builderOptions(options, data, r.training.seed) };
}

/** The config a recipe run's checkpoints store: the recipe once, and the facts. */
export function runCheckpointConfig(r: RunRecipe, facts: RunFacts): Record<string, unknown> {
  return { recipe: r, facts };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const mismatch = (source: string, problem: string) =>
  new NtkError('E_CHECKPOINT_MISMATCH', `${source}: ${problem}; it was not written by runRecipe / ntk-at train of this version.`, {
    source,
  });

/** The resolved recipe a checkpoint, config.json or config log record carries; E_CHECKPOINT_MISMATCH if none. */
export function storedRecipe(config: Record<string, unknown>, source: string): RunRecipe {
  if (!isObject(config.recipe)) throw mismatch(source, 'no run recipe stored (field "recipe")');
  return resolveRecipe(config.recipe);
}

/** The run a checkpoint's config describes, in either layout; E_CHECKPOINT_MISMATCH when it describes none. */
export function storedRun(config: Record<string, unknown>, source: string): StoredRun {
  const recipe = storedRecipe(config, source);
  if (isObject(config.facts)) {
    const f = config.facts;
    const shapeOk = Array.isArray(f.inputShape) && f.inputShape.length === 3 && f.inputShape.every((d) => Number.isInteger(d) && d > 0);
    const normalizeOk =
      f.normalize === null || (isObject(f.normalize) && Array.isArray(f.normalize.mean) && Array.isArray(f.normalize.std));
    if (!shapeOk || !Number.isInteger(f.classes) || !normalizeOk)
      throw mismatch(source, `the run's facts (field "facts") are malformed: ${JSON.stringify(f)}`);
    return { recipe, model: builtModel(recipe, f as unknown as RunFacts) };
  }
  // The older layout: the built model under run.model (its options hold the Normalize constants).
  const model = isObject(config.run) ? config.run.model : undefined;
  if (!isObject(model) || typeof model.kind !== 'string' || !isObject(model.options))
    throw mismatch(source, 'no facts (field "facts") nor model recipe (field "run.model") stored');
  return { recipe, model: model as unknown as BuiltModelRecipe };
}

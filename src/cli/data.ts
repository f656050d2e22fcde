// The data of a CLI run, from a JSON recipe stored in config.json and checkpoints: a stratified,
// seeded training subset and validation split from the training pool, and the first images of each
// class of the test pool (the same test images for every seed, so runs compare on equal terms).

import { ImageDataset, stratifiedSubset, trainValidationSplit } from '../data/dataset.js';
import { FASHION_MNIST_DIR, loadDefaultDataset, loadFashionMnist } from '../data/files.js';
import { syntheticClusters, syntheticShapes } from '../data/synthetic.js';
import { NtkError } from '../errors.js';
import type { Platform } from '../platform/index.js';

/** `default`: Fashion-MNIST if readable, else synthetic shapes with a notice; the others are strict. */
export const DATASET_CHOICES = ['default', 'fashion-mnist', 'synthetic-shapes', 'synthetic-clusters'] as const;
export type DatasetChoice = (typeof DATASET_CHOICES)[number];

export interface DataRecipe {
  dataset: DatasetChoice;
  /** Directory of the Fashion-MNIST IDX files. */
  dir: string;
  /** Training, per-epoch validation (0: none) and test images; each a multiple of the class count. */
  trainSize: number;
  validationSize: number;
  testSize: number;
  /** Seed of the training/validation selection. */
  seed: number;
}

export const DEFAULT_DATA_RECIPE: DataRecipe = {
  dataset: 'default', dir: FASHION_MNIST_DIR, trainSize: 5000, validationSize: 500, testSize: 1000, seed: 0,
};

export interface RunData {
  train: ImageDataset;
  validation: ImageDataset | null;
  test: ImageDataset;
  /** Set when `default` fell back to synthetic data: show it to the user and log it. */
  notice: string | null;
}

const SYNTHETIC_SEED = 1;
const SYNTHETIC_CLASSES = 10;

/** Loads and selects the recipe's data; sizes that are not multiples of the class count, or too large, are E_INVALID_ARGUMENT. */
export async function loadRunData(recipe: DataRecipe, platform: Platform): Promise<RunData> {
  for (const [option, size, min] of [['train-size', recipe.trainSize, 1], ['val-size', recipe.validationSize, 0], ['test-size', recipe.testSize, 1]] as const) {
    if (!(Number.isInteger(size) && size >= min)) {
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be an integer >= ${min}, got ${size}.`, { option });
    }
  }
  const { train: trainPool, test: testPool, notice } = await loadPools(recipe, platform);
  const classes = trainPool.classes.length;
  const perClass = (size: number, option: string) => {
    if (size % classes !== 0) {
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} must be a multiple of the class count (${classes}) of ${trainPool.name}, got ${size}.`, { option });
    }
    return size / classes;
  };
  const trainPer = perClass(recipe.trainSize, 'train-size');
  const validationPer = perClass(recipe.validationSize, 'val-size');
  const testPer = perClass(recipe.testSize, 'test-size');
  const pick = (pool: ImageDataset, per: number, option: string, selection: 'first' | 'random') => {
    const smallest = Math.min(...pool.classCounts());
    if (per > smallest) {
      throw new NtkError('E_INVALID_ARGUMENT', `--${option} asks ${per} images per class but ${pool.name} has ${smallest} in its smallest class.`, { option });
    }
    return stratifiedSubset(pool, { perClass: per, selection, seed: recipe.seed });
  };
  const selected = pick(trainPool, trainPer + validationPer, 'train-size', 'random');
  const base = trainPool.name;
  const split = validationPer > 0 ? trainValidationSplit(selected, { validation: recipe.validationSize, seed: recipe.seed }) : null;
  return {
    train: rename(split ? split.train : selected, `${base}[${recipe.trainSize}, seed ${recipe.seed}]`),
    validation: split ? rename(split.validation, `${base}[validation ${recipe.validationSize}, seed ${recipe.seed}]`) : null,
    test: rename(pick(testPool, testPer, 'test-size', 'first'), `${testPool.name}[first ${testPer}/class]`),
    notice,
  };
}

async function loadPools(recipe: DataRecipe, platform: Platform): Promise<{ train: ImageDataset; test: ImageDataset; notice: string | null }> {
  switch (recipe.dataset) {
    case 'default':
      return loadDefaultDataset({ dir: recipe.dir, platform });
    case 'fashion-mnist':
      return {
        train: await loadFashionMnist({ dir: recipe.dir, split: 'train', platform }),
        test: await loadFashionMnist({ dir: recipe.dir, split: 'test', platform }),
        notice: null,
      };
    case 'synthetic-shapes':
    case 'synthetic-clusters': {
      // One pool, so train and test share the generator's class structure (e.g. cluster means).
      const per = (size: number) => Math.ceil(size / SYNTHETIC_CLASSES);
      const testPer = per(recipe.testSize);
      const options = { name: recipe.dataset, classes: SYNTHETIC_CLASSES, perClass: per(recipe.trainSize + recipe.validationSize) + testPer, seed: SYNTHETIC_SEED };
      const pool = recipe.dataset === 'synthetic-shapes' ? syntheticShapes(options) : syntheticClusters(options);
      const { train, validation } = trainValidationSplit(pool, { validation: testPer * SYNTHETIC_CLASSES, seed: SYNTHETIC_SEED });
      const name = recipe.dataset;
      return { train: rename(train, `${name}-train`), test: rename(validation, `${name}-test`), notice: null };
    }
    default:
      throw new NtkError('E_INVALID_ARGUMENT', `--dataset is "${String(recipe.dataset)}"; use one of ${DATASET_CHOICES.join(', ')}.`, { option: 'dataset' });
  }
}

function rename(data: ImageDataset, name: string): ImageDataset {
  return new ImageDataset({ name, images: data.images, labels: data.labels, shape: data.shape, classes: data.classes });
}

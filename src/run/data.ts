// The data-set registry and the data of a run: each entry says what one sample looks like and
// loads the training and test pools; loadRunData then draws a stratified, seeded training subset
// and validation split, and the first images of each class of the test pool (the same test images
// for every seed, so runs compare on equal terms). Unreadable explicit data is an error, never
// replaced silently: synthetic stand-ins only when the recipe's `fallback` asks (and then logged).

import { ImageDataset, stratifiedSubset, trainValidationSplit, type ImageShape } from '../data/dataset.js';
import { FASHION_MNIST_DIR, loadCifar10, loadFashionMnist } from '../data/files.js';
import { syntheticClusters, syntheticShapes } from '../data/synthetic.js';
import { NtkError } from '../errors.js';
import type { Platform } from '../platform/index.js';

/** One data set of the registry: its summary, image shape, class count, where its files are, and how to load its pools. */
export interface DataSetEntry {
  summary: string;
  /** One sample's shape [channels, height, width] and the class count. */
  shape: ImageShape;
  classes: number;
  /** Directory (URL prefix in browsers) used when the recipe's `dir` is null; null: `dir` is required. */
  defaultDir: string | null;
  /** Generated in memory (no files). */
  synthetic: boolean;
  /** The training and test pools (`perClass`: images per class a synthetic generator must make at least). */
  load(
    dir: string | null,
    perClass: { train: number; test: number },
    platform: Platform,
  ): Promise<{ train: ImageDataset; test: ImageDataset }>;
}

const SYNTHETIC_SEED = 1;

/** One synthetic pool split into train and test, so both share the generator's class structure. */
function syntheticPools(name: string, make: typeof syntheticShapes, perClass: { train: number; test: number }) {
  const pool = make({ name, classes: 10, perClass: perClass.train + perClass.test, seed: SYNTHETIC_SEED });
  const { train, validation } = trainValidationSplit(pool, { validation: perClass.test * 10, seed: SYNTHETIC_SEED });
  return { train: rename(train, `${name}-train`), test: rename(validation, `${name}-test`) };
}

/** The data sets a recipe can name (`data.dataset`). */
export const DATA_SETS = {
  'fashion-mnist': {
    summary: 'Fashion-MNIST, IDX files (plain or .gz): 60,000 + 10,000 images 28x28x1, 10 classes',
    shape: [1, 28, 28],
    classes: 10,
    defaultDir: FASHION_MNIST_DIR,
    synthetic: false,
    load: async (dir, _perClass, platform) => ({
      train: await loadFashionMnist({ dir: dir ?? FASHION_MNIST_DIR, split: 'train', platform }),
      test: await loadFashionMnist({ dir: dir ?? FASHION_MNIST_DIR, split: 'test', platform }),
    }),
  },
  cifar10: {
    summary: 'CIFAR-10, binary version (cifar-10-batches-bin): 50,000 + 10,000 images 32x32x3, 10 classes',
    shape: [3, 32, 32],
    classes: 10,
    defaultDir: null,
    synthetic: false,
    load: async (dir, _perClass, platform) => ({
      train: await loadCifar10({ dir: dir as string, split: 'train', platform }),
      test: await loadCifar10({ dir: dir as string, split: 'test', platform }),
    }),
  },
  'synthetic-shapes': {
    summary: 'procedural shapes (disk, ring, square, ...) 28x28x1 with noise, 10 classes, generated in memory',
    shape: [1, 28, 28],
    classes: 10,
    defaultDir: null,
    synthetic: true,
    load: async (_dir, perClass) => syntheticPools('synthetic-shapes', syntheticShapes, perClass),
  },
  'synthetic-clusters': {
    summary: 'Gaussian clusters 8x8x1, 10 classes, generated in memory (the smallest, for tests)',
    shape: [1, 8, 8],
    classes: 10,
    defaultDir: null,
    synthetic: true,
    load: async (_dir, perClass) => syntheticPools('synthetic-clusters', syntheticClusters, perClass),
  },
} as const satisfies Record<string, DataSetEntry>;

/** A key of DATA_SETS. */
export type DataSetName = keyof typeof DATA_SETS;
/** Every DataSetName. */
export const DATA_SET_NAMES = Object.keys(DATA_SETS) as DataSetName[];

/** Synthetic data sets a recipe may fall back to when its files cannot be read. */
export const DATA_FALLBACKS = ['none', 'synthetic-shapes'] as const;
/** One of DATA_FALLBACKS. */
export type DataFallback = (typeof DATA_FALLBACKS)[number];

/** The data of a run: which set, where, the sizes of the training, validation and test parts, and the selection seed. */
export interface DataRecipe {
  dataset: DataSetName;
  /** Directory (URL prefix in browsers) of the files; null: the data set's default directory. */
  dir: string | null;
  /** `synthetic-shapes`: use synthetic shapes if the files cannot be read (logged as a notice); `none`: fail. */
  fallback: DataFallback;
  /** Training, per-epoch validation (0: none) and test images; each a multiple of the class count. */
  trainSize: number;
  validationSize: number;
  testSize: number;
  /** Seed of the training/validation selection. */
  seed: number;
}

/** The data defaults of a run (see DataRecipe). */
export const DEFAULT_DATA_RECIPE: DataRecipe = {
  dataset: 'fashion-mnist',
  dir: null,
  fallback: 'none',
  trainSize: 5000,
  validationSize: 500,
  testSize: 1000,
  seed: 0,
};

/** The data of a run, loaded: training, validation (or null) and test sets. */
export interface RunData {
  train: ImageDataset;
  validation: ImageDataset | null;
  test: ImageDataset;
  /** Set when the recipe's fallback replaced unreadable files with synthetic data: show and log it. */
  notice: string | null;
}

/** The registry entry of `name`; E_INVALID_ARGUMENT naming `field` and the choices otherwise. */
export function dataSet(name: string, field = 'data.dataset'): DataSetEntry {
  if (!Object.hasOwn(DATA_SETS, name)) {
    throw new NtkError('E_INVALID_ARGUMENT', `${field} is "${name}"; use one of ${DATA_SET_NAMES.join(', ')}.`, {
      field,
      value: name,
      choices: DATA_SET_NAMES,
    });
  }
  return DATA_SETS[name as DataSetName];
}

/**
 * Checks sizes against the data set's class count (no data read): E_INVALID_ARGUMENT naming the
 * recipe field. Sizes larger than a class holds are caught in loadRunData.
 */
export function checkDataRecipe(recipe: DataRecipe): void {
  const entry = dataSet(recipe.dataset);
  for (const [field, size, min] of [
    ['trainSize', recipe.trainSize, 1],
    ['validationSize', recipe.validationSize, 0],
    ['testSize', recipe.testSize, 1],
  ] as const) {
    if (!(Number.isInteger(size) && size >= min && size % entry.classes === 0)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `data.${field} must be an integer >= ${min} and a multiple of the class count (${entry.classes}) of ${recipe.dataset}, got ${size}.`,
        { field: `data.${field}` },
      );
    }
  }
  if (!entry.synthetic && recipe.dir === null && entry.defaultDir === null) {
    throw new NtkError('E_INVALID_ARGUMENT', `data.dir is required for ${recipe.dataset} (${entry.summary}).`, { field: 'data.dir' });
  }
}

/** Loads and selects the recipe's data (sizes checked by checkDataRecipe first). */
export async function loadRunData(recipe: DataRecipe, platform: Platform): Promise<RunData> {
  checkDataRecipe(recipe);
  const { train: trainPool, test: testPool, notice } = await loadPools(recipe, platform);
  const classes = trainPool.classes.length;
  const trainPer = recipe.trainSize / classes;
  const validationPer = recipe.validationSize / classes;
  const testPer = recipe.testSize / classes;
  const pick = (pool: ImageDataset, per: number, field: string, selection: 'first' | 'random') => {
    const smallest = Math.min(...pool.classCounts());
    if (per > smallest) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `data.${field} asks ${per} images per class but ${pool.name} has ${smallest} in its smallest class.`,
        { field: `data.${field}` },
      );
    }
    return stratifiedSubset(pool, { perClass: per, selection, seed: recipe.seed });
  };
  const selected = pick(trainPool, trainPer + validationPer, 'trainSize', 'random');
  const base = trainPool.name;
  const split = validationPer > 0 ? trainValidationSplit(selected, { validation: recipe.validationSize, seed: recipe.seed }) : null;
  return {
    train: rename(split ? split.train : selected, `${base}[${recipe.trainSize}, seed ${recipe.seed}]`),
    validation: split ? rename(split.validation, `${base}[validation ${recipe.validationSize}, seed ${recipe.seed}]`) : null,
    test: rename(pick(testPool, testPer, 'testSize', 'first'), `${testPool.name}[first ${testPer}/class]`),
    notice,
  };
}

async function loadPools(
  recipe: DataRecipe,
  platform: Platform,
): Promise<{ train: ImageDataset; test: ImageDataset; notice: string | null }> {
  const entry = dataSet(recipe.dataset);
  const perClass = {
    train: Math.ceil((recipe.trainSize + recipe.validationSize) / entry.classes),
    test: Math.ceil(recipe.testSize / entry.classes),
  };
  try {
    return { ...(await entry.load(recipe.dir ?? entry.defaultDir, perClass, platform)), notice: null };
  } catch (e) {
    if (recipe.fallback === 'none' || !(e instanceof NtkError) || e.code !== 'E_DATA_READ') throw e;
    const pools = await dataSet(recipe.fallback).load(null, perClass, platform);
    return {
      ...pools,
      notice: `${recipe.dataset} could not be read (${e.message}); using SYNTHETIC ${recipe.fallback} instead (data.fallback).`,
    };
  }
}

function rename(data: ImageDataset, name: string): ImageDataset {
  return new ImageDataset({ name, images: data.images, labels: data.labels, shape: data.shape, classes: data.classes });
}

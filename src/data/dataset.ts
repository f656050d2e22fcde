// The in-memory image data set (uint8 pixels NCHW + uint8 labels, validated on construction) and
// the seeded selections made from it: stratified subsets and train/validation splits. Pixels stay
// bytes here; batching.ts scales them to [0, 1] floats on the way to the device.

import { NtkError, check } from '../errors.js';
import { Rng } from '../random/rng.js';

/**
 * Philox streams of the data pipeline (Rng(seed, stream)): one per purpose, so e.g. changing the
 * augmentation never changes the shuffling of the same seed.
 */
export const DATA_STREAMS = {
  shuffle: 0xda7a0001,
  augment: 0xda7a0002,
  select: 0xda7a0003,
  split: 0xda7a0004,
  synthetic: 0xda7a0005,
} as const;

/** Image shape without the batch dimension: [channels, height, width]. */
export type ImageShape = readonly [number, number, number];

/** What an ImageDataset is made from. */
export interface ImageDatasetInit {
  /** Names the data in every output; synthetic data sets start with `synthetic-`. */
  name: string;
  /** Pixels, [n, c, h, w] row-major, 0..255 meaning [0, 1]. Kept by reference, not copied. */
  images: Uint8Array;
  /** Class index of each image, [n], each < classes.length. */
  labels: Uint8Array;
  shape: ImageShape;
  /** Class names; their count fixes the label range. */
  classes: readonly string[];
  /** Where the data came from (file names), used in error messages; default `name`. */
  origin?: string;
}

/** An image classification data set held in host memory. Immutable by convention. */
export class ImageDataset {
  readonly name: string;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly shape: ImageShape;
  readonly classes: readonly string[];

  /** Validates sizes and labels: E_DATA_EMPTY for no samples, E_DATA_FORMAT for anything inconsistent. */
  constructor(init: ImageDatasetInit) {
    const origin = init.origin ?? init.name;
    const [c, h, w] = init.shape;
    check(
      init.shape.length === 3 && [c, h, w].every((d) => Number.isInteger(d) && d > 0),
      `${origin}: image shape [${init.shape}] must be three positive integers [channels, height, width].`,
    );
    check(init.classes.length >= 1 && init.classes.length <= 256, `${origin}: need 1..256 classes, got ${init.classes.length}.`);
    const n = init.labels.length;
    if (n === 0) {
      throw new NtkError('E_DATA_EMPTY', `${origin}: the data set "${init.name}" has no samples; check the file or the selection.`, {
        file: origin,
      });
    }
    if (init.images.length !== n * c * h * w) {
      throw new NtkError(
        'E_DATA_FORMAT',
        `${origin}: ${n} labels need ${n * c * h * w} pixel bytes of shape [${init.shape}], but there are ${init.images.length}.`,
        { file: origin, problem: 'size-mismatch', labels: n, pixels: init.images.length },
      );
    }
    checkLabels(init.labels, init.classes.length, origin);
    this.name = init.name;
    this.images = init.images;
    this.labels = init.labels;
    this.shape = [c, h, w];
    this.classes = init.classes;
  }

  /** Number of samples. */
  get length(): number {
    return this.labels.length;
  }

  /** Values per image: c·h·w. */
  get imageSize(): number {
    return this.shape[0] * this.shape[1] * this.shape[2];
  }

  /** The pixels of sample i, [c, h, w], a view (no copy). */
  image(i: number): Uint8Array {
    const size = this.imageSize;
    return this.images.subarray(i * size, (i + 1) * size);
  }

  /** Samples per class, indexed by class. */
  classCounts(): number[] {
    const counts = new Array<number>(this.classes.length).fill(0);
    for (let i = 0; i < this.labels.length; i++) counts[this.labels[i]]++;
    return counts;
  }

  /** Dataset indices of each class, ascending. */
  indicesByClass(): Uint32Array[] {
    const counts = this.classCounts();
    const lists = counts.map((n) => new Uint32Array(n));
    const fill = new Array<number>(counts.length).fill(0);
    for (let i = 0; i < this.labels.length; i++) {
      const c = this.labels[i];
      lists[c][fill[c]++] = i;
    }
    return lists;
  }

  /** A new data set of the samples at `indices`, in that order (pixels copied). */
  subset(indices: ArrayLike<number>, name = `${this.name}[${indices.length}]`): ImageDataset {
    const size = this.imageSize;
    const images = new Uint8Array(indices.length * size);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      check(Number.isInteger(i) && i >= 0 && i < this.length, `${this.name}: subset index ${i} is outside [0, ${this.length}).`);
      images.set(this.images.subarray(i * size, (i + 1) * size), k * size);
      labels[k] = this.labels[i];
    }
    return new ImageDataset({ name, images, labels, shape: this.shape, classes: this.classes, origin: `${this.name} (subset)` });
  }
}

/** Throws E_DATA_FORMAT naming `origin`, the first bad index and value, if any label is >= classes. */
export function checkLabels(labels: Uint8Array, classes: number, origin: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new NtkError(
        'E_DATA_FORMAT',
        `${origin}: label ${labels[i]} at index ${i} is out of range for ${classes} classes; the file is corrupt or not this data set.`,
        { file: origin, problem: 'label-range', index: i, label: labels[i], classes },
      );
    }
  }
}

/** Options of stratifiedIndices and stratifiedSubset. */
export interface StratifiedOptions {
  /** Samples taken from every class. */
  perClass: number;
  /** `first`: the first perClass of each class in dataset order; `random`: a seeded draw. */
  selection: 'first' | 'random';
  /** Seed of the `random` draw (stream DATA_STREAMS.select). */
  seed: number;
}

/** The first 100 samples of each class. */
export const DEFAULT_STRATIFIED: StratifiedOptions = { perClass: 100, selection: 'first', seed: 0 };

/**
 * Indices of `perClass` samples of every class, grouped by class (class 0 first) and ascending
 * within a class. A class with fewer than perClass samples is E_INVALID_ARGUMENT.
 */
export function stratifiedIndices(dataset: ImageDataset, options: Partial<StratifiedOptions> = {}): Uint32Array {
  const { perClass, selection, seed } = { ...DEFAULT_STRATIFIED, ...options };
  check(Number.isInteger(perClass) && perClass >= 1, `perClass must be a positive integer, got ${perClass}.`);
  check(selection === 'first' || selection === 'random', `selection must be 'first' or 'random', got "${selection}".`);
  const rng = new Rng(seed, DATA_STREAMS.select);
  const byClass = dataset.indicesByClass();
  const out = new Uint32Array(perClass * byClass.length);
  byClass.forEach((members, c) => {
    check(
      members.length >= perClass,
      `${dataset.name}: class ${c} ("${dataset.classes[c]}") has ${members.length} samples, fewer than perClass=${perClass}.`,
    );
    const chosen = selection === 'first' ? members.slice(0, perClass) : pick(members, rng.permutation(members.length), perClass);
    out.set(chosen.sort(), c * perClass);
  });
  return out;
}

/** A data set of `perClass` samples per class (see stratifiedIndices), named after its source. */
export function stratifiedSubset(dataset: ImageDataset, options: Partial<StratifiedOptions> = {}): ImageDataset {
  const o = { ...DEFAULT_STRATIFIED, ...options };
  const indices = stratifiedIndices(dataset, o);
  const tag = o.selection === 'first' ? 'first' : `seed ${o.seed}`;
  return dataset.subset(indices, `${dataset.name}[${o.perClass}/class, ${tag}]`);
}

/** Options of trainValidationSplit. */
export interface SplitOptions {
  /** Validation size: a count (>= 1) or a fraction in (0, 1). */
  validation: number;
  /** Keep class proportions in both parts (largest-remainder apportionment). */
  stratified: boolean;
  seed: number;
}

/** A stratified 10 % validation part, seed 0. */
export const DEFAULT_SPLIT: SplitOptions = { validation: 0.1, stratified: true, seed: 0 };

/**
 * Seeded train/validation split (stream DATA_STREAMS.split). Both parts keep dataset order; they
 * are disjoint and together cover the data set.
 */
export function trainValidationSplit(
  dataset: ImageDataset,
  options: Partial<SplitOptions> = {},
): { train: ImageDataset; validation: ImageDataset } {
  const { validation, stratified, seed } = { ...DEFAULT_SPLIT, ...options };
  const n = dataset.length;
  const count = validation < 1 ? Math.round(validation * n) : validation;
  check(
    Number.isInteger(count) && count >= 1 && count < n,
    `validation=${validation} must give between 1 and ${n - 1} samples of ${dataset.name} (a count, or a fraction in (0, 1)).`,
  );
  const rng = new Rng(seed, DATA_STREAMS.split);
  const isValidation = new Uint8Array(n);
  const groups = stratified ? dataset.indicesByClass() : [Uint32Array.from({ length: n }, (_, i) => i)];
  const quotas = apportion(
    count,
    groups.map((g) => g.length),
  );
  groups.forEach((members, g) => {
    for (const i of pick(members, rng.permutation(members.length), quotas[g])) isValidation[i] = 1;
  });
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < n; i++) (isValidation[i] ? held : train).push(i);
  return {
    train: dataset.subset(train, `${dataset.name}[train split]`),
    validation: dataset.subset(held, `${dataset.name}[validation split]`),
  };
}

/** members[order[0..k-1]] */
function pick(members: Uint32Array, order: Uint32Array, k: number): Uint32Array {
  const out = new Uint32Array(k);
  for (let j = 0; j < k; j++) out[j] = members[order[j]];
  return out;
}

/** Splits `total` over groups in proportion to `sizes` (largest remainder; ties to the lower index). */
function apportion(total: number, sizes: number[]): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (total * s) / all);
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const order = exact.map((e, g) => [e - Math.floor(e), g]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, g] of order) {
    if (left === 0) break;
    if (quotas[g] < sizes[g]) {
      quotas[g]++;
      left--;
    }
  }
  return quotas;
}

// From host bytes to device batches: a seeded loader whose epoch orders and augmentation depend
// only on (seed, epoch, position), never on what was drawn before. Each batch is gathered and
// scaled to [0, 1] in one pass into a reused staging array and sent with one writeBuffer per tensor.

import type { Gpu } from '../device/gpu.js';
import { NtkError, check } from '../errors.js';
import { augmentCropFlip, type AugmentOptions } from '../ops/augment.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { DATA_STREAMS, type ImageDataset } from './dataset.js';

/** PIXEL_SCALE[v] = f32(v / 255): the one byte-to-float rule of the project (0 -> 0, 255 -> 1). */
export const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * A batch on the device. Labels come twice: `labels` on the host (for accuracy counting without
 * readback) and `y`, f32 class indices (exact up to 2^24) on the device for loss shaders.
 */
export class Batch {
  /** The batch's tensors on the device and its labels and dataset indices on the host. */
  constructor(
    /** Images [b, c, h, w], f32 in [0, 1]. */
    readonly x: Tensor,
    /** Class indices [b] as f32. */
    readonly y: Tensor,
    /** Class indices [b], host copy. */
    readonly labels: Uint32Array,
    /** Dataset index of each sample. */
    readonly indices: Uint32Array,
  ) {}

  /** Samples in the batch. */
  get size(): number {
    return this.labels.length;
  }

  /** Returns both tensors to the pool. */
  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }
}

/**
 * Writes the images at `indices`, scaled to [0, 1], into `out` ([indices.length, c, h, w]) in one
 * pass; returns `out`. The host half of every upload.
 */
export function gatherImages(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  out: Float32Array = new Float32Array(indices.length * dataset.imageSize),
): Float32Array {
  const size = dataset.imageSize;
  const images = dataset.images;
  check(out.length >= indices.length * size, `gatherImages: out holds ${out.length} floats, ${indices.length * size} needed.`);
  for (let s = 0; s < indices.length; s++) {
    const i = indices[s];
    check(Number.isInteger(i) && i >= 0 && i < dataset.length, `${dataset.name}: sample index ${i} is outside [0, ${dataset.length}).`);
    const src = i * size;
    const dst = s * size;
    for (let k = 0; k < size; k++) out[dst + k] = PIXEL_SCALE[images[src + k]];
  }
  return out;
}

/** Uploads the samples at `indices` (default: all, in order) as one Batch; `staging` is reused if large enough. */
export function uploadBatch(gpu: Gpu, dataset: ImageDataset, indices?: ArrayLike<number>, staging?: Float32Array): Batch {
  const chosen = indices ?? Uint32Array.from({ length: dataset.length }, (_, i) => i);
  if (chosen.length === 0) throw new NtkError('E_DATA_EMPTY', `${dataset.name}: a batch needs at least one sample.`);
  const floats = chosen.length * dataset.imageSize;
  const buffer = staging && staging.length >= floats ? staging : new Float32Array(floats);
  const pixels = gatherImages(dataset, chosen, buffer).subarray(0, floats); // validates the indices
  const order = Uint32Array.from(chosen);
  const labels = Uint32Array.from(order, (i) => dataset.labels[i]);
  const x = Tensor.fromArray(gpu, pixels, [order.length, ...dataset.shape]);
  const y = Tensor.fromArray(gpu, Float32Array.from(labels), [order.length]);
  return new Batch(x, y, labels, order);
}

/** Options of a BatchLoader. */
export interface LoaderOptions {
  batchSize: number;
  /** A fresh seeded permutation every epoch; false keeps dataset order. */
  shuffle: boolean;
  /** Drop the last, smaller batch of an epoch. */
  dropLast: boolean;
  seed: number;
  /** Device crop+flip augmentation (e.g. DEFAULT_AUGMENT for CIFAR-10); null for none. */
  augment: AugmentOptions | null;
}

/** Batches of 128, reshuffled every epoch (seed 0), the last smaller batch kept, no augmentation. */
export const DEFAULT_LOADER: LoaderOptions = { batchSize: 128, shuffle: true, dropLast: false, seed: 0, augment: null };

/**
 * Seeded mini-batches of a data set. Epoch e's order is the permutation at position e of stream
 * DATA_STREAMS.shuffle; the sample in slot t of epoch e is augmented with Philox block e·n + t of
 * stream DATA_STREAMS.augment. So any batch can be rebuilt from (seed, epoch, k) alone, and the
 * augmentation of a slot does not depend on the batch size.
 */
export class BatchLoader {
  readonly options: LoaderOptions;
  private staging: Float32Array;
  private cached: { epoch: number; order: Uint32Array } | null = null;

  /** Batches of `dataset` for `gpu` (options as in LoaderOptions, defaults DEFAULT_LOADER). */
  constructor(
    readonly gpu: Gpu,
    readonly dataset: ImageDataset,
    options: Partial<LoaderOptions> = {},
  ) {
    this.options = { ...DEFAULT_LOADER, ...options };
    const { batchSize, dropLast } = this.options;
    check(Number.isInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${batchSize}.`);
    if (dropLast && batchSize > dataset.length) {
      throw new NtkError(
        'E_DATA_EMPTY',
        `${dataset.name}: batchSize ${batchSize} with dropLast leaves no batch of its ${dataset.length} samples; lower batchSize.`,
      );
    }
    this.staging = new Float32Array(Math.min(batchSize, dataset.length) * dataset.imageSize);
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    const { batchSize, dropLast } = this.options;
    return dropLast ? Math.floor(this.dataset.length / batchSize) : Math.ceil(this.dataset.length / batchSize);
  }

  /** The sample order of `epoch` (dataset indices; cached and shared: do not modify). */
  order(epoch: number): Uint32Array {
    check(Number.isInteger(epoch) && epoch >= 0, `epoch must be a non-negative integer, got ${epoch}.`);
    if (this.cached?.epoch !== epoch) {
      const n = this.dataset.length;
      const order = this.options.shuffle
        ? new Rng(this.options.seed, DATA_STREAMS.shuffle, epoch * 4 * Math.ceil(n / 4)).permutation(n)
        : Uint32Array.from({ length: n }, (_, i) => i);
      this.cached = { epoch, order };
    }
    return this.cached.order;
  }

  /** Batch k of `epoch`, uploaded (and augmented) on the device. The caller disposes it. */
  batch(epoch: number, k: number): Batch {
    check(Number.isInteger(k) && k >= 0 && k < this.batchesPerEpoch, `batch index ${k} is outside [0, ${this.batchesPerEpoch}).`);
    const { batchSize, augment, seed } = this.options;
    const start = k * batchSize;
    const indices = this.order(epoch).subarray(start, Math.min(start + batchSize, this.dataset.length));
    const batch = uploadBatch(this.gpu, this.dataset, indices, this.staging);
    if (!augment) return batch;
    const rng = new Rng(seed, DATA_STREAMS.augment, 4 * (epoch * this.dataset.length + start));
    const x = augmentCropFlip(batch.x, rng, augment);
    batch.x.dispose();
    return new Batch(x, batch.y, batch.labels, batch.indices);
  }

  /** The batches of `epoch` in order; dispose each one when done with it. */
  *epoch(epoch: number): Generator<Batch> {
    for (let k = 0; k < this.batchesPerEpoch; k++) yield this.batch(epoch, k);
  }
}

// Probe sets for the kernel tracker: a fixed, reproducible choice of k samples per class, grouped
// by class, so kernels computed on them at different checkpoints (or in different runtimes) are
// over the same inputs in the same order and show class blocks.

import type { Gpu } from '../device/gpu.js';
import { uploadBatch, type Batch } from './batching.js';
import { stratifiedIndices, type ImageDataset } from './dataset.js';

/** Options of selectProbeSet. */
export interface ProbeOptions {
  /** Samples per class (the probe has perClass · classes samples). */
  perClass: number;
  /** Seed of the draw; the same seed and data set give the same probe everywhere. */
  seed: number;
}

/** 10 samples per class, with a fixed seed. */
export const DEFAULT_PROBE: ProbeOptions = { perClass: 10, seed: 20231204 };

/** A probe set: the chosen dataset indices and the samples themselves. */
export interface ProbeSet {
  /** Indices into the source data set: class 0's first, then class 1's, ...; ascending within a class. */
  indices: Uint32Array;
  /** The probe samples in that order, named `<source>[probe k/class, seed s]`. */
  dataset: ImageDataset;
  perClass: number;
  seed: number;
}

/** Draws `perClass` samples of every class with a seeded random choice (E_INVALID_ARGUMENT if a class is short). */
export function selectProbeSet(dataset: ImageDataset, options: Partial<ProbeOptions> = {}): ProbeSet {
  const { perClass, seed } = { ...DEFAULT_PROBE, ...options };
  const indices = stratifiedIndices(dataset, { perClass, seed, selection: 'random' });
  return { indices, dataset: dataset.subset(indices, `${dataset.name}[probe ${perClass}/class, seed ${seed}]`), perClass, seed };
}

/** The whole probe set as one device batch (x [k·C, c, h, w] in [0, 1], labels); dispose after use. */
export function uploadProbeSet(gpu: Gpu, probe: ProbeSet): Batch {
  return uploadBatch(gpu, probe.dataset);
}

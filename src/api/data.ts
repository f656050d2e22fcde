/**
 * Image data sets: Fashion-MNIST (IDX) and CIFAR-10 readers from bytes or files, synthetic sets,
 * stratified subsets and splits, seeded batching onto the device, and NTK probe sets.
 * @module data
 */

export {
  ImageDataset,
  DEFAULT_STRATIFIED,
  DEFAULT_SPLIT,
  stratifiedIndices,
  stratifiedSubset,
  trainValidationSplit,
  type ImageDatasetInit,
  type ImageShape,
  type StratifiedOptions,
  type SplitOptions,
} from '../data/dataset.js';
export { isGzip, gunzip, maybeGunzip } from '../data/gzip.js';
export { parseIdx, decodeIdx, readIdxDataset, type DataFile, type IdxArray } from '../data/idx.js';
export { readCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from '../data/cifar.js';
export { Batch, BatchLoader, DEFAULT_LOADER, PIXEL_SCALE, uploadBatch, type LoaderOptions } from '../data/batching.js';
export { selectProbeSet, uploadProbeSet, DEFAULT_PROBE, type ProbeOptions, type ProbeSet } from '../data/probe.js';
export {
  syntheticClusters,
  syntheticShapes,
  DEFAULT_SYNTHETIC_CLUSTERS,
  DEFAULT_SYNTHETIC_SHAPES,
  SYNTHETIC_SHAPE_CLASSES,
  type SyntheticClustersOptions,
  type SyntheticShapesOptions,
} from '../data/synthetic.js';
export {
  loadFashionMnist,
  loadCifar10,
  loadDefaultDataset,
  readDataFile,
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  type DefaultDataset,
  type FileOptions,
  type Split,
} from '../data/files.js';
export { channelStatistics } from '../data/statistics.js';

// ntk-at's public surface: re-exports only. See README.md for the tour.

export { NtkError, type NtkErrorCode } from './errors.js';
export { ADAPTER_CHOICES, type AdapterChoice } from './platform/index.js';
export { Gpu, createGpu, formatAdapterReport, type AdapterReport, type GpuOptions } from './device/gpu.js';
export { Tensor, shapeSize, type Shape } from './tensor/tensor.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { map, MAP_OPS, type MapOp } from './ops/map.js';
export { sumAll, sumLastAxis } from './ops/reduce.js';
export { symmetryDefect, symmetrize } from './linalg/symmetric.js';
export { Rng, type RngState } from './random/rng.js';
export { philox4x32 } from './random/philox.js';
export { randomUniform } from './ops/random.js';
export type { Layer, Parameter, Buffer, ForwardOptions, BackwardOptions } from './nn/layer.js';
export { augmentCropFlip, DEFAULT_AUGMENT, type AugmentOptions } from './ops/augment.js';
export {
  ImageDataset, DATA_STREAMS, DEFAULT_STRATIFIED, DEFAULT_SPLIT, stratifiedIndices, stratifiedSubset, trainValidationSplit,
  type ImageDatasetInit, type ImageShape, type StratifiedOptions, type SplitOptions,
} from './data/dataset.js';
export { isGzip, gunzip, maybeGunzip } from './data/gzip.js';
export { parseIdx, decodeIdx, readIdxDataset, type DataFile, type IdxArray } from './data/idx.js';
export { readCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from './data/cifar.js';
export { Batch, BatchLoader, DEFAULT_LOADER, PIXEL_SCALE, gatherImages, uploadBatch, type LoaderOptions } from './data/batching.js';
export { selectProbeSet, uploadProbeSet, DEFAULT_PROBE, type ProbeOptions, type ProbeSet } from './data/probe.js';
export {
  syntheticClusters, syntheticShapes, DEFAULT_SYNTHETIC_CLUSTERS, DEFAULT_SYNTHETIC_SHAPES, SYNTHETIC_SHAPE_CLASSES,
  type SyntheticClustersOptions, type SyntheticShapesOptions,
} from './data/synthetic.js';
export {
  loadFashionMnist, loadCifar10, loadDefaultDataset, readDataFile, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES,
  type DefaultDataset, type FileOptions, type Split,
} from './data/files.js';

// ntk-at's public surface: re-exports only. See README.md for the tour.

export { NtkError, type NtkErrorCode } from './errors.js';
export { ADAPTER_CHOICES, type AdapterChoice } from './platform/index.js';
export { Gpu, createGpu, formatAdapterReport, type AdapterReport, type GpuOptions } from './device/gpu.js';
export { Tensor, shapeSize, type Shape } from './tensor/tensor.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { map, MAP_OPS, type MapOp } from './ops/map.js';
export { sumAll, sumLastAxis } from './ops/reduce.js';
export { symmetryDefect, symmetrize } from './linalg/symmetric.js';
export { eigh, DEFAULT_EIGH_OPTIONS, EIGH_MAX_ORDER, type DenseMatrix, type EighOptions, type EighResult } from './linalg/eigh.js';
export {
  kernelSimilarity,
  kernelDistance,
  kernelVelocity,
  polarDynamics,
  polarTrajectory,
  kernelTrace,
  kernelSpectrum,
  conditionNumber,
  topKEnergy,
  effectiveRank,
  kernelTargetAlignment,
  spectrumStats,
  DEFAULT_ALIGNMENT_OPTIONS,
  DEFAULT_SPECTRUM_OPTIONS,
  type KernelMatrix,
  type PolarPoint,
  type AlignmentOptions,
  type SpectrumOptions,
  type SpectrumStats,
} from './ntk/metrics.js';
export { Rng, type RngState } from './random/rng.js';
export { philox4x32 } from './random/philox.js';
export { randomUniform } from './ops/random.js';
export type { Layer, Parameter, Buffer, ForwardOptions, BackwardOptions } from './nn/layer.js';

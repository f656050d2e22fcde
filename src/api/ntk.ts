/**
 * The empirical Neural Tangent Kernel: kernels of a model on inputs (clean or adversarial), their
 * metrics (distance, velocity, polar dynamics, spectrum, effective rank, alignment), the float64
 * eigen-solver, the tracker that follows the kernel during training, and kernels assembled from blocks.
 * @module ntk
 */

export {
  empiricalNtk, DEFAULT_NTK, KERNEL_KINDS, NTK_IMPLEMENTATIONS, type Kernel, type KernelKind, type NtkImplementation, type NtkOptions,
} from '../ntk/kernel.js';
export {
  kernelSimilarity, kernelDistance, kernelVelocity, polarDynamics, polarTrajectory, kernelTrace, constantModeShare, kernelSpectrum, conditionNumber,
  topKEnergy, effectiveRank, kernelTargetAlignment, spectrumStats, DEFAULT_ALIGNMENT_OPTIONS, DEFAULT_SPECTRUM_OPTIONS,
  type KernelMatrix, type PolarPoint, type AlignmentOptions, type SpectrumOptions, type SpectrumStats,
} from '../ntk/metrics.js';
export { batchStatsNtk, BATCH_STATS_NTK_BUDGET } from '../ntk/batch_stats.js';
export { KernelTracker, DEFAULT_TRACKER, type TrackerOptions, type KernelCheck, type ProbeTensors } from '../train/kernel_tracker.js';
export { eigh, DEFAULT_EIGH_OPTIONS, EIGH_MAX_ORDER, EIGH_MAX_ORDER_VECTORS, type DenseMatrix, type EighOptions, type EighResult } from '../linalg/eigh.js';
export { symmetryDefect, symmetrize } from '../linalg/symmetric.js';
export { blockRange, blockPairs, assembleBlocks, type KernelBlock } from '../ntk/blocks.js';

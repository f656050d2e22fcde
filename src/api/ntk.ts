/**
 * The empirical Neural Tangent Kernel: kernels of a model on inputs (clean or adversarial), their
 * metrics (distance, velocity, polar dynamics, spectrum, effective rank, alignment), the float64
 * eigen-solver, the tracker that follows the kernel during training, kernels assembled from blocks,
 * and the kernel machine (kernel regression and linearized-GD predictions, their robust accuracy).
 * @module ntk
 */

export {
  empiricalNtk,
  DEFAULT_NTK,
  KERNEL_KINDS,
  NTK_IMPLEMENTATIONS,
  type Kernel,
  type KernelKind,
  type NtkImplementation,
  type NtkOptions,
} from '../ntk/kernel.js';
export {
  kernelSimilarity,
  kernelDistance,
  kernelVelocity,
  polarDynamics,
  polarTrajectory,
  kernelTrace,
  constantModeShare,
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
} from '../ntk/metrics.js';
export { batchStatsNtk, BATCH_STATS_NTK_BUDGET } from '../ntk/batch_stats.js';
export { KernelTracker, DEFAULT_TRACKER, type TrackerOptions, type KernelCheck, type ProbeTensors } from '../train/kernel_tracker.js';
export {
  eigh,
  DEFAULT_EIGH_OPTIONS,
  EIGH_MAX_ORDER,
  EIGH_MAX_ORDER_VECTORS,
  type DenseMatrix,
  type EighOptions,
  type EighResult,
} from '../linalg/eigh.js';
export { symmetryDefect, symmetrize } from '../linalg/symmetric.js';
export { blockRange, blockPairs, assembleBlocks, type KernelBlock } from '../ntk/blocks.js';
export {
  fitKernelMachine,
  solveKernelMachine,
  gradientDescentWeights,
  predict as predictKernelMachine,
  predictWith,
  networkOutputs,
  accuracy as predictionAccuracy,
  DEFAULT_MACHINE,
  LOO_GRID,
  type KernelMachine,
  type MachineOptions,
  type MachineKernel,
  type MachineOffset,
} from '../ntk/predict.js';
export { KernelPredictor, DEFAULT_TAU } from '../ntk/predict_attack.js';
export { evaluateKernelMachine, KERNEL_REGRESSION, type MachineEvalOptions, type MachineEvaluation } from '../ntk/predict_eval.js';

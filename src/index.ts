// ntk-at's public surface: re-exports only. See README.md for the tour.

export { NtkError, type NtkErrorCode } from './errors.js';
export { ADAPTER_CHOICES, currentPlatform, type AdapterChoice, type Platform } from './platform/index.js';
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
export { add, sub, mul, reluBackward, binary, BINARY_OPS, type BinaryOp } from './ops/binary.js';
export { channelAffine, biasAdd } from './ops/channel_affine.js';
export { channelSum, channelSumInto } from './ops/channel_sum.js';
export { matmulInto } from './ops/matmul.js';
export { meanAll, sumSquares, countNonFinite } from './ops/reduce.js';
export {
  softmaxCrossEntropy, softmaxCrossEntropyBackward, type CrossEntropyResult,
} from './ops/softmax_cross_entropy.js';
export { sgdUpdate, type SgdUpdateParams } from './ops/sgd_update.js';
export { gradNormScale } from './ops/grad_norm_scale.js';
export { resolveOptions } from './options.js';
export { INIT_SCHEMES, initWeights, initBias, type InitScheme } from './nn/init.js';
export { createParameter, gradOf, setPerSampleGrad, disposeParameter, shapeError, recorded, checkGradShape } from './nn/parameter.js';
export { Dense, DEFAULT_DENSE_OPTIONS, type DenseOptions } from './nn/dense.js';
export { ReLU } from './nn/relu.js';
export { Flatten } from './nn/flatten.js';
export { Normalize } from './nn/normalize.js';
export { Sequential } from './nn/sequential.js';
export { Residual } from './nn/residual.js';
export {
  Model, DEFAULT_FORWARD_OPTIONS, DEFAULT_LOSS_OPTIONS,
  type LossOptions, type LossResult, type OutputSelector, type ModelState,
} from './nn/model.js';
export { createMlp, DEFAULT_MLP_OPTIONS, type MlpOptions } from './nn/mlp.js';
export { Sgd, DEFAULT_SGD_OPTIONS, type SgdOptions } from './optim/sgd.js';
export { makeSchedule, type LrSchedule, type LrScheduleSpec } from './optim/schedule.js';
export { StepMonitor, type LogEntry } from './train/monitor.js';
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
export {
  fgsm, fgsmRs, nFgsm, randomStartFgsm, pgd, inputGradient, checkLabels,
  anisotropicFgsm, GradientScale, ANISOTROPIES, DEFAULT_ANISOTROPIC_FGSM, type Anisotropy, type AnisotropicFgsmOptions,
  DEFAULT_FGSM, DEFAULT_FGSM_RS, DEFAULT_N_FGSM, DEFAULT_PGD,
  type AttackBnMode, type FgsmOptions, type RandomStartFgsmOptions, type PgdOptions, type Norm,
  apgd, apgdCheckpoints, DEFAULT_APGD, lossGradient, ATTACK_LOSSES, type ApgdOptions, type AttackLoss, type LossGradient,
  ATTACKS, THREAT_ALIASES, THREAT_PRESETS, WORST_CASE, parseThreat, parseThreats, runThreat, type AttackEntry, type ThreatContext,
} from './attacks/index.js';
export { marginLoss, attackTargets, MARGIN_LOSSES, type MarginLossKind } from './ops/margin_loss.js';
export { evaluate, threatName, checkDatasetFits, DEFAULT_EVALUATE, type EvaluateOptions, type EvaluationResult, type Threat } from './train/evaluate.js';
export {
  train, detectCatastrophicOverfitting, DEFAULT_TRAIN, TRAIN_METHODS,
  type TrainOptions, type TrainMethod, type BnStatsSource, type TrainHooks, type StepContext, type EpochRecord, type TrainRun,
} from './train/trainer.js';
export {
  saveCheckpoint, loadCheckpoint, captureCheckpoint, encodeCheckpoint, decodeCheckpoint, checkCheckpointFits, CHECKPOINT_FORMAT,
  attachCheckpointPart, lastSavedCheckpoint, type TrainingCheckpoint, type CheckpointPart, type CheckpointPartSource,
} from './train/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type NamedTensor, type SafetensorsContent } from './io/safetensors.js';
export { RunLog, parseRunLog, type LogRecord } from './report/runlog.js';
export {
  renderLinePlot, renderPolarPlot, renderHeatmap, type LinePlot, type Series, type EventMarker, type PolarPlot, type PolarTrajectory, type Heatmap,
} from './report/svg.js';
export {
  compareRuns, compareSections, groupVariants, spread, firstCoEpoch,
  type RunInput, type CompareOptions, type ComparedRun, type VariantSummary, type Spread,
} from './report/compare.js';
export { kernelSection, kernelDistanceMatrix, RUN_SECTIONS } from './report/kernel_report.js';
export { isAdversarialMethod, coFlag, runEvents, type TimelineEvent } from './report/events.js';
export {
  empiricalNtk, sliceRows, DEFAULT_NTK, KERNEL_KINDS, NTK_IMPLEMENTATIONS,
  type Kernel, type KernelKind, type NtkImplementation, type NtkOptions,
} from './ntk/kernel.js';
export { KernelTracker, DEFAULT_TRACKER, type TrackerOptions, type KernelCheck, type ProbeTensors } from './ntk/tracker.js';
export type { Pair, WindowGeometry } from './ops/geometry.js';
export {
  conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardBias, conv2dGeometry, conv2dOutputShape,
  conv2dInputGradKernel, conv2dWeightGradPlan, DEFAULT_CONV2D, type Conv2dOptions, type Conv2dGeometry,
} from './ops/conv2d.js';
export {
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward, globalAvgPool, globalAvgPoolBackward, pool2dGeometry,
  validatePool2dOptions, DEFAULT_POOL2D, type Pool2dOptions, type PoolWindow,
} from './ops/pool2d.js';
export {
  batchNormForward, batchNormBackward, batchNormDims, createBatchNormState, disposeBatchNormState, resolveBatchNormOptions,
  DEFAULT_BATCHNORM, type BatchNormOptions, type BatchNormState, type BatchNormMode, type BatchNormForward, type BatchNormGradients,
} from './ops/batchnorm.js';
export { Conv2d, DEFAULT_CONV2D_LAYER_OPTIONS, type Conv2dLayerOptions } from './nn/conv2d.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool } from './nn/pool2d.js';
export { BatchNorm1d, BatchNorm2d, batchNormMode } from './nn/batchnorm.js';
export { buildLayer, type LayerSpec } from './nn/architecture.js';
export { createCnn, cnnArchitecture, DEFAULT_CNN_OPTIONS, type CnnOptions } from './nn/cnn.js';
export {
  createPreActResNet, preActResNetArchitecture, DEFAULT_PREACT_RESNET_OPTIONS, TINY_PREACT_RESNET_OPTIONS, type PreActResNetOptions,
} from './nn/preact_resnet.js';
export { renderReport, writeReport, type Block, type Section, type RenderedReport } from './report/document.js';
export {
  trainingReport, epochRecords, formatPercent, formatFixed, formatNumber, TRAINING_SECTIONS,
  aboutSection, configSection, epochSection, plotSection, evaluationSection, type SectionBuilder,
} from './report/training_report.js';
export { channelStatistics } from './data/statistics.js';
export { TrainingSession, type SessionEvent, type SessionListener, type SessionOptions } from './worker/session.js';
export {
  runRecipe, storedRecipe, scheduleSpec, trainOptionsOf, type RecipeEvent, type RecipeListener, type RunOptions, type RunResult,
} from './run/orchestrator.js';
export {
  resolveRecipe, recipeThreats, DEFAULT_RECIPE, SCHEDULE_KINDS, NTK_ATTACKS, NTK_KERNELS, SWITCH_RULES,
  type RunRecipe, type PartialRecipe, type ModelSpec, type AttackSpec, type TrainingSpec, type NtkSpec, type SwitchSpec, type EvaluationSpec,
} from './run/recipe.js';
export { MODELS, MODEL_KIND_NAMES, modelEntry, buildModel, type ModelEntry, type ModelData, type BuiltModelRecipe } from './run/models.js';
export {
  DATA_SETS, DATA_SET_NAMES, DATA_FALLBACKS, DEFAULT_DATA_RECIPE, dataSet, loadRunData,
  type DataSetEntry, type DataRecipe, type RunData, type DataFallback,
} from './run/data.js';
export { TRAINING_METHODS, trainingMethod, type TrainingMethod, type MethodState } from './train/methods.js';
export { exposeSession, ServedSession } from './worker/expose.js';
export { connectSession, runRemote, terminateSession, type RemoteRunOptions, type RemoteSession } from './worker/client.js';
export { KernelSwitch, DEFAULT_SWITCH, type SwitchOptions, type SwitchDecision } from './train/switch.js';
export { runExperiment, planExperiment, writeExperimentReport, DEFAULT_EXPERIMENT, type ExperimentOptions, type ExperimentResult, type Launch } from './experiments/runner.js';
export { EXPERIMENTS } from './experiments/table.js';
export { Collector, type Experiment, type GridOptions, type RunPlan, type Variant } from './experiments/experiment.js';
export { lookup, measure, aggregate, trainingPasses, passesPerImage, DERIVED, type Measured, type Aggregate } from './experiments/measure.js';
export { SpectrumMonitor, DEFAULT_SPECTRUM_MONITOR, type SpectrumMonitorOptions, type MonitorFiring } from './train/spectrum_monitor.js';

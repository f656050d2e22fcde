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
export { fit, trainEpoch, DEFAULT_FIT_OPTIONS, type Batch, type FitOptions, type FitResult, type EpochContext } from './train/loop.js';

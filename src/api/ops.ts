/**
 * Tensor operations on the device (WGSL compute shaders), forward and backward: matmul, elementwise maps,
 * reductions, convolution, pooling, BatchNorm, fused softmax cross-entropy, the SGD update and
 * on-device augmentation.
 * @module ops
 */

export { matmul, type MatmulOptions } from '../ops/matmul.js';
export { map, MAP_OPS, type MapOp } from '../ops/map.js';
export { sumAll, sumLastAxis, meanAll, sumSquares, countNonFinite } from '../ops/reduce.js';
export { add, sub, mul, reluBackward, binary, BINARY_OPS, type BinaryOp } from '../ops/binary.js';
export { channelAffine, biasAdd } from '../ops/channel_affine.js';
export { channelSum } from '../ops/channel_sum.js';
export { softmaxCrossEntropy, softmaxCrossEntropyBackward, type CrossEntropyResult } from '../ops/softmax_cross_entropy.js';
export { sgdUpdate, type SgdUpdateParams } from '../ops/sgd_update.js';
export { gradNormScale } from '../ops/grad_norm_scale.js';
export { augmentCropFlip, DEFAULT_AUGMENT, type AugmentOptions } from '../ops/augment.js';
export {
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dBackwardBias,
  conv2dOutputShape,
  DEFAULT_CONV2D,
  type Conv2dOptions,
} from '../ops/conv2d.js';
export {
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  globalAvgPool,
  globalAvgPoolBackward,
  DEFAULT_POOL2D,
  type Pool2dOptions,
  type Pool2dBackwardOptions,
} from '../ops/pool2d.js';
export {
  batchNormForward,
  batchNormBackward,
  createBatchNormState,
  disposeBatchNormState,
  DEFAULT_BATCHNORM,
  BN_AVERAGES,
  RUNNING_VARIANCES,
  type BatchNormOptions,
  type BatchNormState,
  type BatchNormMode,
  type BatchNormForward,
  type BatchNormGradients,
} from '../ops/batchnorm.js';

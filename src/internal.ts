/**
 * The `ntk-at/internal` entry: building blocks the modules share (parameter and argument checks,
 * GPU program plans, geometry helpers), for writing new layers and ops.
 * Not a stable API and not in the API reference; classes are shared with the main entry (one bundle chunk).
 * @module internal
 * @internal
 */

export { createParameter, disposeParameter, gradOf, shapeError, recorded, checkGradShape } from './nn/parameter.js';
export { resolveOptions } from './options.js';
export { DATA_STREAMS } from './data/dataset.js';
export { gatherImages } from './data/batching.js';
export { matmulInto } from './ops/matmul.js';
export { channelSumInto } from './ops/channel_sum.js';
export type { Pair, WindowGeometry } from './ops/geometry.js';
export { conv2dGeometry, type Conv2dGeometry } from './ops/conv2d.js';
export { conv2dInputGradProgram, conv2dWeightGradPlan } from './ops/conv2d_implicit.js';
export { pool2dGeometry, validatePool2dOptions, type PoolWindow } from './ops/pool2d.js';
export { batchNormDims, resolveBatchNormOptions } from './ops/batchnorm.js';
export { checkLabels } from './attacks/index.js';
export { checkDatasetFits } from './train/evaluate.js';
export { checkCheckpointFits } from './train/checkpoint.js';
export { sliceRows } from './ntk/kernel.js';

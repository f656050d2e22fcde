/**
 * Networks and their training parts: the Layer contract and its gradient sinks, layers (Dense, Conv2d,
 * pooling, BatchNorm, Normalize, Residual), the model builders (MLP, small CNN, PreAct-ResNet),
 * initialisation, SGD and learning-rate schedules.
 * @module nn
 */

export type { Layer, Parameter, Buffer, ForwardOptions, BackwardOptions } from '../nn/layer.js';
export {
  PerSampleGrads,
  SUM_GRADS,
  NO_PARAM_GRADS,
  type GradientSink,
  type PerSampleEntry,
  type PerSampleGrad,
  type PerSampleFactors,
} from '../nn/gradient_sink.js';
export { INIT_SCHEMES, initWeights, initBias, type InitScheme } from '../nn/init.js';
export { Dense, DEFAULT_DENSE_OPTIONS, type DenseOptions } from '../nn/dense.js';
export { ReLU } from '../nn/relu.js';
export { Flatten } from '../nn/flatten.js';
export { Normalize } from '../nn/normalize.js';
export { Sequential } from '../nn/sequential.js';
export { Residual } from '../nn/residual.js';
export { Conv2d, DEFAULT_CONV2D_LAYER_OPTIONS, type Conv2dLayerOptions } from '../nn/conv2d.js';
export { MaxPool2d, AvgPool2d, GlobalAvgPool } from '../nn/pool2d.js';
export { BatchNorm1d, BatchNorm2d, batchNormMode } from '../nn/batchnorm.js';
export {
  Model,
  DEFAULT_FORWARD_OPTIONS,
  DEFAULT_LOSS_OPTIONS,
  type LossOptions,
  type LossResult,
  type OutputSelector,
  type ModelState,
} from '../nn/model.js';
export { buildLayer, type LayerSpec } from '../nn/architecture.js';
export { createMlp, DEFAULT_MLP_OPTIONS, type MlpOptions } from '../nn/mlp.js';
export { createCnn, cnnArchitecture, DEFAULT_CNN_OPTIONS, CNN_POOLS, type CnnOptions } from '../nn/cnn.js';
export {
  createPreActResNet,
  preActResNetArchitecture,
  DEFAULT_PREACT_RESNET_OPTIONS,
  TINY_PREACT_RESNET_OPTIONS,
  type PreActResNetOptions,
} from '../nn/preact_resnet.js';
export { Sgd, DEFAULT_SGD_OPTIONS, type SgdOptions } from '../optim/sgd.js';
export { makeSchedule, type LrSchedule, type LrScheduleSpec } from '../optim/schedule.js';

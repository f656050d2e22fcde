// ntk-at's public surface: re-exports only. See README.md for the tour.

export { NtkError, type NtkErrorCode } from './errors.js';
export { ADAPTER_CHOICES, type AdapterChoice } from './platform/index.js';
export { Gpu, createGpu, formatAdapterReport, type AdapterReport, type GpuOptions } from './device/gpu.js';
export { Tensor, shapeSize, type Shape } from './tensor/tensor.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { map, MAP_OPS, type MapOp } from './ops/map.js';
export { sumAll, sumLastAxis } from './ops/reduce.js';
export { symmetryDefect, symmetrize } from './linalg/symmetric.js';

/**
 * Device tensors (f32 buffers with a shape, pooled) and the counter-based random numbers that are
 * bit-identical on host and device.
 * @module tensor
 */

export { Tensor, shapeSize, type Shape } from '../tensor/tensor.js';
export { Rng, type RngState } from '../random/rng.js';
export { philox4x32 } from '../random/philox.js';
export { randomUniform } from '../ops/random.js';

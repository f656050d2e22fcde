// Random tensors generated on the device with the same Philox bits as src/random/rng.ts, so
// attack noise and init need no upload and match the host generator exactly.

import type { Gpu } from '../device/gpu.js';
import { check } from '../errors.js';
import { splitSeed } from '../random/philox.js';
import type { Rng } from '../random/rng.js';
import { Tensor, shapeSize, type Shape } from '../tensor/tensor.js';
import { map } from './map.js';
import { grid2d } from './grid.js';

/**
 * A tensor of uniform floats in [lo, hi) drawn from `rng` (advancing it exactly as
 * rng.uniform(size) would). Values in [0, 1) are bit-identical to rng.uniform(size); other
 * ranges apply lo + (hi - lo) * u on the device.
 */
export function randomUniform(gpu: Gpu, shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
  check(hi > lo, `randomUniform: need lo < hi, got [${lo}, ${hi})`);
  const n = shapeSize(shape);
  const { seed, stream, position } = rng.state();
  check(position + n < 2 ** 32, 'randomUniform: stream position past 2^32; fork a new stream');
  rng.words(n); // advance the host generator by the same amount
  const u = Tensor.empty(gpu, shape);
  const blocks = Math.ceil(((position % 4) + n) / 4);
  const [gx, gy] = grid2d(Math.ceil(blocks / 64), gpu.limits.maxComputeWorkgroupsPerDimension);
  const [seedLo, seedHi] = splitSeed(seed);
  gpu.run({
    shader: 'random_uniform',
    label: `randomUniform [${shape}]`,
    bindings: { Y: u },
    params: { n, rowStride: gx * 64, seedLo, seedHi, stream, offset: position },
    workgroups: [gx, gy],
  });
  if (lo === 0 && hi === 1) return u;
  const scaled = map(u, 'affine', hi - lo, lo);
  u.dispose();
  return scaled;
}

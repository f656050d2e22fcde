// matmul throughput: GFLOP/s of the tiled WGSL kernel for square sizes (2·n³ flops per product),
// each timing including submission and one readback of a single element's worth of sync.

import { matmul } from '../src/ops/matmul.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import { defineBench } from './harness.js';

defineBench('matmul', async ({ gpu, time, row, quick }) => {
  const rng = new Rng(1);
  for (const n of quick ? [128] : [128, 256, 512, 1024]) {
    const a = Tensor.fromArray(gpu, rng.uniform(n * n, -1, 1), [n, n]);
    const b = Tensor.fromArray(gpu, rng.uniform(n * n, -1, 1), [n, n]);
    const ms = await time(async () => {
      const c = matmul(a, b);
      await gpu.device.queue.onSubmittedWorkDone();
      c.dispose();
    });
    row(`${n}x${n}x${n}`, { ms_median: +ms.toFixed(2), gflops: +((2 * n ** 3) / (ms * 1e6)).toFixed(3) });
    a.dispose();
    b.dispose();
  }
});

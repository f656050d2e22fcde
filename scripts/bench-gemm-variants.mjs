// The GEMM variants side by side on this machine's adapter: `tiled` (workgroup-memory tiles, the
// variant for real GPUs and the only one before the GEMM core) and `block` (register blocking, the one
// software adapters get), at 512³ and the MLP training shapes; median of 5 runs of 5 products each.
// Usage (after npm run build): node scripts/bench-gemm-variants.mjs

import { createGpu, formatAdapterReport, matmul, Tensor } from '../dist/ntk-at.js';

const SHAPES = [
  [512, 512, 512],
  [128, 784, 256],
  [128, 256, 256],
  [784, 128, 256],
];
const gpu = await createGpu();
console.log(formatAdapterReport(gpu.report));
for (const [m, k, n] of SHAPES) {
  const a = Tensor.fromArray(
    gpu,
    Float32Array.from({ length: m * k }, (_, i) => (i % 7) / 7),
    [m, k],
  );
  const b = Tensor.fromArray(
    gpu,
    Float32Array.from({ length: k * n }, (_, i) => (i % 5) / 5),
    [k, n],
  );
  const ms = {};
  for (const gemm of ['tiled', 'block']) {
    const times = [];
    for (let run = 0; run < 6; run++) {
      // the first run is the warm-up
      const start = performance.now();
      for (let i = 0; i < 5; i++) matmul(a, b, { gemm }).dispose();
      await gpu.synchronize();
      times.push((performance.now() - start) / 5);
    }
    ms[gemm] = times.slice(1).sort((x, y) => x - y)[2];
  }
  const gflops = (t) => ((2 * m * k * n) / t / 1e6).toFixed(1);
  console.log(
    `[${m}x${k}]x[${k}x${n}]: tiled ${ms.tiled.toFixed(2)} ms (${gflops(ms.tiled)} GFLOP/s), block ${ms.block.toFixed(2)} ms (${gflops(ms.block)} GFLOP/s): ${(ms.tiled / ms.block).toFixed(1)}x`,
  );
  a.dispose();
  b.dispose();
}
gpu.destroy();

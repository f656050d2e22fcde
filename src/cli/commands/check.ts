// `ntk-at check`: a quick self-check of the device path on this machine: a random matmul and a
// reduction against float64 references, and the matmul's measured GFLOP/s.

import { check as checkArg } from '../../errors.js';
import { matmul } from '../../ops/matmul.js';
import { sumAll } from '../../ops/reduce.js';
import { Rng } from '../../random/rng.js';
import { matmulRef } from '../../reference/matmul.js';
import { Tensor } from '../../tensor/tensor.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command } from '../command.js';

export const checkCommand: Command = {
  summary: 'self-check: matmul and sum on the device against float64, with GFLOP/s',
  examples: ['ntk-at check --size 256           # a quick device self-check'],
  options: {
    adapter: ADAPTER_OPTION,
    size: { type: 'number', description: 'square matmul size n (n x n x n)', default: 512 },
    seed: { type: 'number', description: 'random seed for the test matrices', default: 1 },
  },
  async run(options, io) {
    const n = options.size as number;
    checkArg(Number.isInteger(n) && n >= 1 && n <= 4096, `--size must be an integer in [1, 4096], got ${n}`);
    const gpu = await gpuFromOptions(options, io);
    try {
      const rng = new Rng(options.seed as number);
      const a = rng.uniform(n * n, -1, 1);
      const b = rng.uniform(n * n, -1, 1);
      const ta = Tensor.fromArray(gpu, a, [n, n]);
      const tb = Tensor.fromArray(gpu, b, [n, n]);
      matmul(ta, tb).dispose(); // warm-up: pipeline compilation
      await gpu.synchronize();
      const start = gpu.platform.now();
      const tc = matmul(ta, tb);
      const c = await tc.read();
      const ms = gpu.platform.now() - start;
      const ref = matmulRef(a, b, n, n, n);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < ref.length; i++) {
        worst = Math.max(worst, Math.abs(c[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      io.out(
        `matmul ${n}x${n}x${n}: max |C - C64| / max |C64| = ${(worst / scale).toExponential(2)}, ` +
          `${ms.toFixed(1)} ms incl. readback, ${((2 * n ** 3) / (ms * 1e6)).toFixed(2)} GFLOP/s`,
      );
      const ts = sumAll(tc);
      const [s] = await ts.read();
      const s64 = ref.reduce((x, y) => x + y, 0);
      const abs = ref.reduce((x, y) => x + Math.abs(y), 0);
      io.out(`sum of C (${n * n} values): |S - S64| / sum|C| = ${(Math.abs(s - s64) / abs).toExponential(2)}`);
      [ta, tb, tc, ts].forEach((t) => t.dispose());
    } finally {
      gpu.destroy();
    }
  },
};

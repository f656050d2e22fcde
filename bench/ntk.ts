// NTK throughput: time of one trace kernel K(X, X) on n probes for the reference (`jacobian`)
// and the fast (`contraction`) implementations, per model; models register via ntkRows().

import { createCnn } from '../src/nn/cnn.js';
import { createMlp } from '../src/nn/mlp.js';
import type { Model } from '../src/nn/model.js';
import { empiricalNtk, type NtkImplementation } from '../src/ntk/kernel.js';
import { Rng } from '../src/random/rng.js';
import { Tensor } from '../src/tensor/tensor.js';
import { defineBench, type BenchContext } from './harness.js';

/** Rows `label n=… impl` with the median ms of one trace kernel (readback included). */
export async function ntkRows(ctx: BenchContext, label: string, model: Model, sizes: number[]): Promise<void> {
  const rng = new Rng(3);
  const sampleSize = model.inputShape.reduce((a, b) => a * b, 1);
  for (const n of sizes) {
    const x = Tensor.fromArray(ctx.gpu, rng.uniform(n * sampleSize), [n, ...model.inputShape]);
    for (const implementation of ['contraction', 'jacobian'] as NtkImplementation[]) {
      // The reference materialises J (P floats per sample and logit): one timed run at large n.
      const repeats = implementation === 'jacobian' && n > 100 ? 1 : 3;
      const ms = await ctx.time(() => empiricalNtk(model, x, null, { kind: 'trace', implementation, budgetBytes: 256 * 2 ** 20 }), repeats);
      ctx.row(`${label} n=${n} ${implementation}`, { ms_median: +ms.toFixed(1), probes: n, parameters: model.parameterCount });
    }
    x.dispose();
  }
}

defineBench('ntk', async (ctx) => {
  const mlp = createMlp(ctx.gpu, { inputShape: [1, 28, 28], hidden: [256, 128], classes: 10 });
  await ntkRows(ctx, 'trace kernel mlp 784-256-128-10', mlp, ctx.quick ? [20] : [100, 500]);
  mlp.dispose();
  const cnn = createCnn(ctx.gpu);
  await ntkRows(ctx, 'trace kernel cnn (createCnn defaults)', cnn, ctx.quick ? [10] : [100, 500]);
  cnn.dispose();
});

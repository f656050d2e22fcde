// The trace NTK with BatchNorm on the batch's own statistics, the probe set being the batch: every
// output then depends on every sample (through the batch mean and variance), so each Jacobian row
// ∇θ f_c(x_i) takes its own backward pass through the whole batch (n·C passes; running buffers are
// left untouched). Finding 1 compares it with the NTK's convention, BN on running buffers (empiricalNtk).

import { NtkError } from '../errors.js';
import { SUM_GRADS } from '../nn/gradient_sink.js';
import type { Model } from '../nn/model.js';
import { matmulInto } from '../ops/matmul.js';
import { Tensor } from '../tensor/tensor.js';
import type { Kernel } from './kernel.js';

/** Device bytes the Jacobian rows of one logit [n, P] may take. */
export const BATCH_STATS_NTK_BUDGET = 256 * 2 ** 20;

/** K(X, X) = (1/C) Σ_c J_c J_cᵀ with J_c[i] = ∇θ f_c(x_i) of the forward pass over the batch x [n, ...input]. */
export async function batchStatsNtk(model: Model, x: Tensor): Promise<Kernel> {
  const n = x.shape[0];
  const C = model.classes;
  const params = model.parameters();
  const P = model.parameterCount;
  if (n * P * 4 > BATCH_STATS_NTK_BUDGET) {
    throw new NtkError(
      'E_RESOURCE_LIMIT',
      `batchStatsNtk: the Jacobian rows of ${n} samples x ${P} parameters take ${Math.ceil((n * P * 4) / 2 ** 20)} MiB, ` +
        `over the ${BATCH_STATS_NTK_BUDGET / 2 ** 20} MiB budget; use fewer probe samples.`,
      { samples: n, parameters: P },
    );
  }
  const gpu = x.gpu;
  const K = Tensor.zeros(gpu, [n, n]);
  const J = Tensor.empty(gpu, [n, P]);
  const dyHost = new Float32Array(n * C);
  try {
    model.forward(x, { mode: 'train', freezeBnStats: true, record: true }).dispose();
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < n; i++) {
        model.zeroGrad();
        dyHost.fill(0);
        dyHost[i * C + c] = 1;
        const dy = Tensor.fromArray(gpu, dyHost, [n, C]);
        model.backward(dy, { grads: SUM_GRADS, inputGrad: false }).dispose();
        dy.dispose();
        let offset = 0;
        for (const p of params) {
          if (!p.grad) throw new NtkError('E_INVALID_ARGUMENT', `batchStatsNtk: parameter "${p.name}" received no gradient.`);
          gpu.copy(p.grad.buffer, 0, J.buffer, 4 * (i * P + offset), 4 * p.grad.size);
          offset += p.grad.size;
        }
      }
      matmulInto(J, J, K, { transB: true, accumulate: true });
    }
    const data = Float64Array.from(await K.read(), (v) => v / C);
    return { kind: 'trace', rows: n, cols: n, classes: C, data };
  } finally {
    model.clearRecord();
    model.zeroGrad();
    J.dispose();
    K.dispose();
  }
}

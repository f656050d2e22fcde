// eigh (float64 WASM eigen-solver, single thread): median wall time for random symmetric n x n
// matrices, eigenvalues only and with eigenvectors, including the copies in and out of WASM memory.

import { eigh } from '../src/linalg/eigh.js';
import { randomSymmetric } from '../test/conformance/matrices.js';
import { defineBench } from './harness.js';

defineBench('eigh', async ({ time, row, quick }) => {
  for (const n of quick ? [50, 100] : [200, 500, 1000, 2000]) {
    const a = randomSymmetric(n, n);
    const repeats = n >= 2000 ? 1 : n >= 1000 ? 3 : 5; // after one warm-up run; n = 2000 with vectors takes seconds
    const valuesMs = await time(() => eigh(a, n), repeats);
    const vectorsMs = await time(() => eigh(a, n, { vectors: true }), repeats);
    row(`n=${n}`, { ms_values: +valuesMs.toFixed(1), ms_vectors: +vectorsMs.toFixed(1), runs: repeats });
  }
});

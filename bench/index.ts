// Entry of the benchmark bundle (dist/bench.js): registers every benchmark module.

import './matmul.js';
import './data.js';
import './nn.js';
import './ntk.js';
import './eigh.js';
import './nn_conv.js';
import './train.js';

export { runBenchmarks, type BenchRow, type BenchRun } from './harness.js';

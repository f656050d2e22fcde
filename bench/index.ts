// Entry of the benchmark bundle (dist/bench.js): the side-by-side cases (cases.ts, driven by
// scripts/bench.mjs with the peers) and the benchmarks of our stack alone (registered below).

import './data.js';
import './nn.js';
import './nn_conv.js';

export { runBenchmarks, type BenchRow, type BenchRun } from './harness.js';
export { profileCase, runCase, type CaseResult, type CaseSpec } from './cases.js';
export { formatAdapterReport } from '../src/device/gpu.js';
export { createGpu } from '../src/ops/program_choice.js';
export { MIN_RUNS, significant, summarizeTimes, type TimeSummary } from './stats.js';

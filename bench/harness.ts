// Benchmark harness: benchmarks are async functions over a Gpu returning named figures; the same
// bundle (dist/bench.js) runs under Node, Deno and Chromium via scripts/bench.mjs. Timing is
// measured here and reported, never asserted.

import { formatAdapterReport, type AdapterReport, type Gpu } from '../src/device/gpu.js';
import { createGpu } from '../src/ops/program_choice.js';
import type { AdapterChoice } from '../src/platform/index.js';

export interface BenchRow {
  bench: string;
  /** What was measured, e.g. `512x512x512`. */
  config: string;
  /** Figures with units in their names, e.g. { gflops: 1.9, ms_median: 140 }. */
  figures: Record<string, number>;
}

export interface BenchContext {
  gpu: Gpu;
  /** Median wall time in ms of `repeats` runs of `fn` (after one warm-up run). */
  time(fn: () => Promise<unknown>, repeats?: number): Promise<number>;
  /** Reports one row of results. */
  row(config: string, figures: Record<string, number>): void;
  /** `quick` shrinks sizes for smoke runs. */
  quick: boolean;
}

const registry: Array<{ name: string; run: (ctx: BenchContext) => Promise<void> }> = [];

export function defineBench(name: string, run: (ctx: BenchContext) => Promise<void>): void {
  registry.push({ name, run });
}

export interface BenchRun {
  adapter: AdapterReport;
  adapterLine: string;
  rows: BenchRow[];
}

/** Runs every benchmark whose name contains `filter`. */
export async function runBenchmarks(
  options: { adapter?: AdapterChoice; filter?: string; quick?: boolean; onRow?: (r: BenchRow) => void } = {},
): Promise<BenchRun> {
  const gpu = await createGpu({ adapter: options.adapter });
  const rows: BenchRow[] = [];
  try {
    for (const b of registry.filter((x) => !options.filter || x.name.includes(options.filter))) {
      await b.run({
        gpu,
        quick: options.quick ?? false,
        time: async (fn, repeats = 5) => {
          await fn();
          const times: number[] = [];
          for (let i = 0; i < repeats; i++) {
            const start = gpu.platform.now();
            await fn();
            times.push(gpu.platform.now() - start);
          }
          times.sort((x, y) => x - y);
          return times[Math.floor(times.length / 2)];
        },
        row: (config, figures) => {
          const row = { bench: b.name, config, figures };
          rows.push(row);
          options.onRow?.(row);
        },
      });
    }
  } finally {
    gpu.destroy();
  }
  return { adapter: gpu.report, adapterLine: formatAdapterReport(gpu.report), rows };
}

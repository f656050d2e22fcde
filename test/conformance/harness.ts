// The conformance harness: cases are plain async functions over a Gpu, run identically in Node,
// Deno and headless Chromium by the runners in test/runners/. Each case returns pass/fail plus
// output digests that scripts/compare-runtimes.mjs compares across runtimes.

import { formatAdapterReport, type AdapterReport, type Gpu } from '../../src/device/gpu.js';
import { createGpu } from '../../src/ops/program_choice.js';
import { formatProgramChoice, type ProgramChoice } from '../../src/ops/program_choice.js';
import { currentPlatform, type AdapterChoice } from '../../src/platform/index.js';

/** How an output must agree across runtimes: identical bits, or within a relative tolerance. */
export type CrossRuntime = { mode: 'bitwise' } | { mode: 'tolerance'; tol: number };

export interface OutputDigest {
  length: number;
  hash: string; // FNV-1a of the bytes
  sample: number[]; // up to 64 evenly spaced values
  cross: CrossRuntime;
}

export interface CaseResult {
  name: string;
  /** The program variants the case exercises, e.g. `matmul/tiled`, `conv2d/implicit` (test/runners/variants.mjs counts them). */
  variants: string[];
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
  error?: string;
  metrics: Record<string, number>;
  outputs: Record<string, OutputDigest>;
}

export interface CaseContext {
  gpu: Gpu;
  /** Records a measured number (e.g. max relative error) in the result. */
  metric(name: string, value: number): void;
  /** Records an output for the cross-runtime comparison. */
  output(name: string, data: Float32Array | Float64Array, cross: CrossRuntime): void;
  /** Marks the case skipped with a reason (counted as skipped, never as passed). */
  skip(reason: string): never;
}

export interface ConformanceCase {
  name: string;
  variants: string[];
  run(ctx: CaseContext): Promise<void>;
}

export interface ConformanceRun {
  runtime: string;
  adapter: AdapterReport | null;
  adapterLine: string;
  /** The adapter's measured (or forced) program choice, and its line (formatProgramChoice). */
  programs: ProgramChoice | null;
  programLine: string;
  results: CaseResult[];
}

class Skip extends Error {}

const registry: ConformanceCase[] = [];

/**
 * Registers a case; modules under test/conformance/ call this at import time. `variants` names the
 * program variants it selects explicitly (`family/variant`), counted per variant in the summary.
 */
export function defineCase(name: string, run: (ctx: CaseContext) => Promise<void>, variants: string[] = []): void {
  if (registry.some((c) => c.name === name)) throw new Error(`duplicate conformance case: ${name}`);
  registry.push({ name, run, variants });
}

export function listCases(): string[] {
  return registry.map((c) => c.name);
}

/**
 * Runs every registered case (or those whose name contains `filter`; with `variantsOnly`, those that
 * select a program variant explicitly) on one Gpu.
 */
export async function runConformance(
  options: { adapter?: AdapterChoice; filter?: string; variantsOnly?: boolean; onResult?: (r: CaseResult) => void } = {},
): Promise<ConformanceRun> {
  const cases = registry.filter(
    (c) => (!options.filter || c.name.includes(options.filter)) && (!options.variantsOnly || c.variants.length > 0),
  );
  let gpu: Gpu;
  try {
    gpu = await createGpu({ adapter: options.adapter });
  } catch (e) {
    // No adapter: the runtime fails every case; it never passes silently.
    const error = `no adapter: ${(e as Error).message}`;
    const results = cases.map((c) => ({
      name: c.name,
      variants: c.variants,
      status: 'failed' as const,
      ms: 0,
      error,
      metrics: {},
      outputs: {},
    }));
    results.forEach((r) => options.onResult?.(r));
    return { runtime: currentPlatform().runtime, adapter: null, adapterLine: error, programs: null, programLine: '', results };
  }
  const results: CaseResult[] = [];
  const chosen = gpu.programs;
  for (const c of cases) {
    gpu.programs = chosen; // a case that forces a GEMM variant (gpu.setGemmVariant) leaves the next one the adapter's choice
    const result: CaseResult = { name: c.name, variants: c.variants, status: 'passed', ms: 0, metrics: {}, outputs: {} };
    const ctx: CaseContext = {
      gpu,
      metric: (name, value) => {
        result.metrics[name] = value;
      },
      output: (name, data, cross) => {
        result.outputs[name] = digest(data, cross);
      },
      skip: (reason) => {
        throw new Skip(reason);
      },
    };
    const start = performance.now();
    try {
      await c.run(ctx);
      await gpu.checkErrors();
    } catch (e) {
      result.status = e instanceof Skip ? 'skipped' : 'failed';
      result.error = e instanceof Error ? e.message : String(e);
    }
    result.ms = Math.round(performance.now() - start);
    results.push(result);
    options.onResult?.(result);
  }
  const { report, programs } = gpu;
  gpu.destroy();
  return {
    runtime: report.runtime,
    adapter: report,
    adapterLine: formatAdapterReport(report),
    programs,
    programLine: formatProgramChoice(programs),
    results,
  };
}

function digest(data: Float32Array | Float64Array, cross: CrossRuntime): OutputDigest {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const step = Math.max(1, Math.floor(data.length / 64));
  const sample: number[] = [];
  for (let i = 0; i < data.length && sample.length < 64; i += step) sample.push(data[i]);
  return { length: data.length, hash: h.toString(16).padStart(8, '0'), sample, cross };
}

// The GEMM variant an adapter runs (and so conv2d's path), chosen by measurement rather than by the
// adapter's name: when a Gpu is created, a short probe checks each candidate (ops/matmul.ts: block,
// block-storage, tiled) on exact integer products and times it on representative shapes, and the fastest correct one
// wins (within 300 ms added to compiling the first: slow compilers keep their class's first candidate).
// The choice is kept per adapter identity for the process and in the platform's cache across runs; an
// explicit choice (GpuOptions.gemm, env NTK_AT_GEMM) skips the probe.

import { openGpu, type AdapterReport, type Gpu, type GpuOptions } from '../device/gpu.js';
import { convPath, explicitChoice, type ProgramChoice } from '../device/programs.js';
import { NtkError } from '../errors.js';
import { SHADERS } from '../generated/shaders.js';
import { VERSION } from '../version.js';
import { Tensor } from '../tensor/tensor.js';
import { GEMM_VARIANTS, matmul, type GemmVariant } from './matmul.js';

export { explicitChoice, type ProgramChoice } from '../device/programs.js';

/**
 * Acquires an adapter and a device with the adapter's full limits (device/gpu.ts openGpu) and chooses its
 * programs: GpuOptions.gemm or env NTK_AT_GEMM, else the measured (or cached) choice.
 */
export async function createGpu(options: GpuOptions = {}): Promise<Gpu> {
  const gpu = await openGpu(options);
  try {
    gpu.programs = await choosePrograms(gpu, options.gemm);
  } catch (e) {
    gpu.destroy();
    throw e;
  }
  return gpu;
}

/** The environment variable that forces a GEMM variant (as GpuOptions.gemm). */
export const GEMM_ENV = 'NTK_AT_GEMM';
/** Its name before 0.1.0: refused (a typed error naming GEMM_ENV), never silently ignored. */
const OLD_GEMM_ENV = 'NTK_AT_MATMUL_KERNEL';

/** Candidates in order of preference (by adapter class: GPUs first try tiled; CPU and unknown
 * adapters the block variants): a later one replaces the best so far only when it is faster by more
 * than MARGIN (timings on a loaded machine jitter; a choice should not flip on noise). */
const CANDIDATES: Record<AdapterReport['adapterClass'], readonly GemmVariant[]> = {
  hardware: ['tiled', 'block', 'block-storage'],
  software: ['block', 'block-storage', 'tiled'],
  unknown: ['block', 'block-storage', 'tiled'],
};
const MARGIN = 0.15;
/** A further candidate is tried only while the probe has added less than this (ms) to the first
 * candidate's first use (whose pipeline a run compiles anyway): compiling a variant takes about a second
 * on CPU adapters (llvmpipe, SwiftShader), milliseconds on GPUs, so CPU adapters keep their class's
 * first candidate and GPUs measure them all. Candidates left out are listed in `skipped`. */
const ADDED_BUDGET_MS = 300;
/** Timing shapes [M, K, N]: an MLP layer's forward at batch 128 and a square product. */
const TIMING_SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [128, 784, 256],
  [256, 256, 256],
];
/** Timed rounds per candidate at most; a candidate slower than STOP_FACTOR x the best stops early. */
const ROUNDS = 3;
const STOP_FACTOR = 2;
/** Exactness checks [M, K, N, batch]: odd rows, a batch, in the timing shapes' layout (K and N
 * multiples of 4, no transposes) so that each candidate compiles one pipeline only. Every layout of
 * every variant is checked by the conformance suite. */
const CHECKS: ReadonlyArray<readonly [number, number, number, number]> = [
  [45, 72, 36, 1],
  [33, 132, 20, 2],
];
/** Shaders whose code decides the GEMM variants' speed: part of the cache key. */
const GEMM_SHADERS = ['matmul', 'gemm_block', 'gemm_block_texture', 'gemm_pack', 'sum_partials'] as const;

/** Bumped when the probe's method changes: choices cached by an older probe are measured again. */
const PROBE_VERSION = 3;

const chosen = new Map<string, ProgramChoice>();

/**
 * The program choice for a new Gpu: the explicit one if given (option, else env NTK_AT_GEMM),
 * else this adapter identity's choice from the process or the platform cache, else a probe's.
 */
export async function choosePrograms(gpu: Gpu, explicit?: GemmVariant): Promise<ProgramChoice> {
  const adapterKey = adapterIdentity(gpu);
  const old = gpu.platform.env(OLD_GEMM_ENV);
  if (old !== undefined) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `env ${OLD_GEMM_ENV} is no longer read; it is now ${GEMM_ENV} (set ${GEMM_ENV}=${old} instead, ` +
        'or unset both to choose by measurement).',
      { env: OLD_GEMM_ENV, renamed: GEMM_ENV },
    );
  }
  const forced = explicit ?? gpu.platform.env(GEMM_ENV);
  if (forced !== undefined && forced !== '') {
    if (!GEMM_VARIANTS.includes(forced as GemmVariant)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `GEMM variant "${forced}" is unknown; use one of ${GEMM_VARIANTS.join(', ')} (option \`gemm\` or env ${GEMM_ENV}), ` +
          'or leave it unset to choose by measurement.',
        { variant: forced },
      );
    }
    return explicitChoice(forced as GemmVariant, adapterKey);
  }
  const known = chosen.get(adapterKey) ?? (await readCached(gpu, adapterKey));
  if (known) {
    chosen.set(adapterKey, known);
    return { ...known, source: 'cached', probeMs: 0, timedMs: 0 };
  }
  const measured = await probe(gpu, adapterKey);
  chosen.set(adapterKey, measured);
  await gpu.platform.writeCache(cacheName(adapterKey), `${JSON.stringify(measured)}\n`);
  return measured;
}

/** One line: the GEMM variant and conv2d path, how they were chosen, and the probe's timings. */
export function formatProgramChoice(c: ProgramChoice): string {
  const times = Object.entries(c.timings).map(([k, ms]) => `${k} ${ms!.toFixed(1)} ms`);
  const rejected = Object.entries(c.rejected).map(([k, why]) => `${k} rejected: ${why}`);
  const skipped = (c.skipped ?? []).map((k) => `${k} not tried (probe time budget spent)`);
  const detail = [...times, ...rejected, ...skipped].join(', ');
  const cost =
    c.source === 'measured'
      ? `; probe ${c.probeMs.toFixed(0)} ms: ${c.firstUseMs.toFixed(0)} ms first use of the first candidate (its compilation), ` +
        `${(c.probeMs - c.firstUseMs).toFixed(0)} ms added, ${c.timedMs.toFixed(0)} ms of it timed`
      : '';
  return `programs: matmul ${c.matmul}, conv2d ${c.conv2d} (${c.source}${detail ? `: ${detail}` : ''}${cost}) [adapter key ${c.adapterKey}]`;
}

function cacheName(adapterKey: string): string {
  return `program-choice-${adapterKey}.json`;
}

async function readCached(gpu: Gpu, adapterKey: string): Promise<ProgramChoice | null> {
  const text = await gpu.platform.readCache(cacheName(adapterKey));
  if (text === null) return null;
  try {
    const c = JSON.parse(text) as ProgramChoice;
    return c.adapterKey === adapterKey && GEMM_VARIANTS.includes(c.matmul) ? { ...c, conv2d: convPath(c.matmul) } : null;
  } catch {
    return null; // a damaged entry is measured again and overwritten
  }
}

/**
 * FNV-1a hash of everything that tells adapters apart (runtime, path, feature level, the info it
 * gives, every limit, its features) and of the GEMM shaders' code and the library version.
 */
function adapterIdentity(gpu: Gpu): string {
  const r: AdapterReport = gpu.report;
  const limits: Record<string, number> = {};
  for (const key in gpu.limits) {
    const value = (gpu.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  const identity = JSON.stringify({
    runtime: r.runtime,
    path: r.path,
    featureLevel: r.featureLevel,
    vendor: r.vendor,
    architecture: r.architecture,
    device: r.device,
    description: r.description,
    fallback: r.isFallbackAdapter,
    limits: Object.keys(limits)
      .sort()
      .map((k) => [k, limits[k]]),
    features: [...gpu.features].sort(),
    code: GEMM_SHADERS.map((s) => SHADERS[s]),
    version: VERSION,
    probe: PROBE_VERSION,
  });
  let h = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    h ^= identity.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Runs the probe: exact checks, then a warm-up and up to ROUNDS timed rounds per candidate. */
async function probe(gpu: Gpu, adapterKey: string): Promise<ProgramChoice> {
  const now = () => gpu.platform.now();
  const start = now();
  const checks = CHECKS.map(([M, K, N, batch], i) => {
    const a = integers(batch * M * K, 2 * i + 1);
    const b = integers(batch * K * N, 2 * i + 2);
    const shape = (rows: number, cols: number) => (batch > 1 ? [batch, rows, cols] : [rows, cols]);
    return {
      a: Tensor.fromArray(gpu, a, shape(M, K)),
      b: Tensor.fromArray(gpu, b, shape(K, N)),
      expected: exactProduct(a, b, M, K, N, batch),
    };
  });
  const operands = TIMING_SHAPES.map(
    ([M, K, N]) => [Tensor.fromArray(gpu, integers(M * K, M), [M, K]), Tensor.fromArray(gpu, integers(K * N, N), [K, N])] as const,
  );
  const timings: ProgramChoice['timings'] = {};
  const rejected: ProgramChoice['rejected'] = {};
  const skipped: GemmVariant[] = [];
  let best: GemmVariant | null = null;
  let timedMs = 0;
  let firstUseMs = 0;
  try {
    for (const variant of CANDIDATES[gpu.report.adapterClass]) {
      if (best !== null && now() - start - firstUseMs > ADDED_BUDGET_MS) {
        skipped.push(variant);
        continue;
      }
      try {
        for (const [i, c] of checks.entries()) {
          const t0 = now();
          const out = matmul(c.a, c.b, { gemm: variant });
          const got = await out.read();
          out.dispose();
          if (i === 0 && variant === CANDIDATES[gpu.report.adapterClass][0]) firstUseMs = now() - t0;
          const wrong = got.findIndex((v, i) => v !== c.expected[i]);
          if (wrong >= 0) throw new Error(`element ${wrong} is ${got[wrong]}, exactly ${c.expected[wrong]}`);
        }
        await round(gpu, operands, variant); // warm-up
        let fastest = Infinity;
        for (let r = 0; r < ROUNDS; r++) {
          const t0 = now();
          await round(gpu, operands, variant);
          const ms = now() - t0;
          timedMs += ms;
          fastest = Math.min(fastest, ms);
          if (best !== null && fastest > STOP_FACTOR * timings[best]!) break;
        }
        timings[variant] = fastest;
        if (best === null || fastest < (1 - MARGIN) * timings[best]!) best = variant;
      } catch (e) {
        rejected[variant] = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    }
  } finally {
    checks.forEach((c) => [c.a, c.b].forEach((t) => t.dispose()));
    operands.forEach((pair) => pair.forEach((t) => t.dispose()));
  }
  if (best === null) {
    throw new NtkError(
      'E_GPU_VALIDATION',
      `no GEMM variant computes exact integer products on this adapter (${Object.entries(rejected)
        .map(([k, why]) => `${k}: ${why}`)
        .join('; ')}); the adapter is unusable for ntk-at: try another with --adapter.`,
      { rejected },
    );
  }
  return {
    matmul: best,
    conv2d: convPath(best),
    source: 'measured',
    timings,
    rejected,
    skipped,
    probeMs: now() - start,
    firstUseMs,
    timedMs,
    adapterKey,
  };
}

/** One product of every timing shape on `variant`, waited for. */
async function round(gpu: Gpu, operands: ReadonlyArray<readonly [Tensor, Tensor]>, variant: GemmVariant): Promise<void> {
  for (const [a, b] of operands) matmul(a, b, { gemm: variant }).dispose();
  await gpu.synchronize();
}

/** Small integers in [-8, 8] from a seed: their products of up to 256k terms stay exact in f32. */
function integers(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 24) % 17) - 8;
  }
  return out;
}

/** The exact product of integer operands (batched). */
function exactProduct(a: Float32Array, b: Float32Array, M: number, K: number, N: number, batch: number): Float32Array {
  const c = new Float32Array(batch * M * N);
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          sum += a[z * M * K + i * K + k] * b[z * K * N + k * N + j];
        }
        c[z * M * N + i * N + j] = sum;
      }
    }
  }
  return c;
}

// The GEMM variants a Gpu can run and the record of the GPU programs it runs: their names, conv2d's
// path that follows each, and a choice made by option. The choice by measurement lives a layer up,
// with the programs it times (ops/program_choice.ts: createGpu).

/** The GEMM variants: 'block' (register blocking, for CPU adapters; operands read as texels when they
 * fit a texture, else as vec4 storage), 'block-storage' (the same, always storage loads), 'tiled'
 * (workgroup memory, for GPUs). */
export type GemmVariant = 'block' | 'block-storage' | 'tiled';

/** Every GemmVariant. */
export const GEMM_VARIANTS: readonly GemmVariant[] = ['block', 'block-storage', 'tiled'];

/** The GPU programs an adapter runs, how they were chosen, and the probe's measurements. */
export interface ProgramChoice {
  /** The GEMM variant of matmul (and of the GEMM core's other users) when none is forced. */
  matmul: GemmVariant;
  /** conv2d's `auto` path, which follows the GEMM choice: im2col operands on the block variants, the
   * implicit-GEMM shaders with the tiled one. */
  conv2d: 'im2col' | 'implicit';
  /** measured: probed in this process; cached: a probe's result stored earlier for this adapter
   * identity (process or cache file); explicit: an option or NTK_AT_GEMM. */
  source: 'measured' | 'cached' | 'explicit';
  /** Best time in ms of one probe round (every timing shape once) per candidate that was timed. */
  timings: Partial<Record<GemmVariant, number>>;
  /** Candidates that failed the exact check or the device, with why. */
  rejected: Partial<Record<GemmVariant, string>>;
  /** Candidates not tried because the probe had spent its time budget. */
  skipped: GemmVariant[];
  /** ms the probe took when it ran (compiling the candidates' shaders included); 0 otherwise. */
  probeMs: number;
  /** ms of those spent on the first candidate's first product (creating and compiling its pipeline, which a
   * run that uses the variant compiles anyway): probeMs minus this is what the probe adds to a run's start. */
  firstUseMs: number;
  /** ms of those spent in timed rounds (after each candidate's warm-up round). */
  timedMs: number;
  /** Hash of the adapter identity (report, limits, features) and the GEMM shaders' code: the cache key. */
  adapterKey: string;
}

/** A choice made by option or environment (no probe). */
export function explicitChoice(variant: GemmVariant, adapterKey: string): ProgramChoice {
  return {
    matmul: variant,
    conv2d: convPath(variant),
    source: 'explicit',
    timings: {},
    rejected: {},
    skipped: [],
    probeMs: 0,
    firstUseMs: 0,
    timedMs: 0,
    adapterKey,
  };
}

/** conv2d's `auto` path for a GEMM variant: im2col operands on the block variants, the implicit-GEMM shaders with the tiled one. */
export function convPath(variant: GemmVariant): ProgramChoice['conv2d'] {
  return variant === 'tiled' ? 'implicit' : 'im2col';
}

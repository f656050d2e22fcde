// The GEMM kernels a Gpu can run and the record of the ones it runs: their names, conv2d's path that
// follows each, and a choice made by option. The choice by measurement lives a layer up, with the
// kernels it times (ops/kernel_choice.ts: createGpu).

/** The GEMM kernels: 'block' (register blocking, for CPU adapters; operands read as texels when they
 * fit a texture, else as vec4 storage), 'block-storage' (the same, always storage loads), 'tiled'
 * (workgroup memory, for GPUs). */
export type MatmulKernel = 'block' | 'block-storage' | 'tiled';

/** Every MatmulKernel. */
export const MATMUL_KERNELS: readonly MatmulKernel[] = ['block', 'block-storage', 'tiled'];

/** The kernels an adapter runs, how they were chosen, and the probe's measurements. */
export interface KernelChoice {
  /** The GEMM kernel of matmul (and of the GEMM core's other users) when no kernel is forced. */
  matmul: MatmulKernel;
  /** conv2d's `auto` path, which follows the GEMM choice: im2col operands on the block kernels, the
   * implicit-GEMM shaders with the tiled one. */
  conv2d: 'im2col' | 'implicit';
  /** measured: probed in this process; cached: a probe's result stored earlier for this adapter
   * identity (process or cache file); explicit: an option or NTK_AT_MATMUL_KERNEL. */
  source: 'measured' | 'cached' | 'explicit';
  /** Best time in ms of one probe round (every timing shape once) per candidate that was timed. */
  timings: Partial<Record<MatmulKernel, number>>;
  /** Candidates that failed the exact check or the device, with why. */
  rejected: Partial<Record<MatmulKernel, string>>;
  /** Candidates not tried because the probe had spent its time budget. */
  skipped: MatmulKernel[];
  /** ms the probe took when it ran (compiling the candidates' shaders included); 0 otherwise. */
  probeMs: number;
  /** ms of those spent on the first candidate's first product (creating and compiling its pipeline, which a
   * run that uses the kernel compiles anyway): probeMs minus this is what the probe adds to a run's start. */
  firstUseMs: number;
  /** ms of those spent in timed rounds (after each candidate's warm-up round). */
  timedMs: number;
  /** Hash of the adapter identity (report, limits, features) and the kernels' code: the cache key. */
  adapterKey: string;
}

/** A choice made by option or environment (no probe). */
export function explicitChoice(kernel: MatmulKernel, adapterKey: string): KernelChoice {
  return { matmul: kernel, conv2d: convPath(kernel), source: 'explicit', timings: {}, rejected: {}, skipped: [], probeMs: 0, firstUseMs: 0, timedMs: 0, adapterKey };
}

/** conv2d's `auto` path for a GEMM kernel: im2col operands on the block kernels, the implicit-GEMM shaders with the tiled one. */
export function convPath(kernel: MatmulKernel): KernelChoice['conv2d'] {
  return kernel === 'tiled' ? 'implicit' : 'im2col';
}

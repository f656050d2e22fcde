// A kernel as files: <out>.npy (float64, numpy.load reads it) and <out>.safetensors (float32 kernel
// and the probe labels, with string metadata). `ntk-at ntk` writes one piece this way, and so does
// `ntk-at experiment collect` for a kernel assembled from blocks.

import { encodeNpy } from '../io/npy.js';
import { encodeSafetensors } from '../io/safetensors.js';
import type { Platform } from '../platform/index.js';

/** Writes <out>.npy and <out>.safetensors (each atomically); returns their paths. */
export async function writeKernelFiles(
  platform: Platform,
  out: string,
  kernel: { rows: number; cols: number; data: Float64Array },
  labels: readonly number[],
  metadata: Record<string, string>,
): Promise<string[]> {
  await platform.writeFileAtomic(`${out}.npy`, encodeNpy(kernel.data, [kernel.rows, kernel.cols]));
  await platform.writeFileAtomic(
    `${out}.safetensors`,
    encodeSafetensors({
      tensors: new Map([
        ['kernel', { shape: [kernel.rows, kernel.cols], data: Float32Array.from(kernel.data) }],
        ['labels', { shape: [labels.length], data: Float32Array.from(labels) }],
      ]),
      metadata,
    }),
  );
  return [`${out}.npy`, `${out}.safetensors`];
}

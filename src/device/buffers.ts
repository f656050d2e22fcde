// Buffer pool: storage buffers are recycled by size class (powers of two, capped at the device
// limit) so training loops do not create and destroy GPU buffers every step. (Ops' params live in
// the Gpu's uniform arena.)

import { NtkError } from '../errors.js';

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MIN_BYTES = 256;

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>(); // by size
  private live = 0;
  /** The largest storage request since it was last set to 0 (the NTK sizes its chunks from a one-sample pass's). */
  largestRequest = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxStorageBinding: number,
    private readonly maxBufferSize: number,
  ) {}

  /** Number of pooled buffers currently handed out (for leak checks in tests). */
  get liveCount(): number {
    return this.live;
  }

  /** A buffer of at least `bytes` bytes; throws E_BUFFER_TOO_LARGE past the device limits. */
  acquire(bytes: number): GPUBuffer {
    const limit = Math.min(this.maxStorageBinding, this.maxBufferSize);
    if (bytes > limit) {
      throw new NtkError(
        'E_BUFFER_TOO_LARGE',
        `a buffer of ${bytes} bytes exceeds this device's limit of ${limit} bytes ` +
          '(maxStorageBufferBindingSize/maxBufferSize); use smaller batches or tile the work.',
        { bytes, limit },
      );
    }
    this.largestRequest = Math.max(this.largestRequest, bytes);
    const size = sizeClass(bytes, limit);
    const reused = this.free.get(size)?.pop();
    this.live++;
    if (reused) return reused;
    return this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  /**
   * Returns a buffer to the pool. Safe while recorded commands still use it: later commands are
   * recorded after them, and host writes (Gpu.write) submit the recorded commands first.
   */
  release(buffer: GPUBuffer): void {
    this.live--;
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  /** Destroys every pooled (free) buffer; Gpu.destroy() calls it after submitting the recorded commands. */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}

function sizeClass(bytes: number, limit: number): number {
  let size = MIN_BYTES;
  while (size < bytes) size *= 2;
  if (size > limit) size = Math.min(limit, Math.ceil(bytes / 16) * 16); // whole vec4s (ops/sgd_update.ts)
  return size;
}

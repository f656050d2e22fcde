// The GPU tensor: a shape and an f32 storage buffer from the Gpu's pool. Tensors are
// immutable values for the ops; call dispose() to hand the buffer back to the pool.
// Several tensors (views) may share one buffer: reshape()/view() add a handle, and the buffer
// returns to the pool when the last handle is disposed. Every handle is disposed exactly once.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';

/** A tensor shape: dimension sizes, outermost first. */
export type Shape = readonly number[];

/** A pooled buffer shared by every view of it; `handles` counts the undisposed tensors. */
interface Storage {
  buffer: GPUBuffer;
  handles: number;
}

/**
 * An f32 tensor on the device: a shape and a pooled storage buffer. Ops return new tensors;
 * dispose() hands the buffer back (views share it until the last one is disposed).
 */
export class Tensor {
  private storage: Storage | null;

  private constructor(
    readonly gpu: Gpu,
    readonly shape: Shape,
    storage: Storage,
  ) {
    this.storage = storage;
    storage.handles++;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Bytes of data (f32). */
  get bytes(): number {
    return this.size * 4;
  }

  /** True once dispose() was called on this handle. */
  get disposed(): boolean {
    return this.storage === null;
  }

  /** The storage buffer; throws E_DISPOSED after dispose(). */
  get buffer(): GPUBuffer {
    if (!this.storage) throw new NtkError('E_DISPOSED', `tensor [${this.shape}] was used after dispose().`);
    return this.storage.buffer;
  }

  /** A tensor with uninitialised contents (for op outputs that write every element). */
  static empty(gpu: Gpu, shape: Shape): Tensor {
    validateShape(shape);
    return new Tensor(gpu, [...shape], { buffer: gpu.pool.acquire(Math.max(4, shapeSize(shape) * 4)), handles: 0 });
  }

  /** A tensor filled with zeros. */
  static zeros(gpu: Gpu, shape: Shape): Tensor {
    const t = Tensor.empty(gpu, shape);
    gpu.zero(t.buffer, t.bytes);
    return t;
  }

  /** Uploads `data` (row-major) as a tensor of `shape`. */
  static fromArray(gpu: Gpu, data: ArrayLike<number>, shape: Shape): Tensor {
    validateShape(shape);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `data has ${data.length} elements but shape [${shape}] needs ${size}; pass a shape whose product is the data length.`,
        { length: data.length, shape: [...shape] },
      );
    }
    const t = Tensor.empty(gpu, shape);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    gpu.write(t.buffer, 0, f32);
    return t;
  }

  /** Reads the tensor back to the host. */
  async read(): Promise<Float32Array> {
    return new Float32Array(await this.gpu.read(this.buffer, this.bytes));
  }

  /**
   * A view of the same data with another shape of the same size (no copy). The view is a new
   * handle: dispose it separately; writes through any view (in-place ops) are seen by all.
   */
  reshape(shape: Shape): Tensor {
    const storage = this.storage;
    if (!storage) throw new NtkError('E_DISPOSED', `tensor [${this.shape}] was reshaped after dispose().`);
    validateShape(shape);
    if (shapeSize(shape) !== this.size) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `cannot reshape [${this.shape}] (${this.size} elements) to [${shape}] (${shapeSize(shape)} elements).`,
        { from: [...this.shape], to: [...shape] },
      );
    }
    return new Tensor(this.gpu, [...shape], storage);
  }

  /** Another handle on the same data and shape (e.g. a layer keeping its input for backward). */
  view(): Tensor {
    return this.reshape(this.shape);
  }

  /** Drops this handle; the buffer returns to the pool with the last handle. Idempotent. */
  dispose(): void {
    const storage = this.storage;
    if (!storage) return;
    this.storage = null;
    storage.handles--;
    if (storage.handles === 0) this.gpu.pool.release(storage.buffer);
  }
}

/** Number of elements of a tensor of `shape` (1 for a scalar shape []). */
export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validateShape(shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `shape [${shape}] must be positive integers.`, { shape: [...shape] });
  }
}

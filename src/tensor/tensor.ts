// The GPU tensor: a shape and an f32 storage buffer from the Gpu's pool. Tensors are
// immutable values for the ops; call dispose() to hand the buffer back to the pool.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';

export type Shape = readonly number[];

export class Tensor {
  private buf: GPUBuffer | null;

  private constructor(
    readonly gpu: Gpu,
    readonly shape: Shape,
    buffer: GPUBuffer,
  ) {
    this.buf = buffer;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Bytes of data (f32). */
  get bytes(): number {
    return this.size * 4;
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  /** The storage buffer; throws E_DISPOSED after dispose(). */
  get buffer(): GPUBuffer {
    if (!this.buf) throw new NtkError('E_DISPOSED', `tensor [${this.shape}] was used after dispose().`);
    return this.buf;
  }

  /** A tensor with uninitialised contents (for op outputs that write every element). */
  static empty(gpu: Gpu, shape: Shape): Tensor {
    validateShape(shape);
    return new Tensor(gpu, [...shape], gpu.pool.acquire(Math.max(4, shapeSize(shape) * 4)));
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
    gpu.device.queue.writeBuffer(t.buffer, 0, f32.buffer, f32.byteOffset, f32.byteLength);
    return t;
  }

  /** Reads the tensor back to the host. */
  async read(): Promise<Float32Array> {
    return new Float32Array(await this.gpu.read(this.buffer, this.bytes));
  }

  /** Returns the buffer to the pool; using the tensor afterwards throws E_DISPOSED. */
  dispose(): void {
    if (this.buf) {
      this.gpu.pool.release(this.buf);
      this.buf = null;
    }
  }
}

export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validateShape(shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NtkError('E_INVALID_ARGUMENT', `shape [${shape}] must be positive integers.`, { shape: [...shape] });
  }
}

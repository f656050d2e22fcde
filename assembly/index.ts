// The WASM module's exported ABI, and nothing else: matrices live in this module's memory as
// row-major float64, passed by byte offset; allocF64/free manage that memory.

export { symmetryDefect, symmetrize } from './symmetric';
export { eighInPlace } from './eigh';

/** Allocates room for `count` float64 values; returns the byte offset (8-byte aligned). */
export function allocF64(count: i32): usize {
  return heap.alloc(<usize>count << 3);
}

/** Frees memory from allocF64. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

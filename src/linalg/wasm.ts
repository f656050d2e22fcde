// Loads the embedded AssemblyScript module (src/generated/wasm.ts) once per runtime and copies
// float64 matrices in and out of its memory. Views are made after allocation, since growing
// WASM memory detaches earlier views.

import { NtkError } from '../errors.js';
import { WASM_BASE64 } from '../generated/wasm.js';

export interface WasmExports {
  memory: WebAssembly.Memory;
  allocF64(count: number): number;
  free(ptr: number): void;
  symmetryDefect(ptr: number, n: number): number;
  symmetrize(ptr: number, n: number): void;
  /** assembly/eigh.ts: eigenvalues into d (descending), eigenvectors into the rows of a; 0, 1 + unconverged QL index, or SECULAR_NOT_CONVERGED. */
  eighInPlace(a: number, n: number, d: number, e: number, wantVectors: number): number;
}

/** eighInPlace's status when a root of divide and conquer's secular equation did not converge (assembly/divide.ts). */
export const SECULAR_NOT_CONVERGED = -1;

let instance: Promise<WasmExports> | null = null;

/** The instantiated module (cached). */
export function loadWasm(): Promise<WasmExports> {
  instance ??= instantiate();
  return instance;
}

async function instantiate(): Promise<WasmExports> {
  try {
    const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    const imports = {
      env: {
        abort(_msg: number, _file: number, line: number, column: number) {
          throw new NtkError('E_WASM', `WASM abort at line ${line}:${column}`);
        },
      },
    };
    const { instance: inst } = await WebAssembly.instantiate(bytes, imports);
    return inst.exports as unknown as WasmExports;
  } catch (e) {
    instance = null;
    throw new NtkError('E_WASM', `could not instantiate the WASM module: ${(e as Error).message}`);
  }
}

/** Copies `data` into fresh WASM memory, runs `fn(ptr)`, copies `count` f64 back if asked, frees. */
export async function withF64<T>(data: Float64Array, fn: (wasm: WasmExports, ptr: number) => T, readBack?: Float64Array): Promise<T> {
  const wasm = await loadWasm();
  const ptr = wasm.allocF64(data.length);
  try {
    new Float64Array(wasm.memory.buffer, ptr, data.length).set(data);
    const result = fn(wasm, ptr);
    if (readBack) readBack.set(new Float64Array(wasm.memory.buffer, ptr, readBack.length));
    return result;
  } finally {
    wasm.free(ptr);
  }
}

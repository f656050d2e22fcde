// Test data in the exact on-disk formats, made in the test (so no file access is needed in a
// browser): IDX and CIFAR-10 binary bytes, gzip via CompressionStream, and seeded corruptions of
// valid bytes with a checker that accepts only typed errors or valid results, never a hang.

import { NtkError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';

/** IDX bytes: 0x0000, element type, rank, big-endian u32 dims, then `data`. */
export function idxBytes(dims: number[], data: Uint8Array, type = 8): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** n images of h x w with pixel (i, y, x) = (7i + 3y + x) mod 256, and labels i mod classes, as IDX files. */
export function idxPair(n: number, h: number, w: number, classes = 10): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[(i * h + y) * w + x] = (7 * i + 3 * y + x) % 256;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  return { images: idxBytes([n, h, w], pixels), labels: idxBytes([n], labels) };
}

/** Pixel value of CIFAR record r (global index) at channel ch, row y, column x in cifarBatch. */
export function cifarPixel(r: number, ch: number, y: number, x: number): number {
  return (r * 31 + ch * 85 + y * 7 + x * 3) % 256;
}

/** A CIFAR-10 binary batch: records first..first+labels.length-1, each label byte + 3072 pixels (R, G, B planes). */
export function cifarBatch(labels: number[], first = 0): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, k) => {
    const base = k * 3073;
    out[base] = label;
    for (let ch = 0; ch < 3; ch++) {
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[base + 1 + ch * 1024 + y * 32 + x] = cifarPixel(first + k, ch, y, x);
    }
  });
  return out;
}

/** gzip with the runtime's CompressionStream. */
export async function gzipBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * `count` seeded corruptions of `valid`: truncations, byte flips (anywhere and in the first 16
 * bytes), inserted, deleted and appended bytes, and pure garbage.
 */
export function corruptions(valid: Uint8Array, count: number, seed: number): Uint8Array[] {
  const rng = new Rng(seed, 99);
  const out: Uint8Array[] = [];
  const below = (n: number) => (n <= 0 ? 0 : rng.int(n));
  const garbage = (n: number) => Uint8Array.from(rng.words(n), (w) => w & 0xff);
  for (let k = 0; k < count; k++) {
    const bytes = valid.slice();
    switch (k % 7) {
      case 0:
        out.push(bytes.subarray(0, below(valid.length)));
        break;
      case 1:
        for (let f = 0; f <= below(3); f++) bytes[below(bytes.length)] ^= 1 + below(255);
        out.push(bytes);
        break;
      case 2:
        bytes[below(Math.min(16, bytes.length))] ^= 1 + below(255);
        out.push(bytes);
        break;
      case 3: {
        const at = below(valid.length + 1);
        out.push(concat(valid.subarray(0, at), garbage(1 + below(8)), valid.subarray(at)));
        break;
      }
      case 4: {
        const at = below(valid.length);
        out.push(concat(valid.subarray(0, at), valid.subarray(at + 1 + below(16))));
        break;
      }
      case 5:
        out.push(concat(valid, garbage(1 + below(8))));
        break;
      default:
        out.push(garbage(below(64)));
        break;
    }
  }
  return out;
}

export interface FuzzOutcome {
  typed: number;
  valid: number;
}

/**
 * Feeds every corruption to `read` (which returns a result or throws); fails unless each one either
 * returns (then `validate` must accept the result) or throws NtkError E_DATA_FORMAT/E_DATA_EMPTY
 * naming `file`, within `timeoutMs`.
 */
export async function fuzz<T>(
  inputs: Uint8Array[],
  file: string,
  read: (bytes: Uint8Array) => Promise<T>,
  validate: (result: T) => void,
  timeoutMs = 5000,
): Promise<FuzzOutcome> {
  const outcome = { typed: 0, valid: 0 };
  for (const [k, bytes] of inputs.entries()) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`corruption ${k} (${bytes.length} bytes) hung for ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      validate(await Promise.race([read(bytes), timeout]));
      outcome.valid++;
    } catch (e) {
      const typed = e instanceof NtkError && (e.code === 'E_DATA_FORMAT' || e.code === 'E_DATA_EMPTY');
      if (!typed) throw new Error(`corruption ${k} (${bytes.length} bytes): not a typed data error: ${(e as Error).stack ?? e}`);
      if (!e.message.includes(file)) throw new Error(`corruption ${k}: error does not name ${file}: ${e.message}`);
      outcome.typed++;
    } finally {
      clearTimeout(timer);
    }
  }
  return outcome;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

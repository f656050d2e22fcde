// Counter-based PRNG: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11). Pure 32-bit integer math, so Node, Deno, browsers and the WGSL twin
// (shaders/random_uniform.wgsl) produce the same bits for the same (seed, stream, counter).

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product a*b (a, b unsigned 32-bit), via 16-bit halves. */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * The 4 words of Philox4x32-10 for counter (c0, c1, c2, c3) and key (k0, k1), written to `out`.
 * The project uses counter = (index low, index high, stream, 0) and key = (seed low, seed high).
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let round = 0; round < 10; round++) {
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi0 = mulhi(M0, c0);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const hi1 = mulhi(M1, c2);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** A u32 word to a float in [0, 1): the top 24 bits times 2^-24 (exact in f32). */
export function wordToUnit(word: number): number {
  return (word >>> 8) * 2 ** -24;
}

/**
 * `n` raw 32-bit words of stream `stream` under `seed`, starting at element `offset`; element j
 * is word (j mod 4) of the block at counter floor(j / 4).
 */
export function philoxWords(seed: number, stream: number, offset: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const block = new Uint32Array(4);
  const [k0, k1] = splitSeed(seed);
  let cached = -1;
  for (let i = 0; i < n; i++) {
    const j = offset + i;
    const counter = Math.floor(j / 4);
    if (counter !== cached) {
      philox4x32(counter >>> 0, Math.floor(counter / 2 ** 32) >>> 0, stream >>> 0, 0, k0, k1, block);
      cached = counter;
    }
    out[i] = block[j % 4];
  }
  return out;
}

/** Seeds are non-negative integers below 2^53; returns the key words (low, high). */
export function splitSeed(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

// The project's seeded random source: a Philox stream with a position, so every draw is
// reproducible in every runtime and the state (seed, stream, position) fits in a checkpoint.

import { check } from '../errors.js';
import { philoxWords, wordToUnit } from './philox.js';

/** An Rng's complete state: restoring it continues the same sequence. */
export interface RngState {
  seed: number;
  stream: number;
  position: number;
}

/** A seeded random source: a Philox4x32-10 stream with a position, identical in every runtime. */
export class Rng {
  private position: number;

  /** `seed`: integer in [0, 2^53); `stream`: integer in [0, 2^32) naming an independent sequence. */
  constructor(
    readonly seed: number,
    readonly stream = 0,
    position = 0,
  ) {
    check(Number.isSafeInteger(seed) && seed >= 0, `seed must be an integer in [0, 2^53), got ${seed}`);
    check(Number.isInteger(stream) && stream >= 0 && stream < 2 ** 32, `stream must be an integer in [0, 2^32), got ${stream}`);
    this.position = position;
  }

  /** The generator at a saved state. */
  static fromState(state: RngState): Rng {
    return new Rng(state.seed, state.stream, state.position);
  }

  /** The current state (for checkpoints). */
  state(): RngState {
    return { seed: this.seed, stream: this.stream, position: this.position };
  }

  /** A child generator with its own stream, derived deterministically from this one. */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  /** `n` raw u32 words. Draws are rounded up to whole Philox blocks of 4 words. */
  words(n: number): Uint32Array {
    const out = philoxWords(this.seed, this.stream, this.position, n);
    this.position += Math.ceil(n / 4) * 4;
    return out;
  }

  /** `n` floats uniform in [lo, hi) (f32 values; u in [0,1) has 24 random bits). */
  uniform(n: number, lo = 0, hi = 1): Float32Array {
    const w = this.words(n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * wordToUnit(w[i]);
    return out;
  }

  /** `n` standard normal floats (Box-Muller on pairs of uniforms). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    const w = this.words(2 * n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u1 = (wordToUnit(w[2 * i]) + 2 ** -25) as number; // (0, 1): log is finite
      const u2 = wordToUnit(w[2 * i + 1]);
      out[i] = mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return out;
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    check(Number.isInteger(n) && n > 0 && n <= 2 ** 21, `int(n) needs an integer n in [1, 2^21], got ${n}`);
    return Math.floor((this.words(1)[0] * n) / 2 ** 32);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    check(Number.isInteger(n) && n >= 0 && n <= 2 ** 21, `permutation(n) needs an integer n in [0, 2^21], got ${n}`);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    const w = this.words(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((w[i] * (i + 1)) / 2 ** 32);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

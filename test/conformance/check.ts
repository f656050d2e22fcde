// Assertions and seeded test data for conformance cases (no test framework: the same code runs
// under Node, Deno and Chromium). Failures throw with the measured value in the message.

/** Deterministic uniform numbers in [0, 1) from a 32-bit seed (mulberry32); identical everywhere. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi), rounded to f32. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u();
  return out;
}

/** n small integers in [-r, r] (exact in f32 arithmetic for modest sums). */
export function randomInts(n: number, seed: number, r = 4): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(u() * (2 * r + 1)) - r;
  return out;
}

export function assert(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** Throws unless `error` is below `tol`; returns the error for recording. */
export function assertBelow(error: number, tol: number, what: string): number {
  if (!(error <= tol)) throw new Error(`${what}: error ${error.toExponential(3)} exceeds tolerance ${tol.toExponential(3)}`);
  return error;
}

export function assertBitEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert(a.length === b.length, `${what}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** Runs `fn` and checks it throws an NtkError with `code`; returns the message. */
export async function expectCode(code: string, fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    const got = (e as { code?: string }).code;
    if (got !== code) throw new Error(`expected error ${code}, got ${got ?? 'untyped'}: ${(e as Error).message}`);
    return (e as Error).message;
  }
  throw new Error(`expected error ${code}, but nothing was thrown`);
}

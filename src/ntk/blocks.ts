// A kernel too large for one job, as blocks: the probe set's n samples are cut into b contiguous
// parts, block (i, j) is K(X_i, X_j), and only i <= j is computed (K is symmetric); assembly places
// each block and its transpose into the full n·s x n·s kernel (s rows per sample: C for `full`, else 1).

import { NtkError } from '../errors.js';

/** Rows [start, start + count) of part `k` of n samples cut into `blocks` parts (sizes differ by at most 1). */
export function blockRange(n: number, blocks: number, k: number): { start: number; count: number } {
  const start = Math.floor((k * n) / blocks);
  return { start, count: Math.floor(((k + 1) * n) / blocks) - start };
}

/** The blocks a symmetric kernel needs: (i, j) with i <= j, row by row. */
export function blockPairs(blocks: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < blocks; i++) for (let j = i; j < blocks; j++) pairs.push([i, j]);
  return pairs;
}

/** Parses `--block i,j` against `--blocks b`: 0 <= i <= j < b. */
export function parseBlock(text: string, blocks: number): [number, number] {
  const m = /^(\d+),(\d+)$/.exec(text.trim());
  const [i, j] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(Number.isInteger(blocks) && blocks >= 1) || !(i >= 0 && i <= j && j < blocks)) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      `--block "${text}" must be i,j with 0 <= i <= j < --blocks (${blocks}); the blocks below the diagonal are the transposes of those above.`,
      { option: 'block' },
    );
  }
  return [i, j];
}

/** One computed block: part i's rows against part j's columns, row-major float64. */
export interface KernelBlock {
  /** The part of the rows. */
  i: number;
  /** The part of the columns (i <= j). */
  j: number;
  /** Row-major values, (rows of part i · s) x (rows of part j · s). */
  data: Float64Array;
}

/**
 * The full kernel of n samples (s rows each) from every block (i, j), i <= j, of `blocks` parts:
 * block (i, j) goes to rows of part i and columns of part j, its transpose to (j, i).
 * Throws E_SHAPE_MISMATCH when a block is missing, repeated or of the wrong size.
 */
export function assembleBlocks(n: number, rowsPerSample: number, blocks: number, parts: readonly KernelBlock[]): Float64Array {
  const size = n * rowsPerSample;
  const out = new Float64Array(size * size);
  const seen = new Set<string>();
  for (const { i, j, data } of parts) {
    const key = `${i},${j}`;
    if (!(i >= 0 && i <= j && j < blocks) || seen.has(key)) {
      throw new NtkError(
        'E_SHAPE_MISMATCH',
        `assembleBlocks: block ${key} is ${seen.has(key) ? 'given twice' : `not one of the blocks i <= j < ${blocks}`}.`,
        { block: key },
      );
    }
    seen.add(key);
    const r = blockRange(n, blocks, i);
    const c = blockRange(n, blocks, j);
    const [rows, cols] = [r.count * rowsPerSample, c.count * rowsPerSample];
    if (data.length !== rows * cols) {
      throw new NtkError('E_SHAPE_MISMATCH', `assembleBlocks: block ${key} has ${data.length} values, expected ${rows} x ${cols}.`, {
        block: key,
      });
    }
    const [r0, c0] = [r.start * rowsPerSample, c.start * rowsPerSample];
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < cols; b++) {
        const v = data[a * cols + b];
        out[(r0 + a) * size + c0 + b] = v;
        if (i !== j) out[(c0 + b) * size + r0 + a] = v;
      }
    }
  }
  const missing = blockPairs(blocks).filter(([i, j]) => !seen.has(`${i},${j}`));
  if (missing.length) {
    throw new NtkError('E_SHAPE_MISMATCH', `assembleBlocks: blocks ${missing.map((p) => p.join(',')).join(' ')} are missing.`, {
      missing: missing.length,
    });
  }
  return out;
}

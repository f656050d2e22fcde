// Window geometry shared by conv2d and the pooling ops (NCHW): stride/padding pairs, output
// sizes, and the shape checks that name the op and say what to change.

import { NtkError, check } from '../errors.js';
import type { Shape } from '../tensor/tensor.js';

/** A size given once for both axes, or as [height, width]. */
export type Pair = number | readonly [number, number];

/** Resolved sizes of a 2-D sliding window over an [n, c, h, w] input. */
export interface WindowGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  /** Output height floor((h + 2ph - kh) / sh) + 1 and width likewise. */
  oh: number;
  ow: number;
}

/** [height, width] of a Pair; `what` names the option in the error. */
export function pair(value: Pair, what: string, min: number): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  check(
    Number.isInteger(a) && Number.isInteger(b) && a >= min && b >= min,
    `${what} must be an integer >= ${min} or a pair [h, w] of them, got ${JSON.stringify(value)}.`,
    { value },
  );
  return [a, b];
}

/** The geometry of a window of `kernel` sliding over x [n, c, h, w]; throws naming `label`. */
export function windowGeometry(label: string, x: Shape, kernel: Pair, stride: Pair, padding: Pair): WindowGeometry {
  if (x.length !== 4) {
    throw new NtkError('E_SHAPE_MISMATCH', `${label}: input [${x}] must be 4-D [n, c, h, w] (NCHW).`, { shape: [...x] });
  }
  const [n, c, h, w] = x;
  const [kh, kw] = pair(kernel, `${label}: kernel`, 1);
  const [sh, sw] = pair(stride, `${label}: stride`, 1);
  const [ph, pw] = pair(padding, `${label}: padding`, 0);
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    throw new NtkError(
      'E_SHAPE_MISMATCH',
      `${label}: kernel ${kh}x${kw} does not fit the padded input ${h + 2 * ph}x${w + 2 * pw} (input [${x}], padding ${ph}x${pw}); ` +
        'use a smaller kernel, more padding or a larger input.',
      { shape: [...x], kernel: [kh, kw], padding: [ph, pw] },
    );
  }
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow };
}

/** Kernel size and stride as the window shaders' override constants (one pipeline per window shape). */
export function windowConstants(g: WindowGeometry): Record<string, number> {
  return { KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw };
}

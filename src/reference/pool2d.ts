// Float64 reference for max and average pooling (NCHW) forward and backward, with the device's
// conventions: padding is never selected by max, max ties go to the first element of the window
// (row-major), average divides by kh*kw or by the in-bounds count. Tests only, never a fallback.

import type { WindowGeometry } from '../ops/geometry.js';

/** Calls fn(outIndex, inIndex, windowPosition) for each in-bounds input of each window, row-major. */
function forEachWindow(g: WindowGeometry, fn: (o: number, i: number, position: number) => void): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = (plane * oh + oy) * ow + ox;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - ph;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - pw;
            if (ix >= 0 && ix < w) fn(o, (plane * h + iy) * w + ix, ky * kw + kx);
          }
        }
      }
    }
  }
}

function outputSize(g: WindowGeometry): number {
  return g.n * g.c * g.oh * g.ow;
}

/** y [n, c, oh, ow] and the flat input index of each window's first maximum. */
export function maxPool2dRef(x: ArrayLike<number>, g: WindowGeometry): { y: Float64Array; argmaxIndex: Int32Array } {
  const y = new Float64Array(outputSize(g));
  const argmaxIndex = new Int32Array(y.length).fill(-1);
  forEachWindow(g, (o, i) => {
    if (argmaxIndex[o] < 0 || x[i] > y[o]) {
      y[o] = x[i];
      argmaxIndex[o] = i;
    }
  });
  return { y, argmaxIndex };
}

/** dL/dx [n, c, h, w]: each dy goes to its window's first maximum. */
export function maxPool2dBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, g: WindowGeometry): Float64Array {
  const { argmaxIndex } = maxPool2dRef(x, g);
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  for (let o = 0; o < argmaxIndex.length; o++) dx[argmaxIndex[o]] += dy[o];
  return dx;
}

/** Divisor of each window: kh*kw, or its in-bounds count when !countIncludePad. */
function divisors(g: WindowGeometry, countIncludePad: boolean): Float64Array {
  const d = new Float64Array(outputSize(g));
  if (countIncludePad) return d.fill(g.kh * g.kw);
  forEachWindow(g, (o) => {
    d[o] += 1;
  });
  return d;
}

/** y [n, c, oh, ow]: window means. */
export function avgPool2dRef(x: ArrayLike<number>, g: WindowGeometry, countIncludePad = true): Float64Array {
  const y = new Float64Array(outputSize(g));
  forEachWindow(g, (o, i) => {
    y[o] += x[i];
  });
  const d = divisors(g, countIncludePad);
  return y.map((v, o) => v / d[o]);
}

/** dL/dx [n, c, h, w] of average pooling. */
export function avgPool2dBackwardRef(dy: ArrayLike<number>, g: WindowGeometry, countIncludePad = true): Float64Array {
  const d = divisors(g, countIncludePad);
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  forEachWindow(g, (o, i) => {
    dx[i] += dy[o] / d[o];
  });
  return dx;
}

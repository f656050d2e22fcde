// Float64 reference for conv2d (NCHW, stride, zero padding): forward, input gradient, weight
// and bias gradients (batch-summed or per sample). The oracle for tests, never a fallback.

import type { Conv2dGeometry } from '../ops/conv2d.js';

/** Calls fn(sample, outChannel, xIndex, yIndex, weightIndex) for every tap that reads inside x (not padding). */
function forEachTap(g: Conv2dGeometry, fn: (s: number, co: number, xi: number, yi: number, wi: number) => void): void {
  const { n, c: cin, h, w, cout, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  for (let s = 0; s < n; s++) {
    for (let co = 0; co < cout; co++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const yi = ((s * cout + co) * oh + oy) * ow + ox;
          for (let ci = 0; ci < cin; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh + ky - ph;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw + kx - pw;
                if (ix < 0 || ix >= w) continue;
                fn(s, co, ((s * cin + ci) * h + iy) * w + ix, yi, ((co * cin + ci) * kh + ky) * kw + kx);
              }
            }
          }
        }
      }
    }
  }
}

/** y [n, cout, oh, ow] = conv(x [n, cin, h, w], weight [cout, cin, kh, kw]) + bias [cout]. */
export function conv2dRef(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  g: Conv2dGeometry,
): Float64Array {
  const y = new Float64Array(g.n * g.cout * g.oh * g.ow);
  forEachTap(g, (_s, _co, xi, yi, wi) => {
    y[yi] += x[xi] * weight[wi];
  });
  if (bias) {
    const plane = g.oh * g.ow;
    for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / plane) % g.cout];
  }
  return y;
}

/** dL/dx [n, cin, h, w] from dy [n, cout, oh, ow]. */
export function conv2dBackwardInputRef(dy: ArrayLike<number>, weight: ArrayLike<number>, g: Conv2dGeometry): Float64Array {
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  forEachTap(g, (_s, _co, xi, yi, wi) => {
    dx[xi] += dy[yi] * weight[wi];
  });
  return dx;
}

/** dL/dweight: [cout, cin, kh, kw] summed over the batch, or [n, cout, cin, kh, kw] per sample. */
export function conv2dBackwardWeightRef(x: ArrayLike<number>, dy: ArrayLike<number>, g: Conv2dGeometry, perSample = false): Float64Array {
  const size = g.cout * g.c * g.kh * g.kw;
  const dw = new Float64Array(perSample ? g.n * size : size);
  forEachTap(g, (s, _co, xi, yi, wi) => {
    dw[(perSample ? s * size : 0) + wi] += dy[yi] * x[xi];
  });
  return dw;
}

/** dL/dbias: [cout] summed over the batch and pixels, or [n, cout] per sample. */
export function conv2dBackwardBiasRef(dy: ArrayLike<number>, g: Conv2dGeometry, perSample = false): Float64Array {
  const plane = g.oh * g.ow;
  const db = new Float64Array(perSample ? g.n * g.cout : g.cout);
  for (let i = 0; i < dy.length; i++) {
    const sc = Math.floor(i / plane); // s * cout + co
    db[perSample ? sc : sc % g.cout] += dy[i];
  }
  return db;
}

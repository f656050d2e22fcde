// Float64 references of the NN primitives (dense, bias/channel affine, channel sums, ReLU,
// elementwise binary ops, softmax cross-entropy, the SGD step, the global-norm clip factor):
// the oracle for tests, never a fallback. Layouts match the device ops (row-major, channel axis 1).

/** y = op(a, b[i mod nb]) in float64 (binary.wgsl). */
export function binaryRef(a: ArrayLike<number>, b: ArrayLike<number>, op: 'add' | 'sub' | 'mul' | 'reluBackward'): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const u = a[i];
    const v = b[i % b.length];
    y[i] = op === 'add' ? u + v : op === 'sub' ? u - v : op === 'mul' ? u * v : v > 0 ? u : 0;
  }
  return y;
}

/** y[o, c, i] = x * scale[c] + shift[c] for x read as [outer, channels, inner]. */
export function channelAffineRef(
  x: ArrayLike<number>,
  channels: number,
  inner: number,
  scale: ArrayLike<number> | null,
  shift: ArrayLike<number> | null,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % channels;
    y[i] = x[i] * (scale ? scale[c] : 1) + (shift ? shift[c] : 0);
  }
  return y;
}

/** (x - mean[c]) / std[c] for x read as [outer, channels, inner]: the Normalize layer. */
export function normalizeRef(
  x: ArrayLike<number>,
  channels: number,
  inner: number,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % channels;
    y[i] = (x[i] - mean[c]) / std[c];
  }
  return y;
}

/** s[c] = Σ_{o, i} x[o, c, i]. */
export function channelSumRef(x: ArrayLike<number>, channels: number, inner: number): Float64Array {
  const s = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) s[Math.floor(i / inner) % channels] += x[i];
  return s;
}

/** Dense forward y = x Wᵀ + b: x [n, inF], W [outF, inF], b [outF] or null; y [n, outF]. */
export function denseForwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
  n: number,
  inF: number,
  outF: number,
): Float64Array {
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let k = 0; k < inF; k++) s += x[r * inF + k] * w[o * inF + k];
      y[r * outF + o] = s;
    }
  }
  return y;
}

/** Dense backward: dx = dy W [n, inF], dW = dyᵀ x [outF, inF], db = Σ_r dy [outF]. */
export function denseBackwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  n: number,
  inF: number,
  outF: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(n * inF);
  const dw = new Float64Array(outF * inF);
  const db = new Float64Array(outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      const g = dy[r * outF + o];
      db[o] += g;
      for (let k = 0; k < inF; k++) {
        dx[r * inF + k] += g * w[o * inF + k];
        dw[o * inF + k] += g * x[r * inF + k];
      }
    }
  }
  return { dx, dw, db };
}

/** Softmax cross-entropy per row of logits [n, C]: losses and first-arg-max correctness. */
export function softmaxCrossEntropyRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  C: number,
): { losses: Float64Array; correct: Float64Array } {
  const losses = new Float64Array(n);
  const correct = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = Array.from({ length: C }, (_, c) => logits[r * C + c]);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const y = labels[r];
    losses[r] = Number.isInteger(y) && y >= 0 && y < C ? lse - row[y] : NaN;
    correct[r] = row.indexOf(m) === y ? 1 : 0;
  }
  return { losses, correct };
}

/** d(scale · Σ losses)/dlogits = scale · (softmax - onehot) [n, C]. */
export function softmaxCrossEntropyBackwardRef(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  C: number,
  scale: number,
): Float64Array {
  const d = new Float64Array(n * C);
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[r * C + c] - m);
    for (let c = 0; c < C; c++) d[r * C + c] = scale * (Math.exp(logits[r * C + c] - m) / s - (c === labels[r] ? 1 : 0));
  }
  return d;
}

/** The SGD step of sgd_update.wgsl in float64; returns the new weights and velocity. */
export function sgdUpdateRef(
  w: ArrayLike<number>,
  g: ArrayLike<number>,
  v: ArrayLike<number> | null,
  clipScale: number,
  p: { lr: number; momentum: number; nesterov: boolean; weightDecay: number },
): { w: Float64Array; v: Float64Array | null } {
  const w2 = new Float64Array(w.length);
  const v2 = v ? new Float64Array(v.length) : null;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] * clipScale + p.weightDecay * w[i];
    let d = gi;
    if (v2 && v) {
      v2[i] = p.momentum * v[i] + gi;
      d = p.nesterov ? gi + p.momentum * v2[i] : v2[i];
    }
    w2[i] = w[i] - p.lr * d;
  }
  return { w: w2, v: v2 };
}

/** [min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖] over all gradients concatenated. */
export function gradNormScaleRef(grads: ArrayLike<number>[], maxNorm: number): [number, number] {
  let total = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) total += g[i] * g[i];
  const norm = Math.sqrt(total);
  return [Math.min(1, maxNorm / (norm + 1e-6)), norm];
}

// Float64 reference layers and models mirroring src/nn (same names, layouts and parameter
// names), built from a model's exported state: the oracle for whole-model gradient checks.
// Each layer keeps its forward input and accumulates parameter gradients on backward.

import { denseBackwardRef, denseForwardRef, normalizeRef, softmaxCrossEntropyBackwardRef, softmaxCrossEntropyRef } from './nn.js';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

export interface RefParam {
  name: string;
  shape: number[];
  value: Float64Array;
  /** Batch-summed gradient, accumulated by backward(); zeroGrads() clears it. */
  grad: Float64Array;
}

export interface RefLayer {
  forward(x: RefTensor): RefTensor;
  backward(dy: RefTensor): RefTensor;
  params(): RefParam[];
}

export function refParam(name: string, shape: number[], value: ArrayLike<number>): RefParam {
  return { name, shape, value: Float64Array.from(value), grad: new Float64Array(value.length) };
}

export class RefDense implements RefLayer {
  readonly weight: RefParam;
  readonly bias: RefParam | null;
  private x: RefTensor | null = null;

  constructor(
    name: string,
    readonly inF: number,
    readonly outF: number,
    w: ArrayLike<number>,
    b: ArrayLike<number> | null,
  ) {
    this.weight = refParam(`${name}.weight`, [outF, inF], w);
    this.bias = b ? refParam(`${name}.bias`, [outF], b) : null;
  }

  forward(x: RefTensor): RefTensor {
    this.x = x;
    const n = x.shape[0];
    return { shape: [n, this.outF], data: denseForwardRef(x.data, this.weight.value, this.bias?.value ?? null, n, this.inF, this.outF) };
  }

  backward(dy: RefTensor): RefTensor {
    const x = this.x as RefTensor;
    const n = x.shape[0];
    const { dx, dw, db } = denseBackwardRef(x.data, this.weight.value, dy.data, n, this.inF, this.outF);
    dw.forEach((v, i) => (this.weight.grad[i] += v));
    if (this.bias) db.forEach((v, i) => ((this.bias as RefParam).grad[i] += v));
    return { shape: [...x.shape], data: dx };
  }

  params(): RefParam[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

export class RefReLU implements RefLayer {
  private x: RefTensor | null = null;

  forward(x: RefTensor): RefTensor {
    this.x = x;
    return { shape: [...x.shape], data: x.data.map((v) => Math.max(v, 0)) };
  }

  backward(dy: RefTensor): RefTensor {
    const x = this.x as RefTensor;
    return { shape: [...dy.shape], data: dy.data.map((g, i) => (x.data[i] > 0 ? g : 0)) };
  }

  params(): RefParam[] {
    return [];
  }
}

export class RefFlatten implements RefLayer {
  private shape: number[] = [];

  forward(x: RefTensor): RefTensor {
    this.shape = [...x.shape];
    return { shape: [x.shape[0], x.data.length / x.shape[0]], data: x.data };
  }

  backward(dy: RefTensor): RefTensor {
    return { shape: [...this.shape], data: dy.data };
  }

  params(): RefParam[] {
    return [];
  }
}

export class RefNormalize implements RefLayer {
  constructor(
    readonly mean: readonly number[],
    readonly std: readonly number[],
  ) {}

  forward(x: RefTensor): RefTensor {
    const inner = x.data.length / (x.shape[0] * x.shape[1]);
    return { shape: [...x.shape], data: normalizeRef(x.data, x.shape[1], inner, this.mean, this.std) };
  }

  backward(dy: RefTensor): RefTensor {
    const inner = dy.data.length / (dy.shape[0] * dy.shape[1]);
    return { shape: [...dy.shape], data: dy.data.map((g, i) => g / this.std[Math.floor(i / inner) % dy.shape[1]]) };
  }

  params(): RefParam[] {
    return [];
  }
}

export class RefSequential implements RefLayer {
  constructor(readonly layers: RefLayer[]) {}

  forward(x: RefTensor): RefTensor {
    return this.layers.reduce((h, l) => l.forward(h), x);
  }

  backward(dy: RefTensor): RefTensor {
    return this.layers.reduceRight((g, l) => l.backward(g), dy);
  }

  params(): RefParam[] {
    return this.layers.flatMap((l) => l.params());
  }
}

export class RefResidual implements RefLayer {
  constructor(
    readonly body: RefLayer,
    readonly shortcut: RefLayer | null = null,
  ) {}

  forward(x: RefTensor): RefTensor {
    const a = this.body.forward(x);
    const b = this.shortcut ? this.shortcut.forward(x) : x;
    return { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]) };
  }

  backward(dy: RefTensor): RefTensor {
    const da = this.body.backward(dy);
    const db = this.shortcut ? this.shortcut.backward(dy) : dy;
    return { shape: da.shape, data: da.data.map((v, i) => v + db.data[i]) };
  }

  params(): RefParam[] {
    return [...this.body.params(), ...(this.shortcut?.params() ?? [])];
  }
}

/**
 * Mean softmax cross-entropy of `root` on (x, labels) and its gradients: parameter gradients
 * are zeroed, then filled (batch sums of the mean loss's gradient); dx is returned.
 */
export function refLossAndGrad(
  root: RefLayer,
  x: RefTensor,
  labels: ArrayLike<number>,
): {
  loss: number;
  losses: Float64Array;
  correct: Float64Array;
  logits: RefTensor;
  dx: RefTensor;
} {
  for (const p of root.params()) p.grad.fill(0);
  const logits = root.forward(x);
  const [n, C] = logits.shape;
  const { losses, correct } = softmaxCrossEntropyRef(logits.data, labels, n, C);
  const dlogits = softmaxCrossEntropyBackwardRef(logits.data, labels, n, C, 1 / n);
  const dx = root.backward({ shape: [n, C], data: dlogits });
  return { loss: losses.reduce((a, b) => a + b, 0) / n, losses, correct, logits, dx };
}

/** The reference twin of createMlp(options) with the weights of `state` (Model.exportState()). */
export function referenceMlp(
  options: {
    inputShape: readonly number[];
    hidden: readonly number[];
    classes: number;
    normalize: { mean: number[]; std: number[] } | null;
  },
  state: Record<string, ArrayLike<number>>,
): RefSequential {
  const layers: RefLayer[] = [];
  if (options.normalize) layers.push(new RefNormalize(options.normalize.mean, options.normalize.std));
  if (options.inputShape.length > 1) layers.push(new RefFlatten());
  const widths = [options.inputShape.reduce((a, b) => a * b, 1), ...options.hidden, options.classes];
  for (let i = 1; i < widths.length; i++) {
    layers.push(new RefDense(`fc${i}`, widths[i - 1], widths[i], state[`fc${i}.weight`], state[`fc${i}.bias`] ?? null));
    if (i < widths.length - 1) layers.push(new RefReLU());
  }
  return new RefSequential(layers);
}

// Attacks on a kernel machine itself (docs/METHODS.md, "The kernel machine"). Its prediction is
// g_c(x) = f0_c(x) + Σ_i K(x, x_i) alpha_i, and K(x, x_i) is a dot product of parameter gradients, so
// Σ_i K(x, x_i)_{kc} alpha_i = ∇θ f_k(x) · v for a parameter-space direction v = Σ_i alpha_i ∇θ f(x_i)
// (one backward pass over the training points). Its input gradient is then d/dh ∇x f_k(x; θ + h v)
// at h = 0, taken by a central difference in h (the engine has no forward-over-reverse mode): one
// forward at θ records the activation pattern, and input-gradient (backward) passes with the
// parameters at θ ± h v differentiate ∇x f at that pattern. Trace kernel: C² directions
// v_kc = (1/C) Σ_i alpha_ic ∇θ f_k(x_i); full kernel: one, V = Σ_i Σ_c alpha_ic ∇θ f_c(x_i).

import { randomStart } from '../attacks/pgd.js';
import { attackStep, type Norm } from '../ops/attack_step.js';
import { check, NtkError } from '../errors.js';
import { NO_PARAM_GRADS, SUM_GRADS } from '../nn/gradient_sink.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { sliceRows } from './kernel.js';
import type { KernelMachine } from './predict.js';

/** A parameter-space direction and the (logit k, output column c) pairs it serves: ∇θ f_k(x)·v adds to g_c(x). */
interface Direction {
  v: Float32Array[];
  norm: number;
  pairs: Array<{ logit: number; column: number }>;
}

/** The relative parameter step of the central difference: h = tau ‖θ‖ / ‖v‖. */
export const DEFAULT_TAU = 1e-3;

/** The kernel machine's predictor as a function of the input, with its input gradient. */
export class KernelPredictor {
  private constructor(
    readonly model: Model,
    readonly machine: KernelMachine,
    private readonly theta: Float32Array[],
    private readonly thetaNorm: number,
    private readonly directions: Direction[],
  ) {}

  /**
   * The directions of `alpha` (machine.alpha by default, m x q) on the training inputs xTrain: one
   * backward pass per direction over the training points (`batch` at a time). Clears the model's
   * summed parameter gradients.
   */
  static async create(
    model: Model,
    machine: KernelMachine,
    xTrain: Tensor,
    alpha: Float64Array = machine.alpha,
    batch = 256,
  ): Promise<KernelPredictor> {
    const C = machine.classes;
    const n = machine.n;
    if (xTrain.shape[0] !== n)
      throw new NtkError('E_SHAPE_MISMATCH', `KernelPredictor: the machine was fitted on ${n} points, got ${xTrain.shape[0]}.`);
    const params = model.parameters();
    const theta = await Promise.all(params.map((p) => p.value.read()));
    // cotangent(i, k) of each direction's backward: what multiplies ∇θ f_k(x_i)
    const plans: Array<{ cotangent: (i: number, k: number) => number; pairs: Direction['pairs'] }> =
      machine.kind === 'full'
        ? [{ cotangent: (i, k) => alpha[i * C + k], pairs: Array.from({ length: C }, (_, c) => ({ logit: c, column: c })) }]
        : Array.from({ length: C * C }, (_, kc) => {
            const [k, c] = [Math.floor(kc / C), kc % C];
            return { cotangent: (i: number, kk: number) => (kk === k ? alpha[i * C + c] / C : 0), pairs: [{ logit: k, column: c }] };
          });
    const directions: Direction[] = [];
    try {
      for (const plan of plans) {
        model.zeroGrad();
        for (let start = 0; start < n; start += batch) {
          const count = Math.min(batch, n - start);
          const xs = sliceRows(xTrain, start, count);
          const dy = new Float32Array(count * C);
          for (let i = 0; i < count; i++) for (let k = 0; k < C; k++) dy[i * C + k] = plan.cotangent(start + i, k);
          model.forward(xs, { mode: 'eval', record: true }).dispose();
          const dyT = Tensor.fromArray(model.gpu, dy, [count, C]);
          model.backward(dyT, { grads: SUM_GRADS, inputGrad: false }).dispose();
          model.clearRecord();
          [xs, dyT].forEach((t) => t.dispose());
        }
        const v = await Promise.all(params.map((p) => (p.grad ? p.grad.read() : Promise.resolve(new Float32Array(p.value.size)))));
        directions.push({ v, norm: Math.sqrt(sumSquares(v)), pairs: plan.pairs });
      }
    } finally {
      model.zeroGrad();
    }
    return new KernelPredictor(model, machine, theta, Math.sqrt(sumSquares(theta)), directions);
  }

  /**
   * The predictor's outputs g(x) [n, C] (by the same central difference) and the input gradient of
   * its summed softmax cross-entropy with `labels`, [n·d], at inputs x [n, ...]. `tau` sets the
   * parameter step h = tau ‖θ‖ / ‖v‖ of each direction. The model's parameters are restored after.
   */
  async lossGradient(x: Tensor, labels: ArrayLike<number>, tau = DEFAULT_TAU): Promise<{ outputs: Float64Array; gradient: Float64Array }> {
    check(Number.isFinite(tau) && tau > 0, `KernelPredictor: tau must be a finite number > 0, got ${tau}.`, { option: 'tau' });
    const C = this.machine.classes;
    const n = x.shape[0];
    if (labels.length !== n) throw new NtkError('E_SHAPE_MISMATCH', `KernelPredictor: ${labels.length} labels for ${n} inputs.`);
    const d = x.size / n;
    const outputs = new Float64Array(n * C);
    const columns = Array.from({ length: C }, () => new Float64Array(n * d)); // ∇x (g_c - f0_c)
    const params = this.model.parameters();
    const network = this.machine.offset === 'network';
    const setParameters = (dir: Direction | null, step: number) =>
      params.forEach((p, j) => {
        if (!dir) return this.model.gpu.write(p.value.buffer, 0, this.theta[j]);
        const moved = new Float32Array(this.theta[j].length);
        for (let e = 0; e < moved.length; e++) moved[e] = this.theta[j][e] + step * dir.v[j][e];
        this.model.gpu.write(p.value.buffer, 0, moved);
      });
    try {
      // outputs: forwards at θ ± h v (f is continuous in θ, so a unit crossing its kink costs O(h))
      for (const dir of this.directions) {
        if (dir.norm === 0) continue; // alpha orthogonal to every gradient: no contribution
        const h = (tau * this.thetaNorm) / dir.norm;
        for (const sign of [1, -1]) {
          setParameters(dir, sign * h);
          const logits = this.model.forward(x, { mode: 'eval' });
          const f = await logits.read();
          logits.dispose();
          for (const { logit, column } of dir.pairs)
            for (let i = 0; i < n; i++) outputs[i * C + column] += (sign / (2 * h)) * f[i * C + logit];
        }
      }
      // input gradients: one forward at θ records the activation pattern (ReLU masks, pooling
      // choices); backward passes with the parameters at θ ± h v then differentiate ∇x f at that
      // pattern, the derivative almost everywhere (∇x f jumps where a unit crosses its kink, so a
      // difference of full passes at θ ± h v would not converge)
      setParameters(null, 0);
      const logits = this.model.forward(x, { mode: 'eval', record: true });
      const f0 = await logits.read();
      logits.dispose();
      if (network) for (let e = 0; e < outputs.length; e++) outputs[e] += f0[e];
      for (const dir of this.directions) {
        if (dir.norm === 0) continue;
        const h = (tau * this.thetaNorm) / dir.norm;
        for (const sign of [1, -1]) {
          setParameters(dir, sign * h);
          for (const { logit, column } of dir.pairs) {
            const dx = await this.inputGradientOfLogit(n, logit);
            const col = columns[column];
            const scale = sign / (2 * h);
            for (let e = 0; e < col.length; e++) col[e] += scale * dx[e];
          }
        }
      }
      setParameters(null, 0);
    } catch (e) {
      this.model.clearRecord();
      throw e;
    } finally {
      setParameters(null, 0);
    }
    const w = new Float32Array(n * C);
    for (let i = 0; i < n; i++) {
      const row = outputs.subarray(i * C, (i + 1) * C);
      const max = Math.max(...row);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(row[c] - max);
      for (let c = 0; c < C; c++) w[i * C + c] = Math.exp(row[c] - max) / z - (labels[i] === c ? 1 : 0);
    }
    const gradient = new Float64Array(n * d);
    try {
      if (network) {
        const wT = Tensor.fromArray(this.model.gpu, w, [n, C]);
        const dx = this.model.backward(wT, { grads: NO_PARAM_GRADS, inputGrad: true });
        gradient.set(await dx.read());
        [wT, dx].forEach((t) => t.dispose());
      }
    } finally {
      this.model.clearRecord();
    }
    for (let c = 0; c < C; c++) {
      const col = columns[c];
      for (let i = 0; i < n; i++) {
        const wc = w[i * C + c];
        for (let e = i * d; e < (i + 1) * d; e++) gradient[e] += wc * col[e];
      }
    }
    return { outputs, gradient };
  }

  /** ∇x f_logit of the recorded forward, [n·d] (the record survives for the next logit). */
  private async inputGradientOfLogit(n: number, logit: number): Promise<Float32Array> {
    const C = this.machine.classes;
    const dy = new Float32Array(n * C);
    for (let i = 0; i < n; i++) dy[i * C + logit] = 1;
    const dyT = Tensor.fromArray(this.model.gpu, dy, [n, C]);
    const dx = this.model.backward(dyT, { grads: NO_PARAM_GRADS, inputGrad: true });
    const out = await dx.read();
    [dyT, dx].forEach((t) => t.dispose());
    return out;
  }

  /**
   * A measured bound on the central difference's error at `tau`: the relative difference
   * ‖G(tau) − G(tau/2)‖ / ‖G(tau/2)‖ of the loss gradients at x (for an O(h²) truncation error, G(tau)
   * is off by about 4/3 of it; float32 rounding, which grows as tau shrinks, is inside the measured difference).
   */
  async gradientErrorBound(x: Tensor, labels: ArrayLike<number>, tau = DEFAULT_TAU): Promise<number> {
    const a = (await this.lossGradient(x, labels, tau)).gradient;
    const b = (await this.lossGradient(x, labels, tau / 2)).gradient;
    let diff = 0;
    let norm = 0;
    for (let e = 0; e < a.length; e++) {
      diff += (a[e] - b[e]) ** 2;
      norm += b[e] ** 2;
    }
    return Math.sqrt(diff / Math.max(norm, Number.MIN_VALUE));
  }

  /**
   * PGD against the predictor: a random start in the eps-ball, `steps` steps of `stepSize` on its
   * cross-entropy (signed for l-inf, normalised for l2), projected; x stays the caller's. Calls
   * `onStep` after each step.
   */
  async pgd(
    x: Tensor,
    labels: ArrayLike<number>,
    rng: Rng,
    o: { eps: number; norm: Norm; steps: number; stepSize: number; tau?: number },
    onStep?: (step: number) => void,
  ): Promise<Tensor> {
    const adv = randomStart(x, rng, o.norm, o.eps);
    try {
      for (let k = 0; k < o.steps; k++) {
        const { gradient } = await this.lossGradient(adv, labels, o.tau ?? DEFAULT_TAU);
        const g = Tensor.fromArray(x.gpu, gradient, x.shape);
        attackStep(adv, x, g, o.norm, o.stepSize, o.eps, true);
        g.dispose();
        onStep?.(k + 1);
      }
      return adv;
    } catch (e) {
      adv.dispose();
      throw e;
    }
  }
}

function sumSquares(arrays: Float32Array[]): number {
  let s = 0;
  for (const a of arrays) for (let e = 0; e < a.length; e++) s += a[e] * a[e];
  return s;
}

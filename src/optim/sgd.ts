// SGD with momentum, Nesterov and weight decay (torch.optim.SGD semantics, dampening 0), with
// optional gradient clipping by global norm computed on the device. One update dispatch per
// parameter; the learning rate is passed per step (from a schedule), nothing is read back.

import type { Gpu } from '../device/gpu.js';
import { NtkError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import { gradNormScale } from '../ops/grad_norm_scale.js';
import { sgdUpdate } from '../ops/sgd_update.js';
import { requirePositive, resolveOptions } from '../options.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of Sgd. */
export interface SgdOptions {
  /** Default learning rate for step() (> 0). */
  lr: number;
  /** Momentum μ in [0, 1). */
  momentum: number;
  nesterov: boolean;
  /** L2 weight decay on parameters without `noDecay` (>= 0). */
  weightDecay: number;
  /** Clip the global gradient L2 norm to this value (> 0), or null for no clipping. */
  clipNorm: number | null;
}

/** lr 0.1, momentum 0.9, weight decay 5e-4, no Nesterov, no clipping. */
export const DEFAULT_SGD_OPTIONS: SgdOptions = { lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4, clipNorm: null };

/**
 * The one check of the optimizer's settings besides its default lr (train() and the run recipe
 * apply it before any work): momentum in [0, 1), weight decay >= 0, Nesterov only with momentum,
 * clipNorm > 0 or null. `fail` (it throws) reports the first broken rule.
 */
export function checkSgdOptions(
  o: Omit<SgdOptions, 'lr'>,
  fail: (option: Exclude<keyof SgdOptions, 'lr'>, expected: string, value: unknown) => never,
): void {
  if (!(typeof o.momentum === 'number' && o.momentum >= 0 && o.momentum < 1)) fail('momentum', 'a number in [0, 1)', o.momentum);
  if (typeof o.nesterov !== 'boolean') fail('nesterov', 'true or false', o.nesterov);
  if (!(typeof o.weightDecay === 'number' && o.weightDecay >= 0 && Number.isFinite(o.weightDecay)))
    fail('weightDecay', 'a finite number >= 0', o.weightDecay);
  if (o.nesterov && o.momentum === 0) fail('nesterov', 'false when momentum is 0 (Nesterov needs momentum > 0)', o.nesterov);
  if (o.clipNorm !== null && !(typeof o.clipNorm === 'number' && Number.isFinite(o.clipNorm) && o.clipNorm > 0))
    fail('clipNorm', 'a finite number > 0 or null', o.clipNorm);
}

/**
 * SGD with momentum, Nesterov and weight decay (torch.optim.SGD semantics, dampening 0) and
 * optional clipping by the global gradient norm, all on the device.
 */
export class Sgd {
  readonly options: SgdOptions;
  private readonly velocities: Map<Parameter, Tensor> = new Map();
  private readonly one: Tensor;
  private clip: Tensor | null = null;

  /** An optimizer of `params` (their velocities start at zero). */
  constructor(
    readonly gpu: Gpu,
    readonly params: readonly Parameter[],
    options: Partial<SgdOptions> = {},
  ) {
    const o = resolveOptions('Sgd', DEFAULT_SGD_OPTIONS, options);
    requirePositive('Sgd', 'lr', o.lr);
    checkSgdOptions(o, (option, expected, value) => {
      throw invalid(option, value, expected);
    });
    this.options = o;
    if (o.momentum > 0) for (const p of params) this.velocities.set(p, Tensor.zeros(gpu, p.value.shape));
    this.one = Tensor.fromArray(gpu, [1], [1]);
  }

  /**
   * One update of every parameter from its summed gradient (Parameter.grad), with learning rate
   * `lr` (default options.lr; 0 is allowed, e.g. at the start of a cyclic schedule).
   */
  step(lr = this.options.lr): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw invalid('lr', lr, 'a finite number >= 0 in step()');
    const missing = this.params.find((p) => !p.grad);
    if (missing) {
      throw new NtkError('E_INVALID_ARGUMENT', `Sgd.step: parameter "${missing.name}" has no gradient; run a backward pass first.`, {
        parameter: missing.name,
      });
    }
    let scale = this.one;
    if (this.options.clipNorm !== null) {
      this.clip?.dispose();
      this.clip = gradNormScale(
        this.params.map((p) => p.grad as Tensor),
        this.options.clipNorm,
      );
      scale = this.clip;
    }
    const { momentum, nesterov, weightDecay } = this.options;
    for (const p of this.params) {
      sgdUpdate(p.value, p.grad as Tensor, this.velocities.get(p) ?? null, scale, {
        lr,
        momentum,
        nesterov,
        weightDecay: p.noDecay ? 0 : weightDecay,
      });
    }
  }

  /** [2] device tensor [clip scale, global grad norm] of the last step, or null without clipping. */
  get lastClip(): Tensor | null {
    return this.clip;
  }

  /** Momentum buffers keyed `${param}.momentum` (a checkpoint of the optimizer). */
  async exportState(): Promise<Record<string, Float32Array>> {
    const state: Record<string, Float32Array> = {};
    for (const [p, v] of this.velocities) state[`${p.name}.momentum`] = await v.read();
    return state;
  }

  /** Restores momentum buffers saved by exportState(). */
  importState(state: Record<string, Float32Array>): void {
    for (const [p, v] of this.velocities) {
      const data = state[`${p.name}.momentum`];
      if (!data || data.length !== v.size) {
        throw new NtkError('E_INVALID_ARGUMENT', `Sgd.importState: entry "${p.name}.momentum" is missing or has the wrong size.`);
      }
      this.gpu.write(v.buffer, 0, data);
    }
  }

  /** Frees the velocity buffers. */
  dispose(): void {
    this.velocities.forEach((v) => v.dispose());
    this.velocities.clear();
    this.one.dispose();
    this.clip?.dispose();
    this.clip = null;
  }
}

function invalid(option: string, value: unknown, accepted: string): NtkError {
  return new NtkError('E_INVALID_ARGUMENT', `Sgd: option "${option}" is ${String(value)}; use ${accepted}.`, { option, value });
}

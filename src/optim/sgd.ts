// SGD with momentum, Nesterov and weight decay (torch.optim.SGD semantics, dampening 0), with
// optional gradient clipping by global norm computed on the device. The multi-tensor update
// (ops/sgd_update.ts) takes SGD_SLOTS parameters per dispatch, their velocities in one flat arena;
// the learning rate is passed per step (from a schedule), nothing is read back.

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
  o: Omit<SgdOptions, 'lr'>, fail: (option: Exclude<keyof SgdOptions, 'lr'>, expected: string, value: unknown) => never,
): void {
  if (!(typeof o.momentum === 'number' && o.momentum >= 0 && o.momentum < 1)) fail('momentum', 'a number in [0, 1)', o.momentum);
  if (typeof o.nesterov !== 'boolean') fail('nesterov', 'true or false', o.nesterov);
  if (!(typeof o.weightDecay === 'number' && o.weightDecay >= 0 && Number.isFinite(o.weightDecay))) fail('weightDecay', 'a finite number >= 0', o.weightDecay);
  if (o.nesterov && o.momentum === 0) fail('nesterov', 'false when momentum is 0 (Nesterov needs momentum > 0)', o.nesterov);
  if (o.clipNorm !== null && !(typeof o.clipNorm === 'number' && Number.isFinite(o.clipNorm) && o.clipNorm > 0)) fail('clipNorm', 'a finite number > 0 or null', o.clipNorm);
}

/**
 * SGD with momentum, Nesterov and weight decay (torch.optim.SGD semantics, dampening 0) and
 * optional clipping by the global gradient norm, all on the device.
 */
export class Sgd {
  readonly options: SgdOptions;
  /**
   * The parameters in runs whose velocities share one flat arena (null without momentum), each run
   * as large as one storage binding allows: a single run unless the model exceeds that binding size.
   */
  private readonly groups: Array<{ params: Parameter[]; velocity: Tensor | null }> = [];
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
    const maxElements = Math.floor(Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize) / 4);
    let size = Infinity;
    for (const p of params) {
      if (size + p.value.size > maxElements) {
        this.groups.push({ params: [], velocity: null });
        size = 0;
      }
      this.groups[this.groups.length - 1].params.push(p);
      size += p.value.size;
    }
    if (o.momentum > 0) {
      for (const g of this.groups) g.velocity = Tensor.zeros(gpu, [g.params.reduce((n, p) => n + p.value.size, 0)]);
    }
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
      this.clip = gradNormScale(this.params.map((p) => p.grad as Tensor), this.options.clipNorm);
      scale = this.clip;
    }
    const { momentum, nesterov, weightDecay } = this.options;
    for (const g of this.groups) {
      const tensors = g.params.map((p) => ({ weight: p.value, grad: p.grad as Tensor, weightDecay: p.noDecay ? 0 : weightDecay }));
      sgdUpdate(tensors, g.velocity, scale, { lr, momentum, nesterov });
    }
  }

  /** [2] device tensor [clip scale, global grad norm] of the last step, or null without clipping. */
  get lastClip(): Tensor | null {
    return this.clip;
  }

  /** Momentum buffers keyed `${p.name}.momentum` (a checkpoint of the optimizer), in parameter order. */
  async exportState(): Promise<Record<string, Float32Array>> {
    const state: Record<string, Float32Array> = {};
    for (const g of this.groups) {
      if (!g.velocity) continue;
      const arena = await g.velocity.read();
      let offset = 0;
      for (const p of g.params) {
        state[`${p.name}.momentum`] = arena.slice(offset, offset + p.value.size);
        offset += p.value.size;
      }
    }
    return state;
  }

  /** Restores momentum buffers saved by exportState() (every entry is checked before any is written). */
  importState(state: Record<string, Float32Array>): void {
    const writes: Array<{ arena: Tensor; offset: number; data: Float32Array }> = [];
    for (const g of this.groups) {
      let offset = 0;
      for (const p of g.params) {
        if (!g.velocity) break;
        const data = state[`${p.name}.momentum`];
        if (!data || data.length !== p.value.size) {
          throw new NtkError('E_INVALID_ARGUMENT', `Sgd.importState: entry "${p.name}.momentum" is missing or has the wrong size.`);
        }
        writes.push({ arena: g.velocity, offset, data });
        offset += p.value.size;
      }
    }
    for (const w of writes) this.gpu.write(w.arena.buffer, 4 * w.offset, w.data);
  }

  /** Frees the velocity arenas. */
  dispose(): void {
    this.groups.forEach((g) => g.velocity?.dispose());
    this.groups.splice(0);
    this.one.dispose();
    this.clip?.dispose();
    this.clip = null;
  }
}

function invalid(option: string, value: unknown, accepted: string): NtkError {
  return new NtkError('E_INVALID_ARGUMENT', `Sgd: option "${option}" is ${String(value)}; use ${accepted}.`, { option, value });
}

// The kernel switch rule (our design for the study's second finding): train with a cheap method
// (clean data by default) while the clean and adversarial probe kernels still agree, and switch to
// adversarial training once they diverge, once the kernel stops moving, or at a cap.

import { NtkError } from '../errors.js';
import { resolveOptions } from '../options.js';
import type { CheckpointPart } from './checkpoint.js';
import type { KernelCheck } from './kernel_tracker.js';
import { TRAIN_METHODS, type TrainMethod } from './methods.js';
import type { MethodSchedule } from './trainer.js';

/** Options of the kernel-switch rule. */
export interface SwitchOptions {
  /** The method before the switch. */
  warmupMethod: TrainMethod;
  /** Switch when the clean-adversarial kernel distance exceeds tau ... */
  tau: number;
  /** ... at this many checks in a row. */
  patience: number;
  /** Also switch when the kernel velocity (distance per epoch) falls back below this after having reached it (null: never). */
  velocityPlateau: number | null;
  /** Switch at the latest at this fraction of the run's epochs. */
  capFraction: number;
}

/** Defaults of the kernel-switch rule (see SwitchOptions). */
export const DEFAULT_SWITCH: SwitchOptions = { warmupMethod: 'standard', tau: 0.1, patience: 2, velocityPlateau: null, capFraction: 0.3 };

/**
 * The one check of the switch rule's options (KernelSwitch, and the run recipe's `switch` fields,
 * named by option): `fail` (it throws) reports the first broken rule.
 */
export function checkSwitchOptions(o: SwitchOptions, fail: (option: keyof SwitchOptions, expected: string, value: unknown) => never): void {
  if (!TRAIN_METHODS.includes(o.warmupMethod)) fail('warmupMethod', `one of ${TRAIN_METHODS.join(', ')}`, o.warmupMethod);
  if (!(typeof o.tau === 'number' && Number.isFinite(o.tau) && o.tau >= 0)) fail('tau', 'a number >= 0', o.tau);
  if (!(typeof o.patience === 'number' && Number.isInteger(o.patience) && o.patience >= 1)) fail('patience', 'an integer >= 1', o.patience);
  if (!(typeof o.capFraction === 'number' && o.capFraction > 0 && o.capFraction <= 1)) fail('capFraction', 'in (0, 1]', o.capFraction);
  const plateau = o.velocityPlateau;
  if (plateau !== null && !(typeof plateau === 'number' && Number.isFinite(plateau) && plateau > 0))
    fail('velocityPlateau', 'a number > 0 or null', plateau);
}

/** Why and when the switch happened. */
export interface SwitchDecision {
  epochFraction: number;
  reason: 'divergence' | 'plateau' | 'cap';
}

/**
 * The kernel-switch rule: train with the warm-up method until the clean and adversarial probe kernels
 * diverge (or the kernel velocity plateaus, or the cap), then with the target method. Its state
 * (streak, velocity, decision) rides in checkpoints, so a resumed run switches where the uninterrupted one does.
 */
export class KernelSwitch implements MethodSchedule {
  readonly partName = 'kernel-switch';
  readonly options: SwitchOptions;
  private streak = 0;
  /** The velocity has reached the plateau threshold (the kernel moved fast): only then can it settle. */
  private moved = false;
  private decision: SwitchDecision | null = null;

  /** Switches to `targetMethod` within a run of `epochs` epochs. */
  constructor(
    readonly targetMethod: TrainMethod,
    readonly epochs: number,
    options: Partial<SwitchOptions> = {},
  ) {
    this.options = resolveOptions('KernelSwitch', DEFAULT_SWITCH, options);
    checkSwitchOptions(this.options, (option, expected, value) => {
      throw new NtkError('E_INVALID_ARGUMENT', `KernelSwitch: option "${option}" must be ${expected}, got ${JSON.stringify(value)}.`, {
        option,
        value,
      });
    });
  }

  /** The decision once made (null before the switch). */
  get switched(): SwitchDecision | null {
    return this.decision;
  }

  /** Feeds one tracker check (it needs the adversarial kernel for the divergence rule). */
  observe(check: KernelCheck): SwitchDecision | null {
    if (this.decision) return null;
    const distance = check.adversarial?.distanceToClean;
    if (distance === undefined) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        'KernelSwitch: the tracker must track the adversarial kernel (tracker option "adversarial").',
      );
    }
    this.streak = distance > this.options.tau ? this.streak + 1 : 0;
    const plateau = this.options.velocityPlateau;
    const settled = plateau !== null && check.velocity !== null && this.moved && check.velocity < plateau;
    if (plateau !== null && check.velocity !== null && check.velocity >= plateau) this.moved = true;
    if (this.streak >= this.options.patience) this.decision = { epochFraction: check.epochFraction, reason: 'divergence' };
    else if (settled) this.decision = { epochFraction: check.epochFraction, reason: 'plateau' };
    return this.decision;
  }

  /** The method for a step at `epochFraction` (switching at the cap if no rule fired before). */
  methodAt(epochFraction: number): TrainMethod {
    // (+1e-9: a cap such as 0.3 of 20 epochs is 6.000000000000001 in floating point, and switches at epoch 6, not a step later)
    if (!this.decision && epochFraction + 1e-9 >= this.options.capFraction * this.epochs) this.decision = { epochFraction, reason: 'cap' };
    return this.decision ? this.targetMethod : this.options.warmupMethod;
  }

  captureCheckpointPart(): CheckpointPart {
    return { state: { streak: this.streak, moved: this.moved, decision: this.decision }, arrays: {} };
  }

  restoreCheckpointPart(part: CheckpointPart): void {
    const s = part.state as { streak: number; moved: boolean; decision: SwitchDecision | null };
    [this.streak, this.moved, this.decision] = [s.streak, s.moved, s.decision];
  }
}

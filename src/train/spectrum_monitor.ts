// The spectrum monitor (our design for the study's third finding): at each kernel check, compare a
// statistic of the adversarial-example kernel's spectrum (log λ_max) with its recent history and
// flag a jump beyond k standard deviations; optionally switch single-step AT to the anisotropic
// start from then on (methodAt), as a fix applied only when the monitor fires.

import { NtkError } from '../errors.js';
import type { CheckpointPart } from './checkpoint.js';
import type { KernelCheck } from './kernel_tracker.js';
import type { MethodSchedule, TrainMethod } from './trainer.js';

/** Options of a SpectrumMonitor. */
export interface SpectrumMonitorOptions {
  /** Flag when |x − mean(history)| > k · max(sd(history), floor). */
  k: number;
  /** Checks of history compared against (the previous `window`, at least 3 needed). */
  window: number;
  /** Lower bound of the history's spread (in log λ_max units), so a flat history does not flag noise. */
  floor: number;
  /** Ignore checks before this epoch (the first epoch's transients). */
  afterEpoch: number;
}

/** Flag at 3 standard deviations over a window of 4 checks (floor 0.1), from a quarter epoch on. */
export const DEFAULT_SPECTRUM_MONITOR: SpectrumMonitorOptions = { k: 3, window: 4, floor: 0.1, afterEpoch: 0.25 };

/** One firing of the monitor (also logged as an `event: co-monitor` record). */
export interface MonitorFiring {
  step: number;
  epochFraction: number;
  value: number;
  mean: number;
  sd: number;
}

/**
 * Watches log λ_max of the adversarial-example kernel at each kernel check and flags a jump beyond
 * k standard deviations of its recent history; optionally switches the method from the first firing on.
 * Its history and firings ride in checkpoints (as a method schedule, or attached by its owner).
 */
export class SpectrumMonitor implements MethodSchedule {
  readonly partName = 'spectrum-monitor';
  readonly options: SpectrumMonitorOptions;
  readonly firings: MonitorFiring[] = [];
  private readonly history: number[] = [];

  /** `switchTo`: the method from the first firing on (null: only watch); `before`: the method until then. */
  constructor(
    options: Partial<SpectrumMonitorOptions> = {},
    readonly switchTo: { before: TrainMethod; after: TrainMethod } | null = null,
  ) {
    this.options = { ...DEFAULT_SPECTRUM_MONITOR, ...options };
    const { k, window, floor, afterEpoch } = this.options;
    if (!(k > 0) || !(Number.isInteger(window) && window >= 3) || !(floor >= 0) || !(afterEpoch >= 0)) {
      throw new NtkError('E_INVALID_ARGUMENT', 'SpectrumMonitor: k must be > 0, window an integer >= 3, floor >= 0, afterEpoch >= 0.', {
        options: this.options,
      });
    }
  }

  /** Feeds one check (it needs the adversarial kernel); returns the firing, if this check fired. */
  observe(check: KernelCheck): MonitorFiring | null {
    if (!check.adversarial) throw new NtkError('E_INVALID_ARGUMENT', 'SpectrumMonitor: the tracker must track the adversarial kernel.');
    if (check.epochFraction < this.options.afterEpoch - 1e-9) return null;
    const x = Math.log(check.adversarial.lambdaMax);
    const past = this.history.slice(-this.options.window);
    this.history.push(x);
    if (past.length < 3) return null;
    const mean = past.reduce((s, v) => s + v, 0) / past.length;
    const sd = Math.sqrt(past.reduce((s, v) => s + (v - mean) ** 2, 0) / (past.length - 1));
    if (Math.abs(x - mean) <= this.options.k * Math.max(sd, this.options.floor)) return null;
    const firing = { step: check.step, epochFraction: check.epochFraction, value: x, mean, sd };
    this.firings.push(firing);
    return firing;
  }

  /** The method of a step (for train's methodAt), when the monitor switches methods. */
  methodAt(_epochFraction: number): TrainMethod {
    if (!this.switchTo) throw new NtkError('E_INVALID_ARGUMENT', 'SpectrumMonitor: methodAt needs switchTo.');
    return this.firings.length ? this.switchTo.after : this.switchTo.before;
  }

  captureCheckpointPart(): CheckpointPart {
    return { state: { firings: this.firings }, arrays: { history: Float64Array.from(this.history) } };
  }

  restoreCheckpointPart(part: CheckpointPart): void {
    this.firings.splice(0, this.firings.length, ...(part.state as { firings: MonitorFiring[] }).firings);
    this.history.splice(0, this.history.length, ...(part.arrays.history ?? []));
  }
}

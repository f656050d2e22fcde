// Live kernel tracking during training: on a fixed probe set, at scheduled points (dense in the
// first epoch, then every epoch) compute the empirical NTK, optionally also on adversarial probe
// inputs, and write its metrics to the run log. Plugs into the trainers' step hook. Its state (every
// kernel so far, the schedule position, the attack RNG) rides in the model's checkpoints, so a
// resumed run (restore) logs the same kernel metrics as an uninterrupted one. With a held-out set,
// each check also scores the kernel machine of the probe kernel (src/ntk/predict.ts: the probes as
// training points) on the held-out images, clean and attacked against the network.

import type { Norm } from '../ops/attack_step.js';
import { PROBE_ATTACKS, probeThreat, runThreat, type ProbeAttack } from '../attacks/registry.js';
import { NtkError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { attachCheckpointPart, type CheckpointPart, type CheckpointPartSource, type TrainingCheckpoint } from './checkpoint.js';
import { requireChoice, resolveOptions } from '../options.js';
import { currentPlatform } from '../platform/index.js';
import { Rng, type RngState } from '../random/rng.js';
import type { LogRecord, RunLog } from '../io/runlog.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StepContext, TrainHooks } from './trainer.js';
import { empiricalNtk, type KernelKind, type NtkImplementation } from '../ntk/kernel.js';
import { kernelDistance, polarTrajectory, spectrumStats } from '../ntk/metrics.js';
import { accuracy, networkOutputs, predictWith, solveKernelMachine, type MachineOffset } from '../ntk/predict.js';

/** The kernels the tracker can follow (every kernel kind but the nC x nC `full`). */
export const TRACKED_KERNELS = ['trace', 'logit', 'sumLogits'] as const satisfies readonly Exclude<KernelKind, 'full'>[];

/** What an interval between checks after the first epoch may be: whole epochs, or an epoch split evenly. */
export const CHECK_INTERVAL_RULE = 'an integer >= 1 or 1/k for an integer k >= 2 (e.g. 0.25: four checks per epoch)';

/** Whether `every` (epochs between checks) follows CHECK_INTERVAL_RULE. */
export function isCheckInterval(every: unknown): boolean {
  if (typeof every !== 'number' || !(every > 0)) return false;
  return Number.isInteger(every) || (every < 1 && Math.abs(1 / every - Math.round(1 / every)) < 1e-9);
}

/** Options of a KernelTracker. */
export interface TrackerOptions {
  /** Checks inside the first epoch, as fractions of it (0 is the untrained model). */
  firstEpochFractions: number[];
  /** After the first epoch, check every this many epochs (at epoch ends). */
  everyEpochs: number;
  kind: Exclude<KernelKind, 'full'>;
  implementation: NtkImplementation;
  /**
   * Also track the adversarial-example kernel: probe inputs attacked with this threat of the threat
   * registry (null: clean only). PGD steps are stepFactor·eps, the same rule as training and evaluation use.
   */
  adversarial: { attack: ProbeAttack; eps: number; norm: Norm; steps: number; stepFactor: number } | null;
  /** Write each kernel matrix into its log record (n² numbers per check). */
  logKernels: boolean;
  seed: number;
}

/** Trace kernels at 0, 5, 10, 25, 50 and 75 % of the first epoch and at every epoch end, clean inputs only. */
export const DEFAULT_TRACKER: TrackerOptions = {
  firstEpochFractions: [0, 0.05, 0.1, 0.25, 0.5, 0.75],
  everyEpochs: 1,
  kind: 'trace',
  implementation: 'contraction',
  adversarial: null,
  logKernels: false,
  seed: 0,
};

/** The probe set on the device: x [n, ...], y [n] class indices (f32), and host labels. */
export interface ProbeTensors {
  x: Tensor;
  y: Tensor;
  labels: ArrayLike<number>;
}

/** One check's numbers (also the `type: "kernel"` log record without its `type`). */
export interface KernelCheck {
  step: number;
  epochFraction: number;
  /** Kernel distance 1 − S(K_0, K_t) to the first check's kernel. */
  distanceToInit: number;
  /** KD(K_prev, K_t) / Δepochs since the previous check (null at the first check). */
  velocity: number | null;
  lambdaMax: number;
  lambdaMin: number;
  trace: number;
  conditionNumber: number;
  topEnergy10: number;
  topEnergy20: number;
  effectiveRank: number;
  targetAlignment: number;
  /** (1ᵀK1 / n) / λ_max: near 1 when a mode common to every probe dominates (ntk/metrics.ts constantModeShare). */
  constantMode: number;
  /**
   * The kernel machine of this check's probe kernel (probes as its training points, ridge by
   * leave-one-out) on the held-out images: `kernel` with targets one-hot (f0 = 0: what the kernel
   * alone knows, Fort et al. 2020), `linearized` with targets one-hot − network outputs (the
   * linearized network). `adversarial`: on the held-out images attacked against the network (the
   * tracker's attack), null without one. Null without a held-out set.
   */
  regression: null | {
    heldOut: number;
    kernel: { clean: number; adversarial: number | null; ridge: number };
    linearized: { clean: number; adversarial: number | null; ridge: number };
  };
  /** Adversarial-example kernel: its spectrum and its distance to the clean kernel. */
  adversarial: null | {
    distanceToClean: number;
    lambdaMax: number;
    conditionNumber: number;
    topEnergy10: number;
    effectiveRank: number;
  };
  seconds: number;
}

/** The checkpoint part name of the tracker's state. */
export const TRACKER_PART = 'ntk';

/** Host memory the tracker may hold in kernels: 2 GiB (bounded before a run starts, by the recipe's validation). */
export const TRACKING_MEMORY_LIMIT = 2 ** 31;

/**
 * The host memory a run's tracker holds at its end, in bytes: it keeps every check's n x n float64
 * kernel (for the polar trajectory and the checkpoint), one check per first-epoch fraction and per
 * `everyEpochs` after it, plus the current clean and adversarial kernels and the eigen-solver's copy.
 */
export function trackingMemoryBytes(probes: number, epochs: number, everyEpochs: number): number {
  const checks = DEFAULT_TRACKER.firstEpochFractions.length + Math.ceil(epochs / everyEpochs);
  return (checks + 3) * probes * probes * 8;
}

/**
 * Follows the empirical NTK of a model on a fixed probe set during training (hooks() plugs it into
 * train()): each check computes the kernel (and optionally the adversarial-example kernel), its
 * spectrum and its distances to the first and previous kernels, and logs a `kernel` record.
 */
export class KernelTracker implements CheckpointPartSource {
  readonly options: TrackerOptions;
  readonly checks: KernelCheck[] = [];
  /** Called (and awaited) with every check after it is logged (e.g. KernelSwitch.observe, an event sink). */
  onCheck: ((check: KernelCheck) => void | Promise<void>) | null = null;
  private readonly kernels: Float64Array[] = [];
  private fractions: number[];
  private rng: Rng;

  /** Tracks `model` on `probe`, writing each check to `log` (null: in memory only). */
  constructor(
    readonly model: Model,
    readonly probe: ProbeTensors,
    readonly log: RunLog | null,
    options: Partial<TrackerOptions> = {},
    /** Held-out images for the kernel-regression metric (disjoint from the probes), or null. */
    readonly heldOut: ProbeTensors | null = null,
  ) {
    this.options = resolveOptions('KernelTracker', DEFAULT_TRACKER, options);
    requireChoice('KernelTracker', 'kind', this.options.kind, TRACKED_KERNELS);
    if (this.options.adversarial) requireChoice('KernelTracker', 'adversarial.attack', this.options.adversarial.attack, PROBE_ATTACKS);
    const fractions = this.options.firstEpochFractions;
    if (!fractions.every((f, i) => f >= 0 && f < 1 && (i === 0 || f > fractions[i - 1]))) {
      throw new NtkError('E_INVALID_ARGUMENT', `KernelTracker: option "firstEpochFractions" [${fractions}] must increase within [0, 1).`, {
        option: 'firstEpochFractions',
      });
    }
    if (!isCheckInterval(this.options.everyEpochs)) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `KernelTracker: option "everyEpochs" must be ${CHECK_INTERVAL_RULE}, got ${this.options.everyEpochs}.`,
        { option: 'everyEpochs' },
      );
    }
    if (probe.x.shape[0] < 2) throw new NtkError('E_SHAPE_MISMATCH', 'KernelTracker: the probe set needs at least 2 samples.');
    this.fractions = [...fractions];
    this.rng = new Rng(this.options.seed, 211);
    attachCheckpointPart(model, TRACKER_PART, this);
  }

  /** The state checkpoints of the model carry: every check and kernel so far, the schedule, the RNG. */
  captureCheckpointPart(): CheckpointPart {
    const { logKernels: _log, ...options } = this.options;
    return {
      // Checks without their timing, so checkpoints of equal runs are equal bytes.
      state: {
        options,
        probes: this.probe.x.shape[0],
        heldOut: this.heldOut?.x.shape[0] ?? 0,
        fractions: [...this.fractions],
        rng: this.rng.state(),
        checks: this.checks.map(({ seconds: _s, ...c }) => c),
      },
      arrays: Object.fromEntries(this.kernels.map((k, i) => [`kernel${i}`, k])),
    };
  }

  /**
   * Continues from a checkpoint of the tracked model (call instead of the first check when
   * resuming): E_CHECKPOINT_MISMATCH if it holds no tracker state or one of other options or probes.
   */
  restore(cp: TrainingCheckpoint): void {
    const part = cp.parts?.get(TRACKER_PART);
    const mismatch = (problem: string) =>
      new NtkError('E_CHECKPOINT_MISMATCH', `KernelTracker.restore: ${problem}; resume with the NTK options of the checkpointed run.`, {
        field: TRACKER_PART,
      });
    if (!part) throw mismatch('the checkpoint holds no kernel tracker state (it was written without NTK tracking)');
    const { logKernels: _log, ...options } = this.options;
    const state = part.state as {
      options: unknown;
      probes: number;
      heldOut?: number;
      fractions: number[];
      rng: RngState;
      checks: KernelCheck[];
    };
    if (JSON.stringify(state.options) !== JSON.stringify(options))
      throw mismatch(`its tracker options ${JSON.stringify(state.options)} differ from ${JSON.stringify(options)}`);
    if ((state.heldOut ?? 0) !== (this.heldOut?.x.shape[0] ?? 0))
      throw mismatch(`it scored kernel regression on ${state.heldOut ?? 0} held-out images, not ${this.heldOut?.x.shape[0] ?? 0}`);
    const n = this.probe.x.shape[0];
    const kernels = state.checks.map((_, i) => part.arrays[`kernel${i}`]);
    if (state.probes !== n || !kernels.every((k) => k?.length === n * n))
      throw mismatch(`its kernels are not ${n}x${n} (the probe set differs)`);
    this.checks.splice(0, this.checks.length, ...state.checks.map((c) => ({ ...c, seconds: NaN }))); // timing not kept
    this.kernels.splice(0, this.kernels.length, ...kernels);
    this.fractions = [...state.fractions];
    this.rng = Rng.fromState(state.rng);
  }

  /** Hooks for train(): checks run after the step that reaches each scheduled fraction. */
  hooks(): TrainHooks {
    return { onStep: (ctx: StepContext) => this.maybeCheck(ctx.epochFraction, ctx.step) };
  }

  /** Checks if a scheduled point is reached at `epochFraction` (call with 0 before training for K_0). */
  async maybeCheck(epochFraction: number, step: number): Promise<void> {
    if (epochFraction + 1e-9 < this.nextDue()) return;
    while (this.fractions.length > 0 && this.fractions[0] <= epochFraction + 1e-9) this.fractions.shift();
    await this.check(epochFraction, step);
  }

  /** The next scheduled fraction of the first epoch, else the next multiple of everyEpochs. */
  private nextDue(): number {
    if (this.fractions.length > 0) return this.fractions[0];
    const last = this.checks[this.checks.length - 1]?.epochFraction ?? 0;
    const every = this.options.everyEpochs;
    return (Math.floor(last / every + 1e-9) + 1) * every;
  }

  /** Computes the kernel(s) now and logs the metrics. */
  async check(epochFraction: number, step: number): Promise<KernelCheck> {
    const start = currentPlatform().now();
    const o = this.options;
    const kernel = (await empiricalNtk(this.model, this.probe.x, null, { kind: o.kind, implementation: o.implementation })).data;
    const stats = await spectrumStats(kernel, { labels: this.probe.labels, energyK: [10, 20] });
    const previous = this.checks[this.checks.length - 1];
    const check: KernelCheck = {
      step,
      epochFraction,
      distanceToInit: this.kernels.length ? kernelDistance(this.kernels[0], kernel) : 0,
      velocity:
        previous && epochFraction > previous.epochFraction
          ? kernelDistance(this.kernels[this.kernels.length - 1], kernel) / (epochFraction - previous.epochFraction)
          : null,
      lambdaMax: stats.lambdaMax,
      lambdaMin: stats.lambdaMin,
      trace: stats.trace,
      conditionNumber: stats.conditionNumber,
      topEnergy10: stats.topEnergy[10],
      topEnergy20: stats.topEnergy[20],
      effectiveRank: stats.effectiveRank,
      targetAlignment: stats.targetAlignment ?? NaN,
      constantMode: stats.constantMode,
      regression: this.heldOut ? await this.regressionCheck(kernel, this.heldOut) : null,
      adversarial: o.adversarial ? await this.adversarialCheck(kernel) : null,
      seconds: 0,
    };
    check.seconds = (currentPlatform().now() - start) / 1000;
    this.checks.push(check);
    this.kernels.push(kernel);
    const record: LogRecord = { type: 'kernel', kind: o.kind, probes: this.probe.x.shape[0], ...check };
    if (o.logKernels) record.kernel = Array.from(kernel);
    this.log?.write(record);
    await this.onCheck?.(check);
    return check;
  }

  /**
   * Polar dynamics over every check so far, with the last kernel as K_T: radius
   * ‖K_t − K_0‖/‖K_T − K_0‖ and angle arccos S(K_t, K_0). Logged as one `kernel-polar` record.
   */
  finish(): { epochFraction: number[]; radius: number[]; angle: number[] } | null {
    if (this.kernels.length < 2) return null;
    const { radius, angle } = polarTrajectory(this.kernels);
    const result = { epochFraction: this.checks.map((c) => c.epochFraction), radius: Array.from(radius), angle: Array.from(angle) };
    this.log?.write({ type: 'kernel-polar', ...result });
    return result;
  }

  /**
   * Kernel-regression accuracy of the probe kernel on the held-out images (clean, and attacked
   * against the network with the tracker's attack, from a generator seeded per check, so resuming
   * reproduces it and the probe attack's stream is untouched).
   */
  private async regressionCheck(kernel: Float64Array, heldOut: ProbeTensors): Promise<KernelCheck['regression']> {
    const o = this.options;
    const n = this.probe.x.shape[0];
    const C = this.model.classes;
    const inputs: Array<[Tensor, boolean]> = [[heldOut.x, false]];
    const a = o.adversarial;
    if (a) {
      inputs.push([await this.attack(heldOut.x, heldOut.y, new Rng(o.seed, 1000 + this.checks.length)), true]);
    }
    try {
      const f0 = await networkOutputs(this.model, this.probe.x);
      const fit = async (offset: MachineOffset) => {
        const residual = new Float64Array(n * C);
        for (let i = 0; i < n; i++)
          for (let c = 0; c < C; c++)
            residual[i * C + c] = (this.probe.labels[i] === c ? 1 : 0) - (offset === 'network' ? f0[i * C + c] : 0);
        // the tracker's n x n kernel (trace, logit or sumLogits) is shared by the classes, as the trace kernel is
        return {
          kind: 'trace' as const,
          offset,
          n,
          classes: C,
          ...(await solveKernelMachine(kernel, n, residual, 'loo')),
          seconds: { kernel: 0, solve: 0 },
        };
      };
      const machines = { kernel: await fit('zero'), linearized: await fit('network') };
      const scores = { kernel: [] as number[], linearized: [] as number[] };
      for (const [x] of inputs) {
        const cross = (await empiricalNtk(this.model, x, this.probe.x, { kind: o.kind, implementation: o.implementation })).data;
        const fx = await networkOutputs(this.model, x);
        for (const key of ['kernel', 'linearized'] as const)
          scores[key].push(accuracy(predictWith(machines[key], cross, fx, machines[key].alpha), heldOut.labels, C));
      }
      const result = (key: 'kernel' | 'linearized') => ({
        clean: scores[key][0],
        adversarial: scores[key][1] ?? null,
        ridge: machines[key].ridge,
      });
      return { heldOut: heldOut.x.shape[0], kernel: result('kernel'), linearized: result('linearized') };
    } finally {
      if (inputs.length > 1) inputs[1][0].dispose();
    }
  }

  /** x attacked with the tracker's threat (the threat registry's runner; BatchNorm in eval mode), drawing from `rng`. */
  private attack(x: Tensor, y: Tensor, rng: Rng): Promise<Tensor> {
    const a = this.options.adversarial as NonNullable<TrackerOptions['adversarial']>;
    return runThreat(probeThreat(a.attack, a.steps), {
      model: this.model,
      x,
      y,
      rng,
      eps: a.eps,
      norm: a.norm,
      bnMode: 'eval',
      pgdStepFactor: a.stepFactor,
    });
  }

  private async adversarialCheck(clean: Float64Array): Promise<KernelCheck['adversarial']> {
    const xAdv = await this.attack(this.probe.x, this.probe.y, this.rng);
    try {
      const kernel = (await empiricalNtk(this.model, xAdv, null, { kind: this.options.kind, implementation: this.options.implementation }))
        .data;
      const stats = await spectrumStats(kernel, { energyK: [10] });
      return {
        distanceToClean: kernelDistance(clean, kernel),
        lambdaMax: stats.lambdaMax,
        conditionNumber: stats.conditionNumber,
        topEnergy10: stats.topEnergy[10],
        effectiveRank: stats.effectiveRank,
      };
    } finally {
      xAdv.dispose();
    }
  }
}

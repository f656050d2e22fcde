// Clean and robust accuracy of a kernel machine beside its network (docs/METHODS.md, "The kernel machine"): on the
// network's own adversarial test points (each threat of a set, from the attack registry, and their
// per-sample worst case), for kernel regression and the linearized-GD predictors; and on points
// attacked against the kernel-regression predictor itself (PGD through KernelPredictor).

import type { Norm } from '../ops/attack_step.js';
import { runThreat, threatName, WORST_CASE, type Threat } from '../attacks/registry.js';
import { check } from '../errors.js';
import type { Model } from '../nn/model.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { empiricalNtk, sliceRows } from './kernel.js';
import { correctness, networkOutputs, predictWith, type KernelMachine } from './predict.js';
import { KernelPredictor } from './predict_attack.js';
import { currentPlatform } from '../platform/index.js';

/** Options of evaluateKernelMachine. */
export interface MachineEvalOptions {
  threats: Threat[];
  eps: number;
  norm: Norm;
  pgdStepFactor: number;
  /** Named weights besides kernel regression (e.g. linearized GD at t and at infinity), each m x q. */
  predictors: Record<string, Float64Array>;
  /** PGD against the kernel-regression predictor on `points` of the test points (spread evenly), or null. */
  ownAttack: { points: number; steps: number; batch: number; tau: number } | null;
  /** Samples per network attack batch. */
  batch: number;
  onProgress: ((stage: string, done: number, total: number) => void) | null;
}

/** What evaluateKernelMachine measures. Accuracies per threat name and `worst-case`. */
export interface MachineEvaluation {
  samples: number;
  network: Record<string, number>;
  /** Kernel regression and each named predictor. */
  machines: Record<string, Record<string, number>>;
  ownAttack: null | {
    points: number;
    steps: number;
    tau: number;
    /** Measured relative difference of the loss gradient at tau and tau/2 on the first batch's clean points. */
    gradientErrorBound: number;
    machineClean: number;
    machineRobust: number;
    /** The network on the points attacked against the kernel machine (transfer; correct clean and there). */
    networkOnThem: number;
    seconds: number;
  };
}

/** The kernel-regression predictor's name in MachineEvaluation.machines. */
export const KERNEL_REGRESSION = 'kernel-regression';

/**
 * Evaluates the machine (fitted on xTrain) and its network on test inputs x with labels y (device,
 * f32 class indices) and host `labels`.
 */
export async function evaluateKernelMachine(
  model: Model,
  machine: KernelMachine,
  xTrain: Tensor,
  test: { x: Tensor; y: Tensor; labels: ArrayLike<number> },
  rng: Rng,
  options: MachineEvalOptions,
): Promise<MachineEvaluation> {
  const o = options;
  const n = test.x.shape[0];
  const C = machine.classes;
  check(o.threats.length > 0, 'evaluateKernelMachine: option "threats" is empty.', { option: 'threats' });
  const weights: Record<string, Float64Array> = { [KERNEL_REGRESSION]: machine.alpha, ...o.predictors };
  const network: Record<string, number> = {};
  const machines: Record<string, Record<string, number>> = Object.fromEntries(Object.keys(weights).map((k) => [k, {}]));
  const worstNet = new Array<boolean>(n).fill(true);
  const cleanRight: Record<string, boolean[]> = {}; // per predictor, set by the clean threat (sorted first)
  let cleanNet: boolean[] = [];
  const worst: Record<string, boolean[]> = Object.fromEntries(Object.keys(weights).map((k) => [k, new Array<boolean>(n).fill(true)]));
  const fraction = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;
  // as in evaluate(): a threat's accuracy counts a sample correct clean AND under the threat
  const threats = [...(o.threats.some((t) => t.kind === 'clean') ? [] : [{ kind: 'clean' } as Threat]), ...o.threats].sort(
    (a, b) => (a.kind === 'clean' ? 0 : 1) - (b.kind === 'clean' ? 0 : 1),
  );
  for (const [t, threat] of threats.entries()) {
    const name = threatName(threat);
    const x =
      threat.kind === 'clean'
        ? test.x
        : await attackInBatches(model, threat, test, rng, o, (done) => o.onProgress?.(`network attack ${name}`, done, n));
    try {
      const f0 = await networkOutputs(model, x);
      const netRight = correctness(f0, test.labels, C);
      const cross = (await empiricalNtk(model, x, xTrain, { kind: machine.kind })).data;
      if (threat.kind === 'clean') cleanNet = netRight;
      network[name] = fraction(netRight.map((r, i) => r && cleanNet[i]));
      netRight.forEach((r, i) => (worstNet[i] &&= r));
      for (const [key, alpha] of Object.entries(weights)) {
        const right = correctness(predictWith(machine, cross, f0, alpha), test.labels, C);
        if (threat.kind === 'clean') cleanRight[key] = right;
        machines[key][name] = fraction(right.map((r, i) => r && cleanRight[key][i]));
        right.forEach((r, i) => (worst[key][i] &&= r));
      }
    } finally {
      if (x !== test.x) x.dispose();
    }
    o.onProgress?.('kernel on threat points', t + 1, threats.length);
  }
  network[WORST_CASE] = fraction(worstNet);
  for (const key of Object.keys(weights)) machines[key][WORST_CASE] = fraction(worst[key]);
  const ownAttack = o.ownAttack ? await attackMachine(model, machine, xTrain, test, rng, o, o.ownAttack) : null;
  return { samples: n, network, machines, ownAttack };
}

/** The threat's adversarial examples of all test points, `batch` at a time, as one tensor. */
async function attackInBatches(
  model: Model,
  threat: Threat,
  test: { x: Tensor; y: Tensor },
  rng: Rng,
  o: MachineEvalOptions,
  progress: (done: number) => void,
): Promise<Tensor> {
  const n = test.x.shape[0];
  const rowBytes = test.x.bytes / n;
  const out = Tensor.empty(model.gpu, test.x.shape);
  try {
    for (let start = 0; start < n; start += o.batch) {
      const count = Math.min(o.batch, n - start);
      const x = sliceRows(test.x, start, count);
      const y = sliceRows(test.y, start, count);
      const adv = await runThreat(threat, { model, x, y, rng, eps: o.eps, norm: o.norm, bnMode: 'eval', pgdStepFactor: o.pgdStepFactor });
      model.gpu.copy(adv.buffer, 0, out.buffer, start * rowBytes, count * rowBytes);
      [x, y].forEach((t) => t.dispose());
      if (adv !== x) adv.dispose();
      progress(start + count);
    }
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  }
}

/** PGD against the kernel-regression predictor on `points` test points spread evenly over the set. */
async function attackMachine(
  model: Model,
  machine: KernelMachine,
  xTrain: Tensor,
  test: { x: Tensor; labels: ArrayLike<number> },
  rng: Rng,
  o: MachineEvalOptions,
  a: NonNullable<MachineEvalOptions['ownAttack']>,
): Promise<MachineEvaluation['ownAttack']> {
  const n = test.x.shape[0];
  const points = Math.min(a.points, n);
  check(
    Number.isInteger(points) && points >= 1 && a.steps >= 1 && a.tau > 0,
    `evaluateKernelMachine: ownAttack needs points >= 1, steps >= 1 and tau > 0, got ${JSON.stringify(a)}.`,
    { option: 'ownAttack' },
  );
  const start = currentPlatform().now();
  const C = machine.classes;
  const picks = Array.from({ length: points }, (_, i) => Math.floor((i * n) / points));
  const labels = picks.map((i) => test.labels[i]);
  const rowBytes = test.x.bytes / n;
  const x = Tensor.empty(model.gpu, [points, ...test.x.shape.slice(1)]);
  const adv = Tensor.empty(model.gpu, x.shape);
  try {
    picks.forEach((i, k) => model.gpu.copy(test.x.buffer, i * rowBytes, x.buffer, k * rowBytes, rowBytes));
    const predictor = await KernelPredictor.create(model, machine, xTrain);
    const first = sliceRows(x, 0, Math.min(a.batch, points));
    const gradientErrorBound = await predictor.gradientErrorBound(first, labels.slice(0, first.shape[0]), a.tau);
    first.dispose();
    const total = points * a.steps;
    for (let b = 0; b < points; b += a.batch) {
      const count = Math.min(a.batch, points - b);
      const xb = sliceRows(x, b, count);
      const advB = await predictor.pgd(
        xb,
        labels.slice(b, b + count),
        rng,
        { eps: o.eps, norm: o.norm, steps: a.steps, stepSize: o.pgdStepFactor * o.eps, tau: a.tau },
        (step) => o.onProgress?.('PGD against the kernel machine', b * a.steps + count * step, total),
      );
      model.gpu.copy(advB.buffer, 0, adv.buffer, b * rowBytes, count * rowBytes);
      [xb, advB].forEach((t) => t.dispose());
    }
    const accuracyOn = async (inputs: Tensor) => {
      const f0 = await networkOutputs(model, inputs);
      const cross = (await empiricalNtk(model, inputs, xTrain, { kind: machine.kind })).data;
      const right = correctness(predictWith(machine, cross, f0, machine.alpha), labels, C);
      return { machine: right, network: correctness(f0, labels, C) };
    };
    const clean = await accuracyOn(x);
    const attacked = await accuracyOn(adv);
    const share = (flags: boolean[]) => flags.filter(Boolean).length / points;
    // robust: correct clean and attacked, as in evaluate()
    const robust = {
      machine: share(attacked.machine.map((r, i) => r && clean.machine[i])),
      network: share(attacked.network.map((r, i) => r && clean.network[i])),
    };
    return {
      points,
      steps: a.steps,
      tau: a.tau,
      gradientErrorBound,
      machineClean: share(clean.machine),
      machineRobust: robust.machine,
      networkOnThem: robust.network,
      seconds: (currentPlatform().now() - start) / 1000,
    };
  } finally {
    [x, adv].forEach((t) => t.dispose());
  }
}

// `ntk-at ntk --checkpoint C --predict`: the kernel machine of the checkpoint's empirical NTK
// (src/ntk/predict.ts) fitted on N training images of its run, evaluated on M test images beside
// the network: clean, under the run's threats (the network's own adversarial points) and their
// worst case, and under PGD against the kernel machine itself. Prints a table and writes JSON.

import { threatName } from '../../attacks/registry.js';
import { uploadBatch } from '../../data/batching.js';
import { selectProbeSet } from '../../data/probe.js';
import { NtkError } from '../../errors.js';
import { fitKernelMachine, gradientDescentWeights, type KernelMachine } from '../../ntk/predict.js';
import { DEFAULT_TAU } from '../../ntk/predict_attack.js';
import { evaluateKernelMachine, KERNEL_REGRESSION, type MachineEvaluation } from '../../ntk/predict_eval.js';
import { Rng } from '../../random/rng.js';
import { recipeThreats } from '../../run/recipe.js';
import { loadRunData } from '../../run/data.js';
import { storedRun } from '../../run/stored_run.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { parseChoice, requireCount, type OptionSpec, type ParsedOptions } from '../args.js';
import { gpuFromOptions, type CommandIo } from '../command.js';
import { progressCallback } from '../progress.js';
import { commandThreatModel, modelFromCheckpoint, parseThreats } from './evaluate.js';

/** The options `ntk --predict` adds to `ntk`. */
export const PREDICT_OPTIONS: Record<string, OptionSpec> = {
  predict: {
    type: 'flag',
    description:
      "fit the kernel machine of the checkpoint's eNTK and report its clean and robust accuracy beside the network's (writes JSON)",
  },
  'train-points': {
    type: 'number',
    description: "--predict: training images of the kernel machine (from the run's training images, the same number per class)",
    default: 2000,
  },
  'test-points': {
    type: 'number',
    description: "--predict: test images (from the run's test images, the same number per class)",
    default: 1000,
  },
  ridge: {
    type: 'string',
    description: '--predict: ridge lambda >= 0, or loo (chosen by leave-one-out over (trace K/n)·10^e, e = -6, -5.5, ..., 2)',
    default: 'loo',
  },
  offset: {
    type: 'string',
    description:
      '--predict: f0, what the one-hot targets are centred on: network (the outputs at the checkpoint, as neural-tangents) | zero (plain kernel regression)',
    default: 'network',
  },
  eta: { type: 'number', description: "--predict: learning rate of the linearized GD prediction (default: the run's)" },
  'gd-steps': {
    type: 'number',
    description: "--predict: time t of the linearized GD prediction, in optimizer steps (default: the run's steps)",
  },
  threats: {
    type: 'string',
    description: "--predict: the network's attacks whose points the kernel machine is scored on (default: the run's evaluation threats)",
  },
  'kernel-attack-points': {
    type: 'number',
    description: '--predict: test images attacked against the kernel machine itself (0: none)',
    default: 200,
  },
  'kernel-attack-steps': { type: 'number', description: '--predict: PGD steps against the kernel machine', default: 10 },
};

/** The kernel machine's settings from the `ntk --predict` options, checked. */
function machineSettings(options: ParsedOptions) {
  const kind = parseChoice(String(options.kind), 'kind', ['trace', 'full'] as const);
  const offset = parseChoice(String(options.offset), 'offset', ['network', 'zero'] as const);
  const ridge = options.ridge === 'loo' ? ('loo' as const) : Number(options.ridge);
  if (ridge !== 'loo' && !(Number.isFinite(ridge) && ridge >= 0))
    throw new NtkError('E_INVALID_ARGUMENT', `--ridge must be a number >= 0 or loo, got "${options.ridge}".`, { option: 'ridge' });
  return {
    kind,
    offset,
    ridge,
    trainPoints: requireCount(options['train-points'], 'train-points'),
    testPoints: requireCount(options['test-points'], 'test-points'),
    attackPoints: requireCount(options['kernel-attack-points'], 'kernel-attack-points', 0),
    attackSteps: requireCount(options['kernel-attack-steps'], 'kernel-attack-steps'),
  };
}

/** The fields of the written record the table prints. */
interface MachineRecord {
  kind: string;
  offset: string;
  epoch: number;
  trainPoints: number;
  testPoints: number;
  train: string;
  test: string;
  ridgeChoice: string;
  eta: number;
  time: number;
  accuracy: Record<string, unknown>;
  seconds: { total: number };
}

/** The printed table: accuracy of the network and each predictor per threat, the attack on the machine, and the times. */
function machineTable(record: MachineRecord, evaluation: MachineEvaluation, machine: KernelMachine, gd: string, out: string): string {
  const rows = ['network', KERNEL_REGRESSION, gd, 'linearized-gd-infinity'];
  const columns = Object.keys(evaluation.network);
  const acc = record.accuracy as Record<string, Record<string, number>>;
  const own = evaluation.ownAttack;
  return [
    `kernel machine of the ${record.kind} eNTK, checkpoint epoch ${record.epoch}: ${record.trainPoints} training images (${record.train}), ${record.testPoints} test images (${record.test})`,
    `  targets one-hot - f0 (f0 = ${record.offset === 'network' ? "the network's outputs" : '0'}); ridge ${machine.ridge.toPrecision(4)} (${record.ridgeChoice}); linearized GD with eta ${record.eta}, t ${record.time} steps and t -> infinity`,
    `  ${''.padEnd(26)}${columns.map((c) => c.padStart(11)).join('')}`,
    ...rows.map((r) => `  ${r.padEnd(26)}${columns.map((c) => `${(100 * acc[r][c]).toFixed(1)}%`.padStart(11)).join('')}`),
    own
      ? `  PGD-${own.steps} against the kernel machine (${own.points} test images, central difference tau ${own.tau}, measured gradient error bound ${own.gradientErrorBound.toExponential(2)}): ` +
        `kernel machine ${(100 * own.machineClean).toFixed(1)}% clean -> ${(100 * own.machineRobust).toFixed(1)}% robust; the network on those points ${(100 * own.networkOnThem).toFixed(1)}% (${own.seconds.toFixed(0)} s)`
      : '  (no attack against the kernel machine: --kernel-attack-points 0)',
    `  time ${record.seconds.total.toFixed(0)} s (K(X, X) and f0 ${machine.seconds.kernel.toFixed(0)} s, eigendecomposition and ridge ${machine.seconds.solve.toFixed(1)} s)`,
    `wrote ${out}.json`,
  ].join('\n');
}

/** Runs `ntk --predict` (options already parsed by `ntk`). */
export async function runPredict(options: ParsedOptions, io: CommandIo): Promise<void> {
  if (typeof options.checkpoint !== 'string') {
    throw new NtkError('E_INVALID_ARGUMENT', '--checkpoint <file> is required (a checkpoint.safetensors written by ntk-at train).', {
      option: 'checkpoint',
    });
  }
  for (const flag of ['blocks', 'block', 'plan'] as const) {
    if (options[flag] !== undefined)
      throw new NtkError('E_INVALID_ARGUMENT', `--predict fits one kernel machine in this process; it does not take --${flag}.`, {
        option: flag,
      });
  }
  const { kind, offset, ridge, trainPoints, testPoints, attackPoints, attackSteps } = machineSettings(options);
  const checkpoint = io.platform.cli.absolutePath ? io.platform.cli.absolutePath(options.checkpoint) : options.checkpoint;
  const cp = await loadCheckpoint(checkpoint, io.platform);
  const { recipe, model: built } = storedRun(cp.config, checkpoint);
  const {
    threat: { norm, eps, stepFactor },
    line,
  } = commandThreatModel(recipe, options);
  io.err(line);
  const threats = options.threats === undefined ? recipeThreats(recipe) : parseThreats(String(options.threats));
  const eta = options.eta === undefined ? recipe.training.lr : Number(options.eta);
  const time = options['gd-steps'] === undefined ? cp.step : Number(options['gd-steps']);
  if (!(eta > 0 && Number.isFinite(eta)) || !(time >= 0 && Number.isFinite(time))) {
    throw new NtkError('E_INVALID_ARGUMENT', `--eta must be > 0 and --gd-steps >= 0 (finite), got ${eta} and ${time}.`, {
      option: options.eta === undefined ? 'gd-steps' : 'eta',
    });
  }
  const data = await loadRunData(recipe.data, io.platform);
  if (data.notice) io.err(`notice: ${data.notice}`);
  const C = data.train.classes.length;
  const per = (count: number, flag: string) => {
    if (count % C !== 0)
      throw new NtkError('E_INVALID_ARGUMENT', `--${flag} ${count} must be a multiple of the ${C} classes (the same number per class).`, {
        option: flag,
      });
    return count / C;
  };
  const seed = options.seed === undefined ? recipe.data.seed : requireCount(options.seed, 'seed', 0);
  const trainSet = selectProbeSet(data.train, { perClass: per(trainPoints, 'train-points'), seed });
  const testSet = selectProbeSet(data.test, { perClass: per(testPoints, 'test-points'), seed });
  const out = typeof options.out === 'string' ? options.out : `${checkpoint.replace(/[^/]*$/, '')}kernel-machine-${kind}`;
  const gpu = await gpuFromOptions(options, io);
  try {
    const model = modelFromCheckpoint(gpu, built, cp, checkpoint);
    const train = uploadBatch(gpu, trainSet.dataset);
    const test = uploadBatch(gpu, testSet.dataset);
    try {
      const start = io.platform.now();
      io.err(
        `fitting the ${kind} kernel machine on ${trainPoints} training images (K is ${kind === 'full' ? trainPoints * C : trainPoints}², eigendecomposition in float64)...`,
      );
      const machine = await fitKernelMachine(model, train.x, Array.from(train.labels), { kind, offset, ridge });
      const gd = `linearized-gd-t${time}`;
      const predictors = {
        [gd]: gradientDescentWeights(machine, eta, time),
        'linearized-gd-infinity': gradientDescentWeights(machine, eta, Infinity),
      };
      const progress = new Map<string, ReturnType<typeof progressCallback>>();
      const evaluation = await evaluateKernelMachine(model, machine, train.x, test, new Rng(seed, 223), {
        threats,
        eps,
        norm,
        pgdStepFactor: stepFactor,
        predictors,
        batch: 200,
        ownAttack: attackPoints > 0 ? { points: attackPoints, steps: attackSteps, batch: 200, tau: DEFAULT_TAU } : null,
        onProgress: (stage, done, total) => {
          if (!progress.has(stage)) progress.set(stage, progressCallback(stage, io.progress, io.platform.now));
          progress.get(stage)!(done, total);
        },
      });
      const seconds = (io.platform.now() - start) / 1000;
      const record = {
        format: 'ntk-at-kernel-machine/1',
        checkpoint,
        epoch: cp.epoch,
        kind,
        offset,
        trainPoints,
        testPoints,
        train: trainSet.dataset.name,
        test: testSet.dataset.name,
        threatModel: { norm, eps, pgdStepFactor: stepFactor },
        threats: threats.map(threatName),
        ridge: machine.ridge,
        ridgeChoice: ridge === 'loo' ? 'leave-one-out' : 'given',
        loo: machine.loo,
        eta,
        time,
        lambdaMax: machine.values[0],
        lambdaMin: machine.values[machine.values.length - 1],
        accuracy: { network: evaluation.network, ...evaluation.machines },
        ownAttack: evaluation.ownAttack,
        seconds: { total: seconds, kernel: machine.seconds.kernel, solve: machine.seconds.solve },
      };
      const bytes = new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`);
      await io.platform.writeFileAtomic(`${out}.json`, bytes);
      if (options.json === true) {
        io.out(JSON.stringify(record, null, 2));
        return;
      }
      io.out(machineTable(record, evaluation, machine, gd, out));
    } finally {
      [train, test].forEach((b) => b.dispose());
      model.dispose();
    }
  } finally {
    gpu.destroy();
  }
}

// `ntk-at ntk --checkpoint <file>`: the empirical NTK of a trained model on a probe set drawn from
// its run's data (the run stored in the checkpoint): trace, full, single-logit or sum-of-logits
// kernel, on clean or adversarial inputs (PGD or FGSM in the run's threat model unless flags say
// otherwise). Writes the kernel as .npy (float64) and safetensors (float32, with the probe labels),
// prints its spectrum.
// A kernel too large for one job: `--blocks B --block i,j` computes one block, `--blocks B --plan DIR`
// plans every block as a job array, and `ntk-at experiment collect DIR` assembles them.
// `--predict`: the kernel machine of the kernel instead (ntk_predict.ts).

import { PROBE_ATTACKS, probeThreat, runThreat } from '../../attacks/registry.js';
import { uploadBatch } from '../../data/batching.js';
import { selectProbeSet, type ProbeSet } from '../../data/probe.js';
import { NtkError } from '../../errors.js';
import { blockRecord, KERNEL_BLOCKS, writeBlock, writeKernelPlan, type KernelPlan } from '../../experiments/kernel_blocks.js';
import { refuseOtherPlan } from '../../experiments/plan.js';
import { crc32Hex } from '../../io/crc32.js';
import { blockRange, parseBlock } from '../../ntk/blocks.js';
import { checkKernelSize, empiricalNtk, KERNEL_KINDS, NTK_IMPLEMENTATIONS, sliceRows, type KernelKind } from '../../ntk/kernel.js';
import { writeKernelFiles } from '../../ntk/kernel_files.js';
import { spectrumStats } from '../../ntk/metrics.js';
import { Rng } from '../../random/rng.js';
import { loadRunData } from '../../run/data.js';
import { storedRun } from '../../run/stored_run.js';
import { withDirectoryLock } from '../../run/run_lock.js';
import type { BuiltModelRecipe } from '../../run/models.js';
import type { Norm } from '../../ops/attack_step.js';
import { loadCheckpoint, type TrainingCheckpoint } from '../../train/checkpoint.js';
import { parseChoice, requireCount, type ParsedOptions } from '../args.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command, type CommandIo } from '../command.js';
import { planInstructions, slurmOptionSpecs, slurmOptions } from '../slurm.js';
import { commandThreatModel, modelFromCheckpoint, THREAT_MODEL_OPTIONS } from './evaluate.js';
import { PREDICT_OPTIONS, runPredict } from './ntk_predict.js';

const INPUTS = ['clean', ...PROBE_ATTACKS] as const;
const SOURCES = ['validation', 'test'] as const;

function withoutExtension(path: string): string {
  return path.replace(/\.safetensors$/, '');
}

/** Everything that fixes a kernel, validated, with the probe set chosen; no device touched yet. */
interface KernelRequest {
  checkpoint: string;
  cp: TrainingCheckpoint;
  built: BuiltModelRecipe;
  kind: KernelKind;
  logit: number;
  inputs: (typeof INPUTS)[number];
  implementation: (typeof NTK_IMPLEMENTATIONS)[number];
  eps: number;
  steps: number;
  stepFactor: number;
  norm: Norm;
  seed: number;
  probe: ProbeSet;
  /** Kernel rows per probe sample: the classes for `full`, else 1. */
  rowsPerSample: number;
  /** The options as `ntk-at ntk` arguments, canonical: what a block task runs with. */
  args: string[];
  /** CRC-32 of the probe indices: blocks of one kernel must share it. */
  probeDigest: string;
  /** CRC-32 of the checkpoint file: blocks of one kernel must share it (a block task refuses other bytes). */
  checkpointDigest: string;
}

async function resolveRequest(options: ParsedOptions, io: CommandIo): Promise<KernelRequest> {
  if (typeof options.checkpoint !== 'string') {
    throw new NtkError('E_INVALID_ARGUMENT', '--checkpoint <file> is required (a checkpoint.safetensors written by ntk-at train).', {
      option: 'checkpoint',
    });
  }
  const kind = parseChoice(String(options.kind), 'kind', KERNEL_KINDS);
  const inputs = parseChoice(String(options.inputs), 'inputs', INPUTS);
  const implementation = parseChoice(String(options.implementation), 'implementation', NTK_IMPLEMENTATIONS);
  const perClass = requireCount(options['probe-per-class'], 'probe-per-class');
  const steps = requireCount(options['pgd-steps'], 'pgd-steps');
  const logit = requireCount(options.logit, 'logit', 0);
  const checkpoint = io.platform.cli.absolutePath ? io.platform.cli.absolutePath(options.checkpoint) : options.checkpoint;
  const cp = await loadCheckpoint(checkpoint, io.platform);
  const checkpointDigest = cp.digest as string; // loadCheckpoint sets it
  if (options['checkpoint-digest'] !== undefined && options['checkpoint-digest'] !== checkpointDigest) {
    throw new NtkError(
      'E_CHECKPOINT_MISMATCH',
      `${checkpoint} has CRC-32 ${checkpointDigest}, not the ${String(options['checkpoint-digest'])} of the plan this block belongs to: ` +
        'the checkpoint was replaced after planning, and this block would not fit the others. Plan the kernel again (ntk --plan) into a new directory.',
      { option: 'checkpoint-digest' },
    );
  }
  const { recipe, model: built } = storedRun(cp.config, checkpoint);
  const {
    threat: { norm, eps, stepFactor },
    line,
  } = commandThreatModel(recipe, options);
  if (inputs !== 'clean') io.err(line);
  const seed = options.seed === undefined ? recipe.data.seed : requireCount(options.seed, 'seed', 0);
  const data = await loadRunData(recipe.data, io.platform);
  if (data.notice) io.err(`notice: ${data.notice}`);
  const from =
    options.source === undefined ? (data.validation ? 'validation' : 'test') : parseChoice(String(options.source), 'source', SOURCES);
  const pool = from === 'validation' ? data.validation : data.test;
  if (!pool)
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      '--source validation: the run has no validation images (data.validationSize 0); use --source test.',
      { option: 'source' },
    );
  const order = perClass * pool.classes.length * (kind === 'full' ? pool.classes.length : 1);
  checkKernelSize(order, order, `ntk --kind ${kind} --probe-per-class ${perClass}`); // the whole kernel (a blocked one is assembled whole), before the device
  const probe = selectProbeSet(pool, { perClass, seed });
  const args = [
    '--checkpoint',
    checkpoint,
    '--kind',
    kind,
    '--logit',
    String(logit),
    '--inputs',
    inputs,
    '--norm',
    norm,
    '--eps',
    String(eps),
    '--pgd-step-factor',
    String(stepFactor),
    '--pgd-steps',
    String(steps),
    '--source',
    from,
    '--probe-per-class',
    String(perClass),
    '--implementation',
    implementation,
    '--seed',
    String(seed),
    '--checkpoint-digest',
    checkpointDigest,
  ];
  const probeDigest = crc32Hex([new Uint8Array(probe.indices.buffer, probe.indices.byteOffset, probe.indices.byteLength)]);
  return {
    checkpoint,
    cp,
    built,
    kind,
    logit,
    inputs,
    implementation,
    eps,
    steps,
    stepFactor,
    norm,
    seed,
    probe,
    rowsPerSample: kind === 'full' ? pool.classes.length : 1,
    args,
    probeDigest,
    checkpointDigest,
  };
}

/** The metadata of a kernel's safetensors file. */
function kernelMetadata(r: KernelRequest): Record<string, string> {
  return {
    format: 'ntk-at-kernel/1',
    kind: r.kind,
    logit: String(r.logit),
    inputs: r.inputs,
    norm: r.norm,
    eps: String(r.eps),
    stepFactor: String(r.stepFactor),
    probes: String(r.probe.indices.length),
    source: r.probe.dataset.name,
    checkpoint: r.checkpoint,
    epoch: String(r.cp.epoch),
    implementation: r.implementation,
    ordering: r.kind === 'full' ? 'sample-major: row i*C + c is sample i, logit c' : 'row i is probe sample i (labels tensor)',
  };
}

/** Spectrum statistics of a written kernel, printed as text or JSON (`ntk-at ntk` and `experiment collect`). */
export async function printKernel(
  io: CommandIo,
  json: boolean,
  kernel: { rows: number; cols: number; data: Float64Array },
  labels: readonly number[] | undefined,
  heading: string,
  extra: Record<string, unknown>,
  files: string[],
): Promise<void> {
  const stats = await spectrumStats(kernel.data, { labels: labels ? Array.from(labels) : undefined, energyK: [10, 20] });
  const summary = {
    ...extra,
    rows: kernel.rows,
    cols: kernel.cols,
    lambdaMax: stats.lambdaMax,
    lambdaMin: stats.lambdaMin,
    trace: stats.trace,
    conditionNumber: stats.conditionNumber,
    topEnergy10: stats.topEnergy[10],
    topEnergy20: stats.topEnergy[20],
    effectiveRank: stats.effectiveRank,
    negativeEigenvalues: stats.negativeCount,
    targetAlignment: stats.targetAlignment,
    files,
  };
  io.out(
    json
      ? JSON.stringify(summary, null, 2)
      : [
          `${heading}, ${kernel.rows}x${kernel.cols}:`,
          `  lambda_max ${stats.lambdaMax.toPrecision(6)}  lambda_min ${stats.lambdaMin.toPrecision(6)}  trace ${stats.trace.toPrecision(6)}`,
          `  condition number ${stats.conditionNumber.toPrecision(6)}  effective rank ${stats.effectiveRank.toFixed(2)}  E_10 ${stats.topEnergy[10].toFixed(4)}  E_20 ${stats.topEnergy[20].toFixed(4)}`,
          `  kernel-target alignment ${stats.targetAlignment === null ? '-' : stats.targetAlignment.toFixed(4)}  negative eigenvalues ${stats.negativeCount}`,
          `wrote ${files.join(' and ')}`,
        ].join('\n'),
  );
}

/** `--blocks B --plan DIR`: one task per block (i <= j), the manifest, slurm.sbatch and run-local.sh. */
async function planBlocks(r: KernelRequest, blocks: number, options: ParsedOptions, io: CommandIo): Promise<void> {
  const cli = io.platform.cli;
  if (!cli.selfCommand || !cli.absolutePath)
    throw new NtkError('E_INVALID_ARGUMENT', 'ntk --plan: run it from Node or Deno (the scripts it writes start this program).');
  const dir = cli.absolutePath(String(options.plan));
  const labels = Array.from(r.probe.dataset.labels);
  const plan: KernelPlan = {
    args: r.args,
    blocks,
    probes: labels.length,
    rowsPerSample: r.rowsPerSample,
    labels,
    probeDigest: r.probeDigest,
    checkpointDigest: r.checkpointDigest,
    metadata: kernelMetadata(r),
  };
  const self = cli.selfCommand();
  const tasks = await withDirectoryLock(io.platform, dir, async () => {
    await refuseOtherPlan(io.platform, dir, { experiment: KERNEL_BLOCKS, kernel: plan }, options.overwrite === true);
    return writeKernelPlan(io.platform, dir, plan, slurmOptions(options), self);
  });
  io.out(
    `${r.kind} kernel of ${labels.length} ${r.inputs} probes in ${blocks} x ${blocks} blocks: ${tasks.length} tasks (blocks i <= j) planned in ${dir}.\n` +
      planInstructions(dir),
  );
}

export const ntkCommand: Command = {
  summary: 'compute the empirical NTK of a checkpoint on a probe set: write .npy and safetensors, print its spectrum',
  examples: [
    'ntk-at ntk --checkpoint runs/pgd/checkpoint.safetensors --inputs pgd   # the adversarial-example kernel',
    'ntk-at ntk --checkpoint runs/pgd/checkpoint.safetensors --probe-per-class 500 --blocks 4 --plan runs/k   # 10 block jobs; then experiment collect runs/k',
    "ntk-at ntk --checkpoint runs/pgd/checkpoint.safetensors --predict --train-points 2000 --test-points 1000   # the kernel machine's clean and robust accuracy",
  ],
  options: {
    checkpoint: { type: 'string', description: 'checkpoint.safetensors written by ntk-at train (required)' },
    kind: { type: 'string', description: `${KERNEL_KINDS.join(' | ')} (full: nC x nC, sample-major: row i·C + c)`, default: 'trace' },
    logit: { type: 'number', description: 'the logit of --kind logit', default: 0 },
    inputs: {
      type: 'string',
      description: `${INPUTS.join(' | ')}: the kernel of clean probes or of their adversarial examples`,
      default: 'clean',
    },
    ...THREAT_MODEL_OPTIONS,
    'pgd-steps': { type: 'number', description: 'PGD steps of --inputs pgd', default: 10 },
    source: {
      type: 'string',
      description: "probe images from the run's validation or test images (default: validation if the run has one)",
    },
    'probe-per-class': { type: 'number', description: 'probe images per class', default: 10 },
    implementation: { type: 'string', description: NTK_IMPLEMENTATIONS.join(' | '), default: 'contraction' },
    seed: { type: 'number', description: "seed of the probe choice (default: the run's data seed) and the PGD start" },
    'checkpoint-digest': {
      type: 'string',
      description:
        "refuse unless the checkpoint file's CRC-32 is this (a plan's block tasks carry it, so no block is computed from a replaced checkpoint)",
    },
    out: {
      type: 'string',
      description:
        'output path prefix: writes <out>.npy and <out>.safetensors, or <out>.npy and <out>.json for --block (default: next to the checkpoint, ntk-<kind>-<inputs>)',
    },
    json: { type: 'flag', description: 'print the spectrum statistics as JSON' },
    blocks: { type: 'number', description: 'cut the probe set into B parts: the kernel is B x B blocks (with --block or --plan)' },
    block: { type: 'string', description: 'i,j: compute only block K(X_i, X_j), 0 <= i <= j < B' },
    plan: {
      type: 'string',
      description:
        'DIR: plan every block i <= j as a task (Slurm job array and run-local.sh); assemble with `ntk-at experiment collect DIR`',
    },
    overwrite: { type: 'flag', description: 'with --plan: replace a plan of another kernel (or experiment) in DIR (refused otherwise)' },
    ...slurmOptionSpecs('2 CPUs, 8G, 04:00:00, no GPU'),
    ...PREDICT_OPTIONS,
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    if (options.predict === true) return runPredict(options, io);
    const blocks = options.blocks === undefined ? null : requireCount(options.blocks, 'blocks');
    if (
      (options.block !== undefined || options.plan !== undefined) !== (blocks !== null) ||
      (options.block !== undefined && options.plan !== undefined)
    ) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        '--blocks B goes with either --block i,j (compute one block) or --plan DIR (plan every block), and they need --blocks.',
        { option: 'blocks' },
      );
    }
    const block = blocks !== null && options.block !== undefined ? parseBlock(String(options.block), blocks) : null;
    const r = await resolveRequest(options, io);
    const n = r.probe.indices.length;
    if (blocks !== null && blocks > n)
      throw new NtkError('E_INVALID_ARGUMENT', `--blocks ${blocks} is more than the ${n} probes; use at most ${n}.`, { option: 'blocks' });
    if (blocks !== null && options.plan !== undefined) return planBlocks(r, blocks, options, io);
    const base =
      typeof options.out === 'string' ? options.out : `${withoutExtension(r.checkpoint).replace(/[^/]*$/, '')}ntk-${r.kind}-${r.inputs}`;
    const out = block && typeof options.out !== 'string' ? `${base}-block-${block[0]}-${block[1]}` : base;
    const cut = out.lastIndexOf('/');
    await withDirectoryLock(io.platform, cut > 0 ? out.slice(0, cut) : cut === 0 ? '/' : '.', () =>
      computeKernel(r, options, io, out, blocks, block),
    );
  },
};

/** Computes the kernel (or one block of it) of a validated request and writes it to `out` (the caller holds its directory's lock). */
async function computeKernel(
  r: KernelRequest,
  options: ParsedOptions,
  io: CommandIo,
  out: string,
  blocks: number | null,
  block: [number, number] | null,
): Promise<void> {
  const n = r.probe.indices.length;
  const gpu = await gpuFromOptions(options, io);
  try {
    const model = modelFromCheckpoint(gpu, r.built, r.cp, r.checkpoint);
    const batch = uploadBatch(gpu, r.probe.dataset);
    try {
      // The whole probe set is attacked, also for one block, so every block sees the same adversarial inputs.
      const x =
        r.inputs === 'clean'
          ? batch.x
          : await runThreat(probeThreat(r.inputs, r.steps), {
              model,
              x: batch.x,
              y: batch.y,
              rng: new Rng(r.seed, 211),
              eps: r.eps,
              norm: r.norm,
              bnMode: 'eval',
              pgdStepFactor: r.stepFactor,
            });
      const labels = Array.from(batch.labels);
      const start = io.platform.now();
      if (block && blocks !== null) {
        const [rows, cols] = [blockRange(n, blocks, block[0]), blockRange(n, blocks, block[1])];
        const x1 = sliceRows(x, rows.start, rows.count);
        const x2 = block[0] === block[1] ? null : sliceRows(x, cols.start, cols.count);
        const kernel = await empiricalNtk(model, x1, x2, { kind: r.kind, logit: r.logit, implementation: r.implementation });
        x1.dispose();
        x2?.dispose();
        const seconds = (io.platform.now() - start) / 1000;
        const plan = {
          args: r.args,
          blocks,
          probes: n,
          rowsPerSample: r.rowsPerSample,
          probeDigest: r.probeDigest,
          checkpointDigest: r.checkpointDigest,
        };
        await writeBlock(io.platform, out, blockRecord(plan, block, seconds), kernel.data);
        io.out(
          `block ${block[0]},${block[1]} of ${blocks}: ${r.kind} kernel of ${r.inputs} probes ${rows.start}..${rows.start + rows.count - 1} x ${cols.start}..${cols.start + cols.count - 1}, ` +
            `${kernel.rows}x${kernel.cols} (${seconds.toFixed(1)} s); wrote ${out}.npy and ${out}.json`,
        );
      } else {
        const kernel = await empiricalNtk(model, x, null, { kind: r.kind, logit: r.logit, implementation: r.implementation });
        const seconds = (io.platform.now() - start) / 1000;
        const files = await writeKernelFiles(io.platform, out, kernel, labels, kernelMetadata(r));
        await printKernel(
          io,
          options.json === true,
          kernel,
          r.kind === 'full' ? undefined : labels,
          `${r.kind} kernel of ${r.inputs} probes (${n} from ${r.probe.dataset.name}), checkpoint epoch ${r.cp.epoch} (${seconds.toFixed(1)} s)`,
          { kind: r.kind, inputs: r.inputs, probes: n, source: r.probe.dataset.name, seconds },
          files,
        );
      }
      if (x !== batch.x) x.dispose();
    } finally {
      batch.dispose();
      model.dispose();
    }
  } finally {
    gpu.destroy();
  }
}

// `ntk-at ntk --checkpoint <file>`: the empirical NTK of a trained model on a probe set drawn from
// its run's data (the recipe stored in the checkpoint): trace, full, single-logit or sum-of-logits
// kernel, on clean or adversarial inputs (PGD or FGSM at the run's eps and step factor). Writes the
// kernel as .npy (float64) and safetensors (float32, with the probe labels), prints its spectrum.

import { pgd } from '../../attacks/pgd.js';
import { uploadBatch } from '../../data/batching.js';
import { selectProbeSet } from '../../data/probe.js';
import { NtkError } from '../../errors.js';
import { encodeNpy } from '../../io/npy.js';
import { encodeSafetensors } from '../../io/safetensors.js';
import { empiricalNtk, KERNEL_KINDS, NTK_IMPLEMENTATIONS } from '../../ntk/kernel.js';
import { spectrumStats } from '../../ntk/metrics.js';
import { Rng } from '../../random/rng.js';
import { loadRunData } from '../../run/data.js';
import { storedRecipe } from '../../run/orchestrator.js';
import type { BuiltModelRecipe } from '../../run/models.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { parseChoice, parseFraction, requireCount } from '../args.js';
import { ADAPTER_OPTION, gpuFromOptions, type Command } from '../command.js';
import { modelFromCheckpoint } from './evaluate.js';

const INPUTS = ['clean', 'pgd', 'fgsm'] as const;
const SOURCES = ['validation', 'test'] as const;

function withoutExtension(path: string): string {
  return path.replace(/\.safetensors$/, '');
}

export const ntkCommand: Command = {
  summary: 'compute the empirical NTK of a checkpoint on a probe set: write .npy and safetensors, print its spectrum',
  examples: [
    'ntk-at ntk --checkpoint runs/pgd/checkpoint.safetensors --inputs pgd   # the adversarial-example kernel',
  ],
  options: {
    checkpoint: { type: 'string', description: 'checkpoint.safetensors written by ntk-at train (required)' },
    kind: { type: 'string', description: `${KERNEL_KINDS.join(' | ')} (full: nC x nC, sample-major: row i·C + c)`, default: 'trace' },
    logit: { type: 'number', description: 'the logit of --kind logit', default: 0 },
    inputs: { type: 'string', description: `${INPUTS.join(' | ')}: the kernel of clean probes or of their adversarial examples`, default: 'clean' },
    eps: { type: 'string', description: 'attack radius for --inputs pgd|fgsm (default: the run\'s eps)' },
    'pgd-steps': { type: 'number', description: 'PGD steps of --inputs pgd', default: 10 },
    source: { type: 'string', description: 'probe images from the run\'s validation or test images (default: validation if the run has one)' },
    'probe-per-class': { type: 'number', description: 'probe images per class', default: 10 },
    implementation: { type: 'string', description: NTK_IMPLEMENTATIONS.join(' | '), default: 'contraction' },
    seed: { type: 'number', description: 'seed of the probe choice (default: the run\'s data seed) and the PGD start' },
    out: { type: 'string', description: 'output path prefix: writes <out>.npy and <out>.safetensors (default: next to the checkpoint, ntk-<kind>-<inputs>)' },
    json: { type: 'flag', description: 'print the spectrum statistics as JSON' },
    adapter: ADAPTER_OPTION,
  },
  async run(options, io) {
    if (typeof options.checkpoint !== 'string') {
      throw new NtkError('E_INVALID_ARGUMENT', '--checkpoint <file> is required (a checkpoint.safetensors written by ntk-at train).', { option: 'checkpoint' });
    }
    const kind = parseChoice(String(options.kind), 'kind', KERNEL_KINDS);
    const inputs = parseChoice(String(options.inputs), 'inputs', INPUTS);
    const implementation = parseChoice(String(options.implementation), 'implementation', NTK_IMPLEMENTATIONS);
    const perClass = requireCount(options['probe-per-class'], 'probe-per-class');
    const steps = requireCount(options['pgd-steps'], 'pgd-steps');
    const logit = requireCount(options.logit, 'logit', 0);
    const source = options.checkpoint;
    const cp = await loadCheckpoint(source, io.platform);
    const recipe = storedRecipe(cp.config, source);
    const built = (cp.config.run as { model?: BuiltModelRecipe } | undefined)?.model;
    if (!built) throw new NtkError('E_CHECKPOINT_MISMATCH', `${source}: no model recipe (config.run.model) stored.`, { source });
    const eps = options.eps === undefined ? recipe.training.attack.eps : parseFraction(String(options.eps), 'eps');
    if (!(eps >= 0 && (eps <= 1 || recipe.training.attack.norm === 'l2'))) throw new NtkError('E_INVALID_ARGUMENT', `--eps must be in [0, 1] (l-inf, pixel units), got ${eps}.`, { option: 'eps' });
    const seed = options.seed === undefined ? recipe.data.seed : requireCount(options.seed, 'seed', 0);
    const data = await loadRunData(recipe.data, io.platform);
    if (data.notice) io.err(`notice: ${data.notice}`);
    const from = options.source === undefined ? (data.validation ? 'validation' : 'test') : parseChoice(String(options.source), 'source', SOURCES);
    const pool = from === 'validation' ? data.validation : data.test;
    if (!pool) throw new NtkError('E_INVALID_ARGUMENT', '--source validation: the run has no validation images (data.validationSize 0); use --source test.', { option: 'source' });
    const probe = selectProbeSet(pool, { perClass, seed });
    const out = typeof options.out === 'string' ? options.out : `${withoutExtension(source).replace(/[^/]*$/, '')}ntk-${kind}-${inputs}`;
    const gpu = await gpuFromOptions(options, io);
    try {
      const model = modelFromCheckpoint(gpu, built, cp, source);
      const batch = uploadBatch(gpu, pool, probe.indices);
      try {
        const attack = { eps, norm: recipe.training.attack.norm, bnMode: 'eval' as const };
        const rng = new Rng(seed, 211);
        const x = inputs === 'clean' ? batch.x // fgsm: one step of eps from x, as the threat registry runs it
          : inputs === 'fgsm' ? pgd(model, batch.x, batch.y, rng, { ...attack, steps: 1, stepSize: eps, start: 'zero' })
          : pgd(model, batch.x, batch.y, rng, { ...attack, steps, stepSize: recipe.training.attack.stepFactor * eps });
        const start = io.platform.now();
        const kernel = await empiricalNtk(model, x, null, { kind, logit, implementation });
        const seconds = (io.platform.now() - start) / 1000;
        if (x !== batch.x) x.dispose();
        const labels = Array.from(batch.labels);
        const stats = await spectrumStats(kernel.data, { labels: kind === 'full' ? undefined : labels, energyK: [10, 20] });
        const meta = {
          format: 'ntk-at-kernel/1', kind, logit: String(logit), inputs, eps: String(eps), probes: String(probe.indices.length),
          source: probe.dataset.name, checkpoint: source, epoch: String(cp.epoch), implementation,
          ordering: kind === 'full' ? 'sample-major: row i*C + c is sample i, logit c' : 'row i is probe sample i (labels tensor)',
        };
        await io.platform.writeFileAtomic(`${out}.npy`, encodeNpy(kernel.data, [kernel.rows, kernel.cols]));
        await io.platform.writeFileAtomic(`${out}.safetensors`, encodeSafetensors({
          tensors: new Map([
            ['kernel', { shape: [kernel.rows, kernel.cols], data: Float32Array.from(kernel.data) }],
            ['labels', { shape: [labels.length], data: Float32Array.from(labels) }],
          ]),
          metadata: meta,
        }));
        const summary = {
          kind, inputs, rows: kernel.rows, cols: kernel.cols, probes: probe.indices.length, source: probe.dataset.name, seconds,
          lambdaMax: stats.lambdaMax, lambdaMin: stats.lambdaMin, trace: stats.trace, conditionNumber: stats.conditionNumber,
          topEnergy10: stats.topEnergy[10], topEnergy20: stats.topEnergy[20], effectiveRank: stats.effectiveRank,
          negativeEigenvalues: stats.negativeCount, targetAlignment: stats.targetAlignment, files: [`${out}.npy`, `${out}.safetensors`],
        };
        io.out(options.json ? JSON.stringify(summary, null, 2) : [
          `${kind} kernel of ${inputs} probes (${probe.indices.length} from ${probe.dataset.name}), ${kernel.rows}x${kernel.cols}, checkpoint epoch ${cp.epoch} (${seconds.toFixed(1)} s):`,
          `  lambda_max ${stats.lambdaMax.toPrecision(6)}  lambda_min ${stats.lambdaMin.toPrecision(6)}  trace ${stats.trace.toPrecision(6)}`,
          `  condition number ${stats.conditionNumber.toPrecision(6)}  effective rank ${stats.effectiveRank.toFixed(2)}  E_10 ${stats.topEnergy[10].toFixed(4)}  E_20 ${stats.topEnergy[20].toFixed(4)}`,
          `  kernel-target alignment ${stats.targetAlignment === null ? '-' : stats.targetAlignment.toFixed(4)}  negative eigenvalues ${stats.negativeCount}`,
          `wrote ${out}.npy (float64) and ${out}.safetensors (float32 kernel + labels)`,
        ].join('\n'));
      } finally {
        batch.dispose();
        model.dispose();
      }
    } finally {
      gpu.destroy();
    }
  },
};

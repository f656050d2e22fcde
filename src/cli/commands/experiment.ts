// `ntk-at experiment <name>`: runs one of the study's experiments (a grid of `ntk-at train` runs,
// each in a child process of this CLI, `--jobs` at a time), skipping runs that already finished,
// and writes the comparison report (report.md, report.html, plots, report.json) into --out.

import { NtkError } from '../../errors.js';
import { EXPERIMENTS } from '../../experiments/table.js';
import { DEFAULT_EXPERIMENT, runExperiment, type ExperimentOptions } from '../../experiments/runner.js';
import { SCALES, type Scale } from '../../experiments/experiment.js';
import { collectKernel, KERNEL_BLOCKS } from '../../experiments/kernel_blocks.js';
import { collectExperiment, readManifest, refuseOtherPlan, writePlan } from '../../experiments/plan.js';
import { withDirectoryLock } from '../../run/run_lock.js';
import { writeKernelFiles } from '../../ntk/kernel_files.js';
import { overlayRecipes } from '../../run/recipe.js';
import { parseChoice, requireCount } from '../args.js';
import type { ParsedOptions } from '../args.js';
import type { Command, CommandIo } from '../command.js';
import { missingLines, planInstructions, slurmOptionSpecs, slurmOptions } from '../slurm.js';
import { printKernel } from './ntk.js';
import { CONFIG_FILE_LIMIT } from './train.js';

export const experimentCommand: Command = {
  summary: "run one of the study's experiments (runs x seeds) and write its comparison report",
  positional: {
    name: 'name',
    many: true,
    description: `${Object.keys(EXPERIMENTS).join(' | ')}; or \`plan <name>\` (task files, run-local.sh and a Slurm job array in --out) or \`collect DIR\` (the report of a plan's finished runs)`,
  },
  options: {
    seeds: { type: 'number', description: 'seeds per variant (0, 1, ...)', default: DEFAULT_EXPERIMENT.seeds },
    scale: {
      type: 'string',
      description: 'small (Fashion-MNIST, minutes on a CPU) | paper (CIFAR-10, PreAct-ResNet-18; for a GPU)',
      default: DEFAULT_EXPERIMENT.scale,
    },
    config: {
      type: 'string',
      description: 'JSON file: {"recipe": {"training": {"epochs": 6}, ...} (changes to every run\'s recipe), "variants": ["name", ...]}',
    },
    jobs: { type: 'number', description: 'runs at a time (child processes)', default: DEFAULT_EXPERIMENT.jobs },
    out: { type: 'string', description: 'experiment directory (default runs/experiments/<name>); finished runs in it are kept' },
    partial: { type: 'flag', description: 'start no run: report the runs that finished and list the missing ones', default: false },
    overwrite: {
      type: 'flag',
      description: 'plan: replace a plan of another experiment or other options in --out (refused otherwise)',
      default: false,
    },
    'mixed-versions': {
      type: 'flag',
      description: 'allow runs made by different code versions in one grid (the report lists them)',
      default: false,
    },
    'data-dir': {
      type: 'string',
      description: 'directory of the data files for every run (--scale paper: the CIFAR-10 cifar-10-batches-bin directory, required)',
    },
    ...slurmOptionSpecs('2 CPUs, 4G, 02:00:00, no GPU at --scale small; 8 CPUs, 32G, 24:00:00, 1 GPU at --scale paper'),
  },
  async run(options, io) {
    const names = Array.isArray(options.name) ? options.name.map(String) : [];
    const sub = names[0] === 'plan' || names[0] === 'collect' ? names.shift() : null;
    if (names.length > 1)
      throw new NtkError('E_INVALID_ARGUMENT', `experiment: one name expected, got ${names.join(' ')}.`, { option: 'name' });
    if (sub === 'collect') return collect(names[0], options['mixed-versions'] === true, io);
    const name = names[0] ?? '';
    if (!name)
      throw new NtkError('E_INVALID_ARGUMENT', `experiment: name one of ${Object.keys(EXPERIMENTS).join(', ')}.`, { option: 'name' });
    let config: ExperimentOptions['config'] = {};
    if (typeof options.config === 'string') {
      const path = options.config;
      let text: string;
      try {
        text = new TextDecoder().decode(await io.platform.readFile(path, CONFIG_FILE_LIMIT));
      } catch (e) {
        if (e instanceof NtkError) throw e; // a device, a pipe or a file over the bound
        throw new NtkError('E_IO', `--config: cannot read ${path}: ${(e as Error).message}.`, { option: 'config' });
      }
      try {
        config = JSON.parse(text) as ExperimentOptions['config'];
      } catch (e) {
        throw new NtkError('E_INVALID_ARGUMENT', `--config ${path} is not JSON: ${(e as Error).message}.`, { option: 'config' });
      }
      if (typeof config !== 'object' || config === null || Array.isArray(config)) {
        throw new NtkError('E_INVALID_ARGUMENT', `--config ${path} must hold a JSON object: {"recipe": {...}, "variants": [...]}.`, {
          option: 'config',
        });
      }
      const extra = Object.keys(config).filter((k) => k !== 'recipe' && k !== 'variants');
      if (extra.length)
        throw new NtkError(
          'E_INVALID_ARGUMENT',
          `--config ${path}: unknown keys ${extra.join(', ')}; use "recipe" (changes to every run's recipe) and "variants".`,
          { option: 'config' },
        );
    }
    config = withDataDir(config, options, String(options.scale));
    if (sub === 'plan') return plan(name, options, config, io);
    const spawn = io.platform.cli.spawnSelf;
    if (!spawn)
      throw new NtkError('E_INVALID_ARGUMENT', 'experiment: this runtime cannot start child processes; run it from Node or Deno.');
    const o: ExperimentOptions = {
      scale: parseChoice(String(options.scale), 'scale', SCALES) as Scale,
      seeds: requireCount(options.seeds, 'seeds'),
      jobs: requireCount(options.jobs, 'jobs'),
      partial: options.partial === true,
      mixedVersions: options['mixed-versions'] === true,
      out: typeof options.out === 'string' ? options.out : `runs/experiments/${name}`,
      config,
    };
    const start = io.platform.now();
    const result = await withDirectoryLock(io.platform, o.out, () =>
      runExperiment(
        name,
        o,
        io.platform,
        (args, output) => spawn(args, output),
        (line) => io.err(line),
      ),
    );
    const minutes = ((io.platform.now() - start) / 60000).toFixed(1);
    io.out(
      `experiment ${name}: ${result.runs.length} runs (${result.started.length} run now) in ${minutes} min; report: ${result.reportDir}/report.html (and report.md, report.json)`,
    );
  },
};

/**
 * The config with --data-dir as every run's data directory; at paper scale (CIFAR-10, whose files no
 * package ships) a data directory is required, and refused before anything is planned or run.
 */
function withDataDir(config: ExperimentOptions['config'], options: ParsedOptions, scale: string): ExperimentOptions['config'] {
  const dir = typeof options['data-dir'] === 'string' ? options['data-dir'] : (config.recipe?.data?.dir ?? undefined);
  if (scale === 'paper' && dir === undefined) {
    throw new NtkError(
      'E_INVALID_ARGUMENT',
      "experiment --scale paper trains on CIFAR-10: give its binary version's directory with --data-dir DIR (cifar-10-batches-bin).",
      { option: 'data-dir' },
    );
  }
  return dir === undefined ? config : { ...config, recipe: overlayRecipes(config.recipe ?? {}, { data: { dir } }) };
}

/** `experiment plan <name> --out DIR`: task files, manifest, run-local.sh and slurm.sbatch. */
async function plan(name: string, options: ParsedOptions, config: ExperimentOptions['config'], io: CommandIo): Promise<void> {
  const cli = io.platform.cli;
  if (!cli.selfCommand || !cli.absolutePath)
    throw new NtkError('E_INVALID_ARGUMENT', 'experiment plan: run it from Node or Deno (the scripts it writes start this program).');
  if (typeof options.out !== 'string')
    throw new NtkError('E_INVALID_ARGUMENT', 'experiment plan: name the plan directory with --out DIR.', { option: 'out' });
  const o: ExperimentOptions = {
    scale: parseChoice(String(options.scale), 'scale', SCALES) as Scale,
    seeds: requireCount(options.seeds, 'seeds'),
    jobs: 1,
    out: cli.absolutePath(options.out),
    config,
  };
  const self = cli.selfCommand();
  const tasks = await withDirectoryLock(io.platform, o.out, async () => {
    await refuseOtherPlan(
      io.platform,
      o.out,
      { experiment: name, options: { scale: o.scale, seeds: o.seeds, config: o.config } },
      options.overwrite === true,
    );
    return writePlan(io.platform, name, o, slurmOptions(options), self);
  });
  io.out(
    `experiment ${name}: ${tasks.length} runs planned in ${o.out} (runs/0..${tasks.length - 1}.json, manifest.json).\n` +
      planInstructions(o.out),
  );
}

/** `experiment collect DIR`: the report of the finished runs, and the list of the others. */
async function collect(dir: string | undefined, mixedVersions: boolean, io: CommandIo): Promise<void> {
  if (!dir) throw new NtkError('E_INVALID_ARGUMENT', 'experiment collect: name the plan directory (collect DIR).', { option: 'name' });
  await withDirectoryLock(io.platform, dir, () => collectLocked(dir, mixedVersions, io));
}

async function collectLocked(dir: string, mixedVersions: boolean, io: CommandIo): Promise<void> {
  if ((await readManifest(io.platform, dir)).experiment === KERNEL_BLOCKS) return collectBlocks(dir, io);
  const result = await collectExperiment(io.platform, dir, mixedVersions);
  for (const line of missingLines(dir, result.missing)) io.out(line);
  if (!result.reported)
    throw new NtkError(
      'E_RUN_FAILED',
      `experiment collect: none of the ${result.missing.length} runs in ${dir} has finished yet; nothing to report.`,
    );
  io.out(
    `experiment ${result.name}: ${result.runs.length} of ${result.runs.length + result.missing.length} runs finished; report: ${dir}/report.html (and report.md, report.json)` +
      (result.missing.length ? '; PARTIAL: collect again after the missing runs finish.' : ''),
  );
}

/** `experiment collect DIR` of a kernel-block plan: the assembled kernel and its spectrum, or the missing blocks. */
async function collectBlocks(dir: string, io: CommandIo): Promise<void> {
  const result = await collectKernel(io.platform, dir);
  for (const line of missingLines(dir, result.missing)) io.out(line);
  const { plan, kernel } = result;
  if (!kernel) {
    throw new NtkError(
      'E_RUN_FAILED',
      `experiment collect: ${result.missing.length} of ${result.missing.length + result.blocks} kernel blocks in ${dir} have not finished; ` +
        'nothing assembled. Collect again after they finish (resubmit the missing tasks).',
      { path: dir },
    );
  }
  const files = await writeKernelFiles(io.platform, `${dir}/kernel`, kernel, plan.labels, {
    ...plan.metadata,
    blocks: String(plan.blocks),
  });
  await printKernel(
    io,
    false,
    kernel,
    plan.metadata.kind === 'full' ? undefined : plan.labels,
    `${plan.metadata.kind} kernel of ${plan.metadata.inputs} probes (${plan.probes} from ${plan.metadata.source}) assembled from ${result.blocks} blocks`,
    { blocks: plan.blocks },
    files,
  );
}

// `ntk-at experiment <name>`: runs one of the study's experiments (a grid of `ntk-at train` runs,
// each in a child process of this CLI, `--jobs` at a time), skipping runs that already finished,
// and writes the comparison report (report.md, report.html, plots, report.json) into --out.

import { NtkError } from '../../errors.js';
import { EXPERIMENTS } from '../../experiments/table.js';
import { DEFAULT_EXPERIMENT, runExperiment, type ExperimentOptions } from '../../experiments/runner.js';
import { SCALES, type Scale } from '../../experiments/experiment.js';
import { parseChoice, requireCount } from '../args.js';
import type { Command } from '../command.js';

export const experimentCommand: Command = {
  summary: 'run one of the study\'s experiments (runs x seeds) and write its comparison report',
  positional: { name: 'name', description: Object.keys(EXPERIMENTS).join(' | ') },
  options: {
    seeds: { type: 'number', description: 'seeds per variant (0, 1, ...)', default: DEFAULT_EXPERIMENT.seeds },
    scale: { type: 'string', description: 'small (Fashion-MNIST, minutes on a CPU) | paper (CIFAR-10, PreAct-ResNet-18; for a GPU)', default: DEFAULT_EXPERIMENT.scale },
    config: { type: 'string', description: 'JSON file: {"train": {"epochs": 6, ...} (options for every run), "variants": ["name", ...]}' },
    jobs: { type: 'number', description: 'runs at a time (child processes)', default: DEFAULT_EXPERIMENT.jobs },
    out: { type: 'string', description: 'experiment directory (default runs/experiments/<name>); finished runs in it are kept' },
    full: { type: 'flag', description: 'the full grid (bn-estimators: every combination of switches)', default: false },
    partial: { type: 'flag', description: 'start no run: report the runs that finished and list the missing ones', default: false },
  },
  async run(options, io) {
    const name = typeof options.name === 'string' ? options.name : '';
    if (!name) throw new NtkError('E_INVALID_ARGUMENT', `experiment: name one of ${Object.keys(EXPERIMENTS).join(', ')}.`, { option: 'name' });
    let config: ExperimentOptions['config'] = {};
    if (typeof options.config === 'string') {
      const path = options.config;
      let text: string;
      try {
        text = new TextDecoder().decode(await io.platform.readFile(path));
      } catch (e) {
        throw new NtkError('E_IO', `--config: cannot read ${path}: ${(e as Error).message}.`, { option: 'config' });
      }
      try {
        config = JSON.parse(text) as ExperimentOptions['config'];
      } catch (e) {
        throw new NtkError('E_INVALID_ARGUMENT', `--config ${path} is not JSON: ${(e as Error).message}.`, { option: 'config' });
      }
      const extra = Object.keys(config).filter((k) => k !== 'train' && k !== 'variants');
      if (extra.length) throw new NtkError('E_INVALID_ARGUMENT', `--config ${path}: unknown keys ${extra.join(', ')}; use "train" and "variants".`, { option: 'config' });
    }
    const spawn = io.platform.cli.spawnSelf;
    if (!spawn) throw new NtkError('E_INVALID_ARGUMENT', 'experiment: this runtime cannot start child processes; run it from Node or Deno.');
    const o: ExperimentOptions = {
      scale: parseChoice(String(options.scale), 'scale', SCALES) as Scale,
      seeds: requireCount(options.seeds, 'seeds'),
      jobs: requireCount(options.jobs, 'jobs'),
      full: options.full === true,
      partial: options.partial === true,
      out: typeof options.out === 'string' ? options.out : `runs/experiments/${name}`,
      config,
    };
    const start = io.platform.now();
    const result = await runExperiment(name, o, io.platform, (args, output) => spawn(args, output), (line) => io.err(line));
    const minutes = ((io.platform.now() - start) / 60000).toFixed(1);
    io.out(`experiment ${name}: ${result.runs.length} runs (${result.started.length} run now) in ${minutes} min; report: ${result.reportDir}/report.html (and report.md, report.json)`);
  },
};

// `ntk-at report <run dir>...`: with one run, rebuilds its report.md, report.html and plots from its
// log.jsonl alone (e.g. after `ntk-at evaluate --log` added an evaluation); with several, writes a
// comparison report (overlaid curves, final metrics per run and per variant) into a new directory.

import { NtkError } from '../../errors.js';
import { compareRuns } from '../../report/compare.js';
import { writeReport } from '../../report/document.js';
import { RUN_SECTIONS } from '../../report/kernel_report.js';
import { parseRunLog, type LogRecord } from '../../io/runlog.js';
import { trainingReport } from '../../report/training_report.js';
import type { Command, CommandIo } from '../command.js';

/** Default directory of a comparison: runs/compare-<UTC timestamp>. */
function defaultCompareDir(): string {
  return `runs/compare-${new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z')}`;
}

const normalizeDir = (dir: string): string => dir.replace(/\/+$/, '').replace(/^(\.\/)+/, '') || '.';

async function readRunLog(io: CommandIo, dir: string): Promise<LogRecord[]> {
  const path = `${dir}/log.jsonl`;
  let text: string;
  try {
    text = new TextDecoder().decode(await io.platform.readFile(path));
  } catch (e) {
    throw new NtkError('E_IO', `cannot read ${path}: ${(e as Error).message}. Is ${dir} a run directory of ntk-at train?`, { path });
  }
  const records = parseRunLog(text, path); // E_DATA_FORMAT naming the bad line
  if (records.length === 0) throw new NtkError('E_DATA_FORMAT', `${path} holds no records; is the run still starting?`, { file: path });
  return records;
}

/** Run names for legends: each directory's last component, or the whole path where two would clash. */
function runNames(dirs: string[]): string[] {
  const base = dirs.map((d) => d.split('/').at(-1) as string);
  return dirs.map((d, i) => (base.filter((b) => b === base[i]).length > 1 ? d : base[i]));
}

export const reportCommand: Command = {
  summary: "regenerate a run's report from its log.jsonl, or compare several runs in one report",
  examples: [
    "ntk-at report runs/pgd                                # rebuild one run's report",
    'ntk-at report runs/pgd runs/fgsm-rs --out runs/compare  # compare runs',
  ],
  positional: { name: 'run', description: 'run directories (holding log.jsonl); two or more make a comparison report', many: true },
  options: {
    out: {
      type: 'string',
      description: 'where to write the report (default: the run directory; for a comparison, runs/compare-<timestamp>)',
    },
    labels: {
      type: 'string',
      description:
        'comparison: comma list of variant labels, one per run (runs with equal labels are seeds of one variant; default: from the config minus the seed)',
    },
    title: { type: 'string', description: 'comparison: report title' },
  },
  async run(options, io) {
    const dirs = ((options.run as string[] | undefined) ?? []).map(normalizeDir);
    if (dirs.length === 0) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        'report: name the run directory, e.g. `ntk-at report runs/<run>`, or several to compare them.',
        { option: 'run' },
      );
    }
    const repeated = dirs.find((d, i) => dirs.indexOf(d) !== i);
    if (repeated) throw new NtkError('E_INVALID_ARGUMENT', `report: ${repeated} is named twice; name each run once.`, { option: 'run' });
    const labels = typeof options.labels === 'string' ? options.labels.split(',').map((s) => s.trim()) : undefined;
    if (labels && (dirs.length < 2 || labels.length !== dirs.length || labels.some((l) => l === ''))) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `report: --labels needs one non-empty label per run (${dirs.length} runs, ${labels.length} labels) and at least two runs.`,
        { option: 'labels' },
      );
    }
    if (options.title !== undefined && dirs.length < 2) {
      throw new NtkError('E_INVALID_ARGUMENT', 'report: --title applies to a comparison of two or more runs.', { option: 'title' });
    }
    const logs: LogRecord[][] = [];
    for (const dir of dirs) logs.push(await readRunLog(io, dir));
    if (dirs.length === 1) {
      const out = typeof options.out === 'string' ? options.out : dirs[0];
      await writeReport(io.platform, out, trainingReport(logs[0], RUN_SECTIONS));
      io.out(`wrote ${out}/report.md and ${out}/report.html from ${logs[0].length} records of ${dirs[0]}/log.jsonl`);
      return;
    }
    const out = normalizeDir(typeof options.out === 'string' ? options.out : defaultCompareDir());
    const holdsRun =
      dirs.includes(out) ||
      (await io.platform.readFile(`${out}/log.jsonl`).then(
        () => true,
        () => false,
      ));
    if (holdsRun) {
      throw new NtkError(
        'E_INVALID_ARGUMENT',
        `report: --out ${out} is a run directory; a comparison would overwrite its own report. Choose another --out.`,
        { option: 'out' },
      );
    }
    const names = runNames(dirs);
    const report = compareRuns(
      logs.map((records, i) => ({ name: names[i], records, ...(labels ? { variant: labels[i] } : {}) })),
      typeof options.title === 'string' ? { title: options.title } : {},
    );
    await writeReport(io.platform, out, report);
    io.out(`wrote ${out}/report.md and ${out}/report.html comparing ${dirs.length} runs (${report.plots.length} figures)`);
  },
};

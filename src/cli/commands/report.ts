// `ntk-at report <run dir>`: rebuilds report.md, report.html and the plots of a run from its
// log.jsonl alone (e.g. after `ntk-at evaluate --log` added an evaluation).

import { NtkError } from '../../errors.js';
import { writeReport } from '../../report/document.js';
import { parseRunLog } from '../../report/runlog.js';
import { RUN_SECTIONS } from '../../report/kernel_report.js';
import { trainingReport } from '../../report/training_report.js';
import type { Command } from '../command.js';

export const reportCommand: Command = {
  summary: "regenerate a run's report.md and report.html from its log.jsonl",
  positional: { name: 'run', description: 'the run directory (holding log.jsonl)' },
  options: {
    out: { type: 'string', description: 'where to write the report (default: the run directory)' },
  },
  async run(options, io) {
    if (typeof options.run !== 'string') {
      throw new NtkError('E_INVALID_ARGUMENT', 'report: name the run directory, e.g. `ntk-at report runs/<run>`.', { option: 'run' });
    }
    const path = `${options.run}/log.jsonl`;
    let text: string;
    try {
      text = new TextDecoder().decode(await io.platform.readFile(path));
    } catch (e) {
      throw new NtkError('E_IO', `cannot read ${path}: ${(e as Error).message}. Is ${options.run} a run directory of ntk-at train?`, { path });
    }
    const records = parseRunLog(text, path); // E_DATA_FORMAT naming the bad line
    const out = typeof options.out === 'string' ? options.out : options.run;
    await writeReport(io.platform, out, trainingReport(records, RUN_SECTIONS));
    io.out(`wrote ${out}/report.md and ${out}/report.html from ${records.length} records of ${path}`);
  },
};

// A run killed while it writes its report: frozen (SIGSTOP) at each of its report files' changes to
// look, then SIGKILLed or interrupted (SIGINT) at successive ones. report.md, report.html and the
// plots are only ever absent or whole (written atomically), never cut; `ntk-at report <dir>` then
// writes them whole from the log and removes the killed writer's temporaries.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_SECTIONS } from '../../src/report/kernel_report.js';
import { parseRunLog } from '../../src/io/runlog.js';
import { trainingReport } from '../../src/report/training_report.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-report-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ARGS = [
  'train',
  '--dataset',
  'synthetic-clusters',
  '--train-size',
  '100',
  '--val-size',
  '0',
  '--test-size',
  '50',
  '--hidden',
  '8',
  '--epochs',
  '2',
  '--batch-size',
  '50',
  '--method',
  'standard',
  '--threats',
  'clean',
  '--log-every',
  '1',
  '--schedule',
  'constant',
];
const REPORT_FILE = /^(report\.(md|html)|[\w-]+\.svg)(\.tmp-\d+-[a-z0-9]+)?$/;

/** The report files `dir` should hold (name -> text), rendered here from its log as `train` and `report` render them. */
function expectedReport(dir: string): Map<string, string> {
  const report = trainingReport(parseRunLog(readFileSync(join(dir, 'log.jsonl'), 'utf8')), RUN_SECTIONS);
  return new Map([
    ['report.md', report.markdown],
    ['report.html', report.html],
    ...report.plots.map((p) => [p.file, p.svg] as [string, string]),
  ]);
}

/** Report files of `dir` that are there but not whole (cut, empty, or another text than the log's report). */
function cutReportFiles(dir: string): string[] {
  const expected = expectedReport(dir);
  return [...expected]
    .filter(([file, text]) => existsSync(join(dir, file)) && readFileSync(join(dir, file), 'utf8') !== text)
    .map(([file, text]) => `${file} (${readFileSync(join(dir, file)).length} bytes of ${Buffer.byteLength(text)})`);
}

interface Outcome {
  /** Report files that were there when the run died, and those that were not. */
  present: string[];
  missing: string[];
  /** How many times the run was frozen while it wrote its report. */
  looks: number;
}

/**
 * Runs a training into `dir`, freezing it at every change of a report file (the watcher's event)
 * to check that no report file is cut, and sends `signal` at the `at`-th change.
 */
async function killWhileReporting(dir: string, at: number, signal: 'SIGKILL' | 'SIGINT'): Promise<Outcome> {
  mkdirSync(dir);
  let signalGroup: (s: NodeJS.Signals) => void = () => {};
  let looks = 0;
  let sent = false;
  const cut: string[] = [];
  const watcher = watch(dir, (_event, name) => {
    if (sent || !name || !REPORT_FILE.test(name)) return;
    signalGroup('SIGSTOP');
    looks++;
    try {
      cut.push(...cutReportFiles(dir).map((f) => `change ${looks}: ${f}`));
    } catch (e) {
      cut.push(`change ${looks}: ${(e as Error).message}`);
    } finally {
      if (looks >= at) {
        sent = true;
        signalGroup(signal); // a stopped process takes SIGINT once it goes on
      }
      signalGroup('SIGCONT');
    }
  });
  try {
    const r = await cli([...ARGS, '--out', dir], {
      timeoutMs: 120_000,
      onStart: (s) => {
        signalGroup = s;
      },
    });
    expect(r.timedOut).toBe(false);
    // exit 0: the run ended on its own between its last report change and the signal
    if (sent && signal === 'SIGKILL') expect(r.signal === 'SIGKILL' || r.code === 0, `exit ${r.code}, ${r.signal}\n${r.err}`).toBe(true);
    if (sent && signal === 'SIGINT') expect(r.code === 130 || r.code === 0, `exit ${r.code}\n${r.err}`).toBe(true);
  } finally {
    watcher.close();
  }
  expect(cut, 'a report file was cut while the run wrote it').toEqual([]);
  expect(cutReportFiles(dir), 'a report file was left cut').toEqual([]);
  const expected = [...expectedReport(dir).keys()];
  return { present: expected.filter((f) => existsSync(join(dir, f))), missing: expected.filter((f) => !existsSync(join(dir, f))), looks };
}

describe('a run killed while it writes its report', () => {
  const outcomes: Outcome[] = [];
  const cases: Array<[number, 'SIGKILL' | 'SIGINT']> = [
    [1, 'SIGKILL'],
    [2, 'SIGKILL'],
    [3, 'SIGKILL'],
    [5, 'SIGKILL'],
    [8, 'SIGKILL'],
    [2, 'SIGINT'],
    [4, 'SIGINT'],
  ];
  for (const [at, signal] of cases) {
    it(`${signal} at the report's change ${at}: no report file ever cut; \`ntk-at report\` rewrites them whole, temporaries gone`, async () => {
      const dir = join(work, `${signal}-${at}`);
      const outcome = await killWhileReporting(dir, at, signal);
      outcomes.push(outcome);
      const r = await cli(['report', dir], { timeoutMs: 60_000 });
      expect(r.code, r.err).toBe(0);
      for (const [file, text] of expectedReport(dir)) expect(readFileSync(join(dir, file), 'utf8'), file).toBe(text);
      expect(
        readdirSync(dir).filter((f) => f.includes('.tmp-')),
        'temporaries of the killed writer',
      ).toEqual([]);
    });
  }

  it('some of those kills fell inside the report window (the cases above proved something)', () => {
    expect(outcomes.length).toBe(cases.length);
    expect(
      outcomes.every((o) => o.looks > 0),
      'a run was never seen writing its report',
    ).toBe(true);
    // killed after the report began (the watcher saw it) and before it was all written
    expect(outcomes.filter((o) => o.missing.length > 0).length, JSON.stringify(outcomes)).toBeGreaterThan(0);
  });
});

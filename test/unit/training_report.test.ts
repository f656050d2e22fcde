// The training report from a synthetic run log: tables and plots present, the note and adapter line,
// every number shown traceable to a record, one row per epoch after a resume, and extra sections
// (as the kernel metrics will add) composed in.

import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/io/runlog.js';
import { TRAINING_SECTIONS, trainingReport, type SectionBuilder } from '../../src/report/training_report.js';

const ADAPTER = 'node: test adapter [path dawn/opengles, compatibility, software, max binding 128 MiB]';

function records(): LogRecord[] {
  const epoch = (e: number, loss: number, acc: number, clean: number, pgd: number, co = false): LogRecord => ({
    type: 'epoch',
    method: 'fgsm-rs',
    epoch: e,
    step: 8 * (e + 1),
    trainLoss: loss,
    trainAccuracy: acc,
    lr: 0.0375,
    seconds: 12.34 + e,
    imagesPerSecond: 83.17 - e,
    validation: { samples: 500, accuracy: { clean, pgd10: pgd } },
    catastrophicOverfitting: co,
    t: 1700000000000 + e,
  });
  return [
    {
      type: 'config',
      command: 'train',
      method: 'fgsm-rs',
      date: '2031-02-03T04:05:06.789Z',
      adapter: ADAPTER,
      runtime: 'node',
      trainData: 'fashion-mnist-train[1000, seed 3]',
      notice: null,
      data: { trainSize: 1000, seed: 3 },
      model: { kind: 'mlp', options: { hidden: [64, 32], normalize: { mean: [0.2861], std: [0.353] } } },
      parameters: 52650,
      train: { eps: 0.0313725, schedule: { kind: 'cyclic', maxLr: 0.2 } },
      t: 1700000000000,
    },
    {
      type: 'step',
      method: 'fgsm-rs',
      epoch: 0,
      firstStep: 1,
      step: 4,
      epochFraction: 0.5,
      loss: 2.1234,
      accuracy: 0.25,
      samples: 512,
      lr: 0.01,
      seconds: 3.2,
      imagesPerSecond: 160,
    },
    {
      type: 'step',
      method: 'fgsm-rs',
      epoch: 0,
      firstStep: 5,
      step: 8,
      epochFraction: 1,
      loss: 1.8765,
      accuracy: 0.35,
      samples: 512,
      lr: 0.02,
      seconds: 3.1,
      imagesPerSecond: 165,
    },
    epoch(0, 1.99, 0.301, 0.612, 0.244),
    epoch(1, 1.51, 0.455, 0.703, 0.351),
    { type: 'event', event: 'resume', epoch: 1, step: 16 },
    epoch(1, 1.49, 0.466, 0.711, 0.362), // the resumed run repeats epoch 1: this one wins
    epoch(2, 0.97, 0.811, 0.805, 0.012, true),
    {
      type: 'eval',
      dataset: 'fashion-mnist-test[first 100/class]',
      samples: 1000,
      eps: 0.0313725,
      pgdStepFactor: 0.25,
      seconds: 41.7,
      checkpoint: 'runs/x/checkpoint.safetensors',
      epoch: 3,
      accuracy: { clean: 0.793, fgsm: 0.215, pgd20: 0.008 },
    },
  ];
}

/** Every way the report may print a number taken from the records. */
function renderings(recs: LogRecord[]): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'number') {
      out.add(String(v));
      out.add(String(+v.toPrecision(4)));
      for (let d = 0; d <= 4; d++) out.add(v.toFixed(d));
      out.add(`${(100 * v).toFixed(1)}%`);
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach(visit);
    }
  };
  recs.forEach(visit);
  for (const r of recs) if (r.type === 'epoch') out.add(String((r.epoch as number) + 1)); // epochs shown 1-based
  return out;
}

/** Strings the report copies from records (names, keys like pgd10, dates, the adapter line) removed, so their digits are not counted. */
function withoutRecordStrings(text: string, recs: LogRecord[]): string {
  const strings: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') {
      if (!Array.isArray(v)) strings.push(...Object.keys(v));
      Object.values(v).forEach(visit);
    }
  };
  recs.forEach(visit);
  return strings.sort((a, b) => b.length - a.length).reduce((t, s) => t.split(s).join(' '), text);
}

describe('training report', () => {
  const recs = records();
  const report = trainingReport(recs);

  it('has the note, the adapter line, the config, per-epoch and evaluation tables and both plots', () => {
    const md = report.markdown;
    expect(md).toContain('not the numbers of the paper');
    expect(md).toContain(`Adapter: ${ADAPTER}`);
    expect(md).toContain('| model.options.hidden | [64,32] |');
    expect(md).toContain('| epoch | train loss | train acc | val clean | val pgd10 | CO | lr | seconds | images/s |');
    expect(md).toContain('| 3 | 0.9700 | 81.1% | 80.5% | 1.2% | yes | 0.0375 | 14.3 | 81.2 |');
    expect(md).toContain('| data | images | eps | clean | fgsm | pgd20 | seconds |');
    expect(md).toContain('| fashion-mnist-test[first 100/class] | 1000 | 0.0313725 | 79.3% | 21.5% | 0.8% | 41.7 |');
    expect(md).toContain('![Training loss](loss.svg)');
    expect(md).toContain('![Accuracy](accuracy.svg)');
    expect(report.plots.map((p) => p.file)).toEqual(['loss.svg', 'accuracy.svg']);
    for (const p of report.plots) expect(p.svg.startsWith('<svg')).toBe(true);
    expect(report.html.match(/<svg /g)).toHaveLength(2);
    expect(report.html).toContain('<td>79.3%</td>');
  });

  it('keeps one row per epoch, the last logged (a resumed run repeats one)', () => {
    const rows = report.markdown.split('\n').filter((l) => /^\| [0-9]+ \| [0-9.]+ \|/.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| 1', '| 2', '| 3']);
    expect(report.markdown).toContain('| 2 | 1.4900 | 46.6% |');
    expect(report.markdown).not.toContain('1.5100');
  });

  it('prints only numbers that are in the records', () => {
    const unexplained = (markdown: string) => {
      const allowed = renderings(recs);
      return (withoutRecordStrings(markdown, recs).match(/-?[0-9]+(\.[0-9]+)?%?/g) ?? []).filter((n) => !allowed.has(n));
    };
    expect(withoutRecordStrings(report.markdown, recs).match(/[0-9]+/g)?.length).toBeGreaterThan(40);
    expect(unexplained(report.markdown)).toEqual([]);
    expect(unexplained(`${report.markdown}\n| mean | 77.77 | 52.4% |`)).toEqual(['77.77', '52.4%']); // the check can fail
  });

  it('composes extra section builders, e.g. for kernel records', () => {
    const kernel: SectionBuilder = (rs) => {
      const k = rs.filter((r) => r.type === 'kernel');
      return k.length
        ? {
            title: 'Kernel',
            blocks: [{ kind: 'table', columns: ['epoch', 'KD'], rows: k.map((r) => [String(r.epochFraction), String(r.kernelDistance)]) }],
          }
        : null;
    };
    const withKernel = [...recs, { type: 'kernel', epochFraction: 0.25, kernelDistance: 0.0421 }];
    const md = trainingReport(withKernel, [...TRAINING_SECTIONS, kernel]).markdown;
    expect(md).toContain('## Kernel');
    expect(md).toContain('| 0.25 | 0.0421 |');
    expect(trainingReport(recs, [...TRAINING_SECTIONS, kernel]).markdown).not.toContain('## Kernel');
  });

  it('renders a log with no epochs yet without tables or plots for them', () => {
    const partial = trainingReport(recs.slice(0, 1));
    expect(partial.plots).toEqual([]);
    expect(partial.markdown).not.toContain('## Per epoch');
    expect(partial.markdown).toContain('## Configuration');
  });
});

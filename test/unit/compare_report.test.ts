// The comparison report: runs grouped into variants (derived from the config minus the seed, or
// labelled), mean ± sample std [min, max] per variant, every plotted value, event marker, polar
// point, heatmap cell and table number traced back to a run log (and the tracing can fail), CO
// marked only for adversarial training, and `ntk-at report` of three measured runs end to end.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelDistance } from '../../src/ntk/metrics.js';
import { compareRuns, groupVariants, spread, type RunInput } from '../../src/report/compare.js';
import type { RenderedReport } from '../../src/report/document.js';
import { parseRunLog, type LogRecord } from '../../src/io/runlog.js';
import { renderHeatmap, renderPolarPlot } from '../../src/report/svg.js';
import { cli } from './cli_io.js';

/** A deterministic pseudo-random stream, so each seed logs different numbers. */
function stream(seed: number): () => number {
  let s = seed * 7919 + 17;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

interface RunSpec {
  method: string;
  seed: number;
  epochs?: number;
  /** Epoch indices whose record carries catastrophicOverfitting: true. */
  co?: number[];
  switchAt?: number;
  kernels?: boolean;
}

function runLog(spec: RunSpec): LogRecord[] {
  const rand = stream(spec.seed + 31 * spec.method.length + (spec.switchAt ? 1000 : 0));
  const epochs = spec.epochs ?? 4;
  const r = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const records: LogRecord[] = [
    {
      type: 'config',
      command: 'train',
      method: spec.method,
      date: `2031-01-0${spec.seed + 1}T00:00:00.000Z`,
      adapter: 'node: test adapter',
      runtime: 'node',
      trainData: `fashion-mnist-train[1000, seed ${spec.seed}]`,
      data: { dataset: 'fashion-mnist', trainSize: 1000, seed: spec.seed },
      model: { kind: 'mlp', options: { hidden: [64], normalize: { mean: [r(0.2, 0.3)], std: [r(0.3, 0.4)] }, seed: spec.seed } },
      train: {
        method: spec.method,
        epochs,
        eps: 0.1,
        seed: spec.seed,
        schedule: { kind: 'piecewise', lr: 0.05, milestones: [2, 3], gamma: 0.1 },
        checkpointPath: `runs/${spec.seed}/c.safetensors`,
      },
      // as the orchestrator logs it: `switch` null when off, and the whole recipe (with its seeds and the switch rule)
      switch: spec.switchAt !== undefined ? { rule: 'kernel', warmupMethod: 'standard', tau: 0.1 } : null,
      recipe: {
        data: { dataset: 'fashion-mnist', trainSize: 1000, seed: spec.seed },
        model: { kind: 'mlp', normalize: true },
        training: { method: spec.method, epochs, schedule: 'piecewise', seed: spec.seed },
        switch: { rule: spec.switchAt !== undefined ? 'kernel' : 'off', warmupMethod: 'standard', tau: 0.1 },
      },
    },
  ];
  const fractions = spec.kernels ? [0, 0.25, 0.5, 1, ...Array.from({ length: epochs - 1 }, (_, e) => e + 2)] : [];
  const kernelAt = (f: number) => {
    const n = 4;
    const k = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 2 : 0.1) + f * r(0, 0.3));
    return k.map((_, i) => (k[i] + k[(i % n) * n + Math.floor(i / n)]) / 2); // symmetric
  };
  const kernel = (f: number, step: number, velocity: number | null): LogRecord => ({
    type: 'kernel',
    kind: 'trace',
    probes: 4,
    step,
    epochFraction: f,
    distanceToInit: f === 0 ? 0 : r(0.01, 0.3),
    velocity,
    lambdaMax: r(100, 20000),
    lambdaMin: r(1, 5),
    trace: r(1000, 5000),
    conditionNumber: r(50, 3000),
    topEnergy10: r(0.9, 1),
    topEnergy20: r(0.95, 1),
    effectiveRank: r(5, 30),
    targetAlignment: r(0.3, 0.6),
    adversarial: {
      distanceToClean: r(0, 0.3),
      lambdaMax: r(100, 20000),
      conditionNumber: r(50, 3000),
      topEnergy10: r(0.9, 1),
      effectiveRank: r(5, 30),
    },
    seconds: r(1, 3),
    kernel: kernelAt(f),
  });
  let k = 0;
  const kernelsUpTo = (f: number) => {
    while (k < fractions.length && fractions[k] <= f) {
      records.push(kernel(fractions[k], Math.round(fractions[k] * 8), k === 0 ? null : r(0.001, 2)));
      k++;
    }
  };
  kernelsUpTo(0);
  for (let e = 0; e < epochs; e++) {
    for (const half of [0.5, 1]) {
      records.push({
        type: 'step',
        method: spec.method,
        epoch: e,
        firstStep: 1,
        step: Math.round((e + half) * 8),
        epochFraction: e + half,
        loss: r(0.3, 2.3),
        accuracy: r(0.1, 0.9),
        samples: 512,
        lr: 0.05,
        seconds: r(1, 4),
        imagesPerSecond: r(100, 200),
      });
      kernelsUpTo(e + half);
    }
    records.push({
      type: 'epoch',
      method: spec.method,
      epoch: e,
      step: 8 * (e + 1),
      trainLoss: r(0.3, 2),
      trainAccuracy: r(0.2, 0.9),
      lr: 0.05,
      seconds: r(10, 20),
      imagesPerSecond: r(80, 120),
      validation: { samples: 200, accuracy: { clean: r(0.5, 0.9), pgd10: r(0.05, 0.5) } },
      catastrophicOverfitting: (spec.co ?? []).includes(e),
    });
  }
  if (spec.kernels) {
    records.push({
      type: 'kernel-polar',
      epochFraction: fractions,
      radius: fractions.map((_, i) => (i === 0 ? 0 : i === fractions.length - 1 ? 1 : r(0.1, 1.5))),
      angle: fractions.map((f) => (f === 0 ? 0 : r(0.05, 1.2))),
    });
  }
  if (spec.switchAt !== undefined)
    records.push({ type: 'event', event: 'switch', to: spec.method, epochFraction: spec.switchAt, reason: 'divergence' });
  records.push({ type: 'event', event: 'end', epochs, steps: 8 * epochs, seconds: r(40, 90) });
  records.push({
    type: 'eval',
    dataset: 'fashion-mnist-test',
    samples: 1000,
    eps: 0.1,
    seconds: r(5, 9),
    accuracy: { clean: r(0.5, 0.9), fgsm: r(0.2, 0.6), pgd20: r(0.05, 0.5) },
  });
  return records;
}

/** Every number in a run's records as JSON/String writes it, plus epoch + 1 (epochs are drawn and shown 1-based). */
function loggedNumbers(records: LogRecord[]): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'number') out.add(String(v));
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  records.forEach(visit);
  for (const r of records) if (r.type === 'epoch') out.add(String((r.epoch as number) + 1));
  return out;
}

/** Ways a table may print a logged number (as the single-run report test allows). */
function renderings(values: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const s of values) {
    const v = Number(s);
    out.add(s);
    out.add(String(+v.toPrecision(4)));
    for (let d = 0; d <= 4; d++) out.add(v.toFixed(d));
    out.add(`${(100 * v).toFixed(1)}%`);
  }
  return out;
}

const attrs = (tag: string): Record<string, string> =>
  Object.fromEntries([...tag.matchAll(/ ([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

/**
 * Problems found tracing `report` to `runs`: each drawn point of each run's series, each mean
 * series (recomputed), each event, polar point and heatmap cell. Empty when all is traced.
 */
function untraced(report: RenderedReport, runs: RunInput[]): string[] {
  const logged = new Map(runs.map((r) => [r.name, loggedNumbers(r.records)]));
  const problems: string[] = [];
  for (const { file, svg } of report.plots) {
    const groups = [...svg.matchAll(/<g [^>]*>/g)].map((m) => attrs(m[0]));
    const seriesOf = new Map(groups.filter((g) => g['data-run'] && g['data-points'] !== undefined).map((g) => [g['data-run'], g]));
    for (const g of groups) {
      const runNames = (g['data-runs'] ?? g['data-run'] ?? '').split(',').filter(Boolean);
      if (g['data-points'] !== undefined) {
        if (runNames.length === 0) problems.push(`${file}: series ${g['data-series']} names no run`);
        const points = g['data-points']
          .split(' ')
          .filter(Boolean)
          .map((p) => p.split(',') as [string, string]);
        for (const [x, y] of points) {
          if (g['data-stat'] === 'mean') {
            const ys = runNames.map(
              (n) =>
                seriesOf
                  .get(n)
                  ?.['data-points'].split(' ')
                  .map((p) => p.split(','))
                  .find(([px]) => Number(px) === Number(x))?.[1],
            );
            const mean = ys.reduce((s, v) => s + Number(v), 0) / ys.length;
            if (ys.some((v) => v === undefined) || Math.abs(mean - Number(y)) > 1e-12 * Math.max(1, Math.abs(mean)))
              problems.push(`${file}: mean ${y} at ${x} is not the mean of ${runNames}`);
          } else if (!logged.get(runNames[0])?.has(x) || !logged.get(runNames[0])?.has(y)) {
            problems.push(`${file}: point (${x}, ${y}) of ${runNames[0]} is not in its log`);
          }
        }
      }
      if (g['data-event'] !== undefined && !runNames.some((n) => logged.get(n)?.has(g['data-x'])))
        problems.push(`${file}: event ${g['data-event']} at ${g['data-x']} not in the logs of ${runNames}`);
      if (g['data-polar'] !== undefined) {
        for (const triple of g['data-polar'].split(' '))
          for (const v of triple.split(','))
            if (!logged.get(runNames[0])?.has(v)) problems.push(`${file}: polar value ${v} not in ${runNames[0]}'s log`);
      }
    }
    const cells = [...svg.matchAll(/<rect [^>]*data-value="[^"]*"[^>]*>/g)].map((m) => attrs(m[0]));
    if (cells.length) {
      const run = runs.find((r) => svg.includes(`Kernel distance between checks: ${r.name}<`));
      const kernels = (run?.records ?? []).filter((r) => r.type === 'kernel').map((r) => Float64Array.from(r.kernel as number[]));
      for (const c of cells) {
        const [i, j] = [Number(c['data-i']), Number(c['data-j'])];
        const expected = i === j ? 0 : kernelDistance(kernels[i], kernels[j]);
        if (!(Math.abs(Number(c['data-value']) - expected) <= 1e-15))
          problems.push(`${file}: heatmap cell ${i},${j} = ${c['data-value']}, logged kernels give ${expected}`);
      }
    }
  }
  return problems;
}

/** The rows of the markdown table whose header starts with `| ${head} |`, as cells keyed by column. */
function table(markdown: string, head: string): Array<Record<string, string>> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${head} |`));
  const columns = lines[start].slice(2, -2).split(' | ');
  const rows: Array<Record<string, string>> = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].slice(2, -2).split(' | ');
    rows.push(Object.fromEntries(columns.map((c, k) => [c, cells[k]])));
  }
  return rows;
}

/** The value a table column shows for a run, read straight from its records (the test's own reading). */
function columnValue(column: string, records: LogRecord[]): number | null {
  // biome-ignore lint/suspicious/noExplicitAny: log records hold any field
  const lastOf = (type: string) => records.filter((r) => r.type === type).at(-1) as Record<string, any> | undefined;
  const epoch = lastOf('epoch');
  const kernel = lastOf('kernel');
  const n = (v: unknown) => (typeof v === 'number' ? v : null);
  const fixed: Record<string, unknown> = {
    'train loss': epoch?.trainLoss,
    'train acc': epoch?.trainAccuracy,
    'switch epoch': records.find((r) => r.event === 'switch')?.epochFraction,
    'KD to K0': kernel?.distanceToInit,
    'KD clean-adv': kernel?.adversarial?.distanceToClean,
    λ_max: kernel?.lambdaMax,
    'adv λ_max': kernel?.adversarial?.lambdaMax,
    condition: kernel?.conditionNumber,
    'eff. rank': kernel?.effectiveRank,
    'top-10 energy': kernel?.topEnergy10,
    'train seconds': records.find((r) => r.event === 'end')?.seconds,
  };
  if (column in fixed) return n(fixed[column]);
  if (column.startsWith('val ')) return n(epoch?.validation?.accuracy?.[column.slice(4)]);
  if (column.startsWith('test ')) return n(lastOf('eval')?.accuracy?.[column.slice(5)]);
  throw new Error(`the test does not know column ${column}`);
}

/** Problems found tracing the final-metrics tables of `markdown` to `runs` (empty when all is traced). */
function untabled(markdown: string, runs: RunInput[]): string[] {
  const problems: string[] = [];
  for (const row of table(markdown, 'run')) {
    const own = renderings(loggedNumbers(runs.find((r) => r.name === row.run)?.records ?? []));
    for (const [column, cell] of Object.entries(row)) {
      if (['run', 'variant'].includes(column)) continue;
      for (const n of cell.match(/-?[0-9]+(\.[0-9]+)?%?/g) ?? [])
        if (!own.has(n)) problems.push(`${row.run} ${column}: ${n} is not in its log`);
    }
  }
  const variants = groupVariants(runs);
  for (const row of table(markdown, 'variant | n')) {
    const members = variants.find((v) => v.label === row.variant)?.runs ?? [];
    if (row.n !== String(members.length)) problems.push(`${row.variant}: n ${row.n}, runs ${members.length}`);
    for (const [column, cell] of Object.entries(row)) {
      if (['variant', 'n', 'CO epoch'].includes(column)) continue;
      const values = members.map((r) => columnValue(column, r.records)).filter((v): v is number => v !== null);
      const percent = cell.includes('%');
      const tokens = cell.match(/-?[0-9]+(\.[0-9]+)?/g) ?? [];
      const shown = tokens.map(Number).map((v) => (percent ? v / 100 : v));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      const expected = values.length === 0 ? [] : values.length === 1 ? [mean] : [mean, std, Math.min(...values), Math.max(...values)];
      // equal within the rounding of the digits shown (decimals, or 4 significant digits)
      const close = (i: number) => {
        const decimals = 0.5 * 10 ** -(tokens[i].split('.')[1] ?? '').length * (percent ? 0.01 : 1);
        const significant = percent ? 0 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(expected[i]) || 1)) - 3);
        return Math.abs(shown[i] - expected[i]) <= Math.max(decimals, significant) * (1 + 1e-9);
      };
      if (shown.length !== expected.length || !shown.every((_, i) => close(i))) {
        problems.push(`${row.variant} ${column}: ${cell} is not mean, std, min, max of ${values.join(', ')}`);
      }
    }
  }
  return problems;
}

describe('comparison report', () => {
  const runs: RunInput[] = [
    { name: 'pgd-s0', records: runLog({ method: 'pgd', seed: 0, kernels: true, co: [3] }) },
    { name: 'pgd-s1', records: runLog({ method: 'pgd', seed: 1, kernels: true }) },
    { name: 'pgd-s2', records: runLog({ method: 'pgd', seed: 2, kernels: true }) },
    { name: 'std-s0', records: runLog({ method: 'standard', seed: 0, co: [1, 2], kernels: true }) },
    { name: 'switch-s0', records: runLog({ method: 'pgd', seed: 0, switchAt: 1.5, co: [0, 3], kernels: true }) },
  ];
  const report = compareRuns(runs);

  it('groups runs that differ only by seed, labels variants by what differs, and lists every seed', () => {
    const variants = groupVariants(runs);
    expect(variants.map((v) => [v.label, v.runs.map((r) => `${r.name}:${r.seed}`)])).toEqual([
      ['method=pgd', ['pgd-s0:0', 'pgd-s1:1', 'pgd-s2:2']],
      ['method=standard', ['std-s0:0']],
      ['method=pgd, switch.rule=kernel', ['switch-s0:0']],
    ]);
    expect(variants.every((v) => v.innerDifferences.length === 0)).toBe(true);
    // a training seed with a fixed data seed: shown as such, still the same variant
    const fixedData = structuredClone(runs[1].records);
    (fixedData[0].data as { seed: number }).seed = 0;
    (fixedData[0].recipe as { data: { seed: number } }).data.seed = 0;
    const mixed = groupVariants([runs[0], { name: 'pgd-s1-d0', records: fixedData }]);
    expect(mixed.map((v) => v.runs.map((r) => r.seed))).toEqual([['0', '1 (data 0)']]);
    // the measured GPU-program choice is provenance: `programs`, or `kernels` in a run made before 0.1.0
    const choice = (matmul: string) => ({ matmul, conv2d: 'im2col', source: 'measured', timings: { [matmul]: 1 }, adapterKey: matmul });
    const withPrograms = structuredClone(runs[1].records);
    withPrograms[0].programs = choice('block');
    const older = structuredClone(runs[2].records);
    older[0].kernels = choice('tiled');
    const grouped = groupVariants([runs[0], { name: 'new', records: withPrograms }, { name: 'old', records: older }]);
    expect(grouped.map((v) => v.runs.length)).toEqual([3]);
    const labelled = groupVariants(runs.map((r, i) => ({ ...r, variant: i < 2 ? 'A' : 'B' })));
    expect(labelled.map((v) => v.runs.length)).toEqual([2, 3]);
    expect(labelled[1].innerDifferences).toContain('method'); // B mixes pgd and standard: the report says so
    expect(compareRuns(runs.map((r, i) => ({ ...r, variant: i < 2 ? 'A' : 'B' }))).markdown).toMatch(
      /Note: the runs of variant "B" differ in more than the seed: method/,
    );
    expect(() => groupVariants([runs[0], { ...runs[1], variant: 'x' }])).toThrow(/every run or for none/);
    expect(() => groupVariants([runs[0], runs[0]])).toThrow(/two runs are named "pgd-s0"/);
  });

  it('has the sections, tables, overlaid figures with a legend, log-scale spectra, percent accuracy and a two-column page', () => {
    const md = report.markdown;
    for (const title of [
      'About these numbers',
      'Runs and variants',
      'Final metrics per variant and per run',
      'Training curves',
      'Neural tangent kernel',
    ])
      expect(md).toContain(`## ${title}`);
    const files = report.plots.map((p) => p.file);
    for (const f of [
      'loss.svg',
      'train_accuracy.svg',
      'val_clean.svg',
      'val_pgd10.svg',
      'ntk_distance.svg',
      'ntk_velocity.svg',
      'ntk_clean_adv.svg',
      'ntk_lambda_max.svg',
      'ntk_condition.svg',
      'ntk_effective_rank.svg',
      'ntk_top10_energy.svg',
      'ntk_polar.svg',
      'ntk_distances_run1.svg',
    ])
      expect(files).toContain(f);
    const svg = (f: string) => report.plots.find((p) => p.file === f)?.svg ?? '';
    expect(svg('val_pgd10.svg')).toContain('>100%<');
    expect(svg('ntk_lambda_max.svg')).toContain('λ_max (log scale)');
    expect(svg('ntk_condition.svg')).toContain('(log scale)');
    // every run drawn in the overlay; seeds of a variant thin, with the variant's mean and one legend entry
    const groups = [...svg('val_clean.svg').matchAll(/data-run="([^"]+)"/g)].map((m) => m[1]);
    expect(groups).toEqual(['pgd-s0', 'pgd-s1', 'pgd-s2', 'std-s0', 'switch-s0']);
    expect(svg('val_clean.svg')).toContain('data-stat="mean" data-variant="method=pgd" data-runs="pgd-s0,pgd-s1,pgd-s2"');
    expect(svg('val_clean.svg')).toContain('>method=pgd (mean of 3)<');
    expect(svg('val_clean.svg')).toContain('>method=standard<');
    // polar: equal aspect (a square drawing area)
    const area = /<rect x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)" height="([0-9.]+)" fill="none"/.exec(svg('ntk_polar.svg'));
    expect(area?.[1]).toBe(area?.[2]);
    expect(svg('ntk_polar.svg')).toContain('>e1<');
    expect(report.html).toContain('grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr))');
    expect(report.html.match(/<div class="figures">/g)?.length).toBe(2);
    expect(report.html.match(/<svg /g)?.length).toBe(report.plots.length);
  });

  it('marks events from the logs: learning-rate decays, the kernel switch, and CO only where adversarial training ran', () => {
    const svg = report.plots.find((p) => p.file === 'val_pgd10.svg')?.svg ?? '';
    const events = [...svg.matchAll(/<g data-event="([^"]+)" data-x="([^"]+)" data-runs="([^"]+)"/g)].map((m) => `${m[1]}@${m[2]}:${m[3]}`);
    expect(events).toEqual([
      'lr-milestone@2:pgd-s0,pgd-s1,pgd-s2,std-s0,switch-s0',
      'lr-milestone@3:pgd-s0,pgd-s1,pgd-s2,std-s0,switch-s0',
      'co@4:pgd-s0', // standard training's flags (epochs 2, 3) and the switch run's warm-up flag (epoch 1) are not marked
      'switch@1.5:switch-s0',
      'co@4:switch-s0',
    ]);
    const perRun = table(report.markdown, 'run');
    expect(perRun.map((r) => r['CO epoch'])).toEqual(['4', 'no', 'no', 'n/a', '4']);
    const perVariant = table(report.markdown, 'variant | n');
    expect(perVariant.map((r) => r['CO epoch'])).toEqual(['1 of 3 runs', 'n/a', '1 of 1 runs']);
  });

  it('draws only values from the logs (each point, mean, event, polar point and heatmap cell), and the check can fail', () => {
    expect(untraced(report, runs)).toEqual([]);
    const points = report.plots.reduce(
      (n, p) => n + [...p.svg.matchAll(/data-points="([^"]*)"/g)].reduce((k, m) => k + m[1].split(' ').length, 0),
      0,
    );
    expect(points).toBeGreaterThan(300);
    const tampered = report.plots.map((p) =>
      p.file === 'ntk_lambda_max.svg' ? { ...p, svg: p.svg.replace(/data-points="([0-9.]+),([0-9.]+)/, 'data-points="$1,123.456') } : p,
    );
    expect(untraced({ ...report, plots: tampered }, runs)).toEqual([
      expect.stringMatching(/ntk_lambda_max.svg: point \(0, 123.456\) of pgd-s0 is not in its log/),
      expect.stringMatching(/mean/),
    ]);
    const heat = report.plots.map((p) =>
      p.file === 'ntk_distances_run1.svg'
        ? { ...p, svg: p.svg.replace(/data-i="0" data-j="1" data-value="[^"]*"/, 'data-i="0" data-j="1" data-value="0.5"') }
        : p,
    );
    expect(untraced({ ...report, plots: heat }, runs)).toEqual([expect.stringMatching(/heatmap cell 0,1/)]);
  });

  it('tables only numbers from the logs: per run a rendering of its own records, per variant the mean ± sample std [min, max] of its runs', () => {
    expect(table(report.markdown, 'run').map((r) => r.run)).toEqual(runs.map((r) => r.name));
    expect(untabled(report.markdown, runs)).toEqual([]);
    const numbers = [...table(report.markdown, 'run'), ...table(report.markdown, 'variant | n')].flatMap((row) =>
      Object.entries(row)
        .filter(([c]) => !['run', 'variant'].includes(c))
        .flatMap(([, cell]) => cell.match(/[0-9]+/g) ?? []),
    );
    expect(numbers.length).toBeGreaterThan(150);
    // the check can fail: a per-run number not in that run's log, a variant mean that is not the mean
    const row = report.markdown.split('\n').find((l) => l.startsWith('| pgd-s1 |')) as string;
    const cell = row.split(' | ')[5];
    expect(untabled(report.markdown.replace(row, row.replace(` ${cell} `, ' 12.3% ')), runs)).toEqual([
      'pgd-s1 train acc: 12.3% is not in its log',
    ]);
    const variantRow = report.markdown.split('\n').find((l) => l.startsWith('| method=pgd | 3 |')) as string;
    const mean = /\| ([0-9.]+)% ±/.exec(variantRow)?.[1] as string;
    const tampered = report.markdown.replace(variantRow, variantRow.replace(`| ${mean}% ±`, `| ${(Number(mean) + 0.2).toFixed(1)}% ±`));
    expect(untabled(tampered, runs)).toEqual([expect.stringMatching(/^method=pgd train acc: .* is not mean, std, min, max/)]);
  });

  it('spread: mean, sample std (n - 1), min and max of the finite values', () => {
    expect(spread([1, 2, 3, null, NaN])).toEqual({ n: 3, mean: 2, std: 1, min: 1, max: 3 });
    expect(spread([0.5])).toEqual({ n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
    expect(spread([null])).toBeNull();
  });

  it('renders figures from a matrix and trajectories directly (for experiments that compute their own)', () => {
    const heat = renderHeatmap({
      title: 'd',
      labels: ['0', '1'],
      matrix: [
        [0, 0.25],
        [0.25, 0],
      ],
      valueLabel: 'KD',
    });
    expect(heat.match(/data-value="0.25"/g)).toHaveLength(2);
    expect(() => renderHeatmap({ title: 'd', labels: ['0'], matrix: [[0, 1]], valueLabel: 'KD' })).toThrow(/1 x 1/);
    const polar = renderPolarPlot({
      title: 'p',
      trajectories: [{ name: 'a', radius: [0, 0.5, 1], angle: [0, 0.3, 0.4], epochs: [0, 1, 2], labelEpochs: true }],
    });
    expect(polar).toContain('data-polar="0,0,0 1,0.5,0.3 2,1,0.4"');
    expect(polar).toContain('>e2<');
  });
});

describe('ntk-at report of several runs', () => {
  const measured = ['demo-pgd-ntk-fmnist', 'switch-vs-pgd-fmnist-mlp', 'co-eps0.3-fmnist-mlp/fgsm'].map((d) => `docs/results/${d}`);

  it('overlays three measured runs with event markers, every plotted number from their logs, into --out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ntk-at-compare-'));
    try {
      const r = await cli('report', ...measured, '--out', out);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const report: RenderedReport = {
        markdown: readFileSync(join(out, 'report.md'), 'utf8'),
        html: readFileSync(join(out, 'report.html'), 'utf8'),
        plots:
          readFileSync(join(out, 'report.md'), 'utf8')
            .match(/\(([a-z_0-9]+\.svg)\)/g)
            ?.map((m) => m.slice(1, -1))
            .map((file) => ({ file, svg: readFileSync(join(out, file), 'utf8') })) ?? [],
      };
      const runs = measured.map((d) => ({
        name: d.split('/').at(-1) as string,
        records: parseRunLog(readFileSync(join(d, 'log.jsonl'), 'utf8')),
      }));
      expect(report.plots.length).toBeGreaterThan(10);
      expect(untraced(report, runs)).toEqual([]);
      const events = report.plots.flatMap((p) => [...p.svg.matchAll(/data-event="([^"]+)"/g)].map((m) => m[1]));
      expect(new Set(events)).toEqual(new Set(['lr-milestone', 'switch', 'co']));
      expect(report.markdown).toContain('| switch-vs-pgd-fmnist-mlp | method=pgd, switch.rule=kernel | 0 |');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('never writes into a run directory, checks --labels, and keeps the single-run report for one directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntk-at-compare-'));
    try {
      for (const name of ['a', 'b']) {
        mkdirSync(join(dir, name));
        writeFileSync(
          join(dir, name, 'log.jsonl'),
          runLog({ method: 'pgd', seed: name === 'a' ? 0 : 1 })
            .map((r) => JSON.stringify(r))
            .join('\n'),
        );
      }
      const intoRun = await cli('report', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'b'));
      expect(intoRun.code).toBe(2);
      expect(intoRun.err).toMatch(/is a run directory/);
      expect(existsSync(join(dir, 'b', 'report.md'))).toBe(false);
      expect((await cli('report', join(dir, 'a'), join(dir, 'b'), '--labels', 'x')).code).toBe(2);
      expect((await cli('report', join(dir, 'a'), join(dir, 'missing'), '--out', join(dir, 'c'))).code).toBe(1);
      expect(existsSync(join(dir, 'c'))).toBe(false);
      const ok = await cli('report', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'c'), '--labels', 'same,same');
      expect(ok.code).toBe(0);
      expect(readFileSync(join(dir, 'c', 'report.md'), 'utf8')).toContain('| same | 2 |');
      const single = await cli('report', join(dir, 'a'));
      expect(single.code).toBe(0);
      expect(readFileSync(join(dir, 'a', 'report.md'), 'utf8')).toContain('## Per epoch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

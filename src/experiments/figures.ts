// Figures of experiment reports, from run logs only: mean curves over seeds (points at the same x
// averaged), one-point-per-variant scatter series, and an SVG heatmap of a square matrix.

import type { LogRecord } from '../report/runlog.js';
import type { Series } from '../report/svg.js';
import type { RunResult } from './experiment.js';

export const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** The mean over `runs` of y at each x of their records of `type` (x rounded to 1e-6). */
export function meanCurve(runs: RunResult[], type: string, x: (r: LogRecord) => number, y: (r: LogRecord) => number): Array<[number, number]> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const run of runs) {
    for (const r of run.records.filter((rec) => rec.type === type)) {
      const key = Math.round(x(r) * 1e6) / 1e6;
      const value = y(r);
      if (!Number.isFinite(key) || !Number.isFinite(value)) continue;
      const s = sums.get(key) ?? { sum: 0, n: 0 };
      s.sum += value;
      s.n += 1;
      sums.set(key, s);
    }
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([k, s]) => [k, s.sum / s.n]);
}

/** One series per variant: the mean curve over its seeds. */
export function variantCurves(groups: Array<[string, RunResult[]]>, type: string, x: (r: LogRecord) => number, y: (r: LogRecord) => number): Series[] {
  return groups.map(([name, runs]) => ({ name, points: meanCurve(runs, type, x, y), markers: true }));
}

const adv = (r: LogRecord, key: string): number => num((r.adversarial as Record<string, unknown> | null)?.[key]);
/** Field getters of kernel and epoch records. */
export const field = {
  epochFraction: (r: LogRecord) => num(r.epochFraction),
  epochEnd: (r: LogRecord) => num(r.epoch) + 1,
  of: (key: string) => (r: LogRecord) => num(r[key]),
  adversarial: (key: string) => (r: LogRecord) => adv(r, key),
  validation: (key: string) => (r: LogRecord) => num((r.validation as { accuracy?: Record<string, number> } | null)?.accuracy?.[key]),
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A heatmap of `values` (n×n, row-major) with row/column labels, white (min) to dark blue (max), and a scale note. */
export function renderHeatmap(title: string, labels: string[], values: number[][]): string {
  const n = labels.length;
  const cell = Math.max(10, Math.min(28, Math.floor(520 / Math.max(1, n))));
  const left = 90;
  const top = 40;
  const width = left + n * cell + 20;
  const height = top + n * cell + 110;
  const finite = values.flat().filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const color = (v: number) => {
    if (!Number.isFinite(v)) return '#ccc';
    const t = hi > lo ? (v - lo) / (hi - lo) : 0;
    const c = (a: number, b: number) => Math.round(a + (b - a) * t);
    return `rgb(${c(255, 8)},${c(255, 48)},${c(255, 107)})`;
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="9">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  values.forEach((row, i) => row.forEach((v, j) => {
    parts.push(`<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${color(v)}"><title>${escapeXml(`${labels[i]} vs ${labels[j]}: ${v.toPrecision(3)}`)}</title></rect>`);
  }));
  labels.forEach((l, i) => {
    parts.push(`<text x="${left - 4}" y="${top + i * cell + cell / 2 + 3}" text-anchor="end">${escapeXml(l)}</text>`);
    parts.push(`<text transform="translate(${left + i * cell + cell / 2 + 3} ${top + n * cell + 4}) rotate(90)">${escapeXml(l)}</text>`);
  });
  parts.push(`<text x="${left}" y="${height - 8}" font-size="11">white = ${lo.toPrecision(3)}, dark blue = ${hi.toPrecision(3)} (kernel distance 1 − S)</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

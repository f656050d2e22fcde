// Dependency-free SVG line plots for run reports: several named series on shared axes, with
// ticks, labels and a legend. Every point plotted is passed in by the caller from a run's log.

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Draw markers at the points (for sparse series such as per-epoch evaluations). */
  markers?: boolean;
}

export interface LinePlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range; default: the data's range with 5% padding. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** "Nice" tick values covering [lo, hi] (1-2-5 steps). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(+v.toPrecision(4));
}

/** Renders the plot as a standalone SVG document. Series with no finite points are listed but not drawn. */
export function renderLinePlot(plot: LinePlot): string {
  const width = plot.width ?? 560;
  const height = plot.height ?? 320;
  const margin = { left: 64, right: 16, top: 32, bottom: 48 };
  const legendHeight = 16 * Math.ceil(plot.series.length / 3);
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom - legendHeight;
  const finite = plot.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = finite.map((p) => p[0]);
  const ys = finite.map((p) => p[1]);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = plot.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (!plot.yRange) {
    const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const sx = (x: number) => margin.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * innerW : innerW / 2);
  const sy = (y: number) => margin.top + innerH - ((y - y0) / (y1 - y0)) * innerH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(plot.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${innerW}" height="${innerH}" fill="none" stroke="#888"/>`,
  ];
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${margin.top + innerH}" y2="${margin.top + innerH + 4}" stroke="#888"/>`);
    parts.push(`<text x="${sx(t)}" y="${margin.top + innerH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + innerW}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${sy(t) + 4}" text-anchor="end">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${margin.left + innerW / 2}" y="${margin.top + innerH + 34}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + innerH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(plot.yLabel)}</text>`);
  plot.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    }
    if (s.markers || pts.length === 1) {
      for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    }
    const lx = margin.left + (i % 3) * (innerW / 3);
    const ly = height - legendHeight + 16 * Math.floor(i / 3) + 2;
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly + 5}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

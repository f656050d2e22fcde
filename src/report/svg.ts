// Dependency-free SVG figures for run reports: line plots (linear or log y, accuracy in percent,
// vertical event markers, legend), equal-aspect polar trajectories and heatmaps. Every value drawn
// is passed in by the caller from a run's log and written back as data-* attributes, so a test (or
// a reader) can trace each plotted number to its log record.

/** One named line of a plot: (x, y) points. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** Draw markers at the points (for sparse series such as per-epoch evaluations). */
  markers?: boolean;
  /** false: markers only, no connecting line (a scatter, e.g. accuracy against cost). */
  line?: boolean;
  /** Stroke colour; default: the palette colour of the series' index. */
  color?: string;
  /** Stroke width (default 1.6) and opacity (default 1): e.g. thin faint lines for seeds under their mean. */
  strokeWidth?: number;
  opacity?: number;
  /** false: drawn but not listed in the legend (e.g. single seeds under their variant's mean). */
  legend?: boolean;
  /** data-* attributes of the series' group, saying where its values come from (e.g. run, stat). */
  data?: Record<string, string>;
  /** Error bars: per point (same order as `points`) the half-widths [dx, dy] of a cross drawn around it (e.g. ± sd over seeds); 0 or NaN: none in that direction. */
  errorBars?: Array<[number, number]>;
}

/** A vertical line at `x` (an event in a run: kernel switch, learning-rate milestone, CO flag). */
export interface EventMarker {
  x: number;
  /** Kind of event (data-event), e.g. `switch`, `lr-milestone`, `co`. */
  kind: string;
  /** Short text drawn at the top of the line. */
  label: string;
  color?: string;
  data?: Record<string, string>;
}

/** A line plot: title, axis labels and series (renderLinePlot draws it). */
export interface LinePlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range; default: the data's range with 5% padding. */
  yRange?: [number, number];
  /** `log`: base-10 y axis; points with y <= 0 are not drawn (counted in the group's data-dropped). */
  yScale?: 'linear' | 'log';
  /** `percent`: y values are fractions in [0, 1], labelled as percentages. */
  yFormat?: 'number' | 'percent';
  events?: EventMarker[];
  width?: number;
  height?: number;
}

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

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

/** Ticks of a log axis over [lo, hi] (both > 0): the powers of ten inside, with 2 and 5 multiples when fewer than 3. */
export function logTicks(lo: number, hi: number): number[] {
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const decades: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) decades.push(k);
  const powers = decades.map((k) => +(10 ** k).toPrecision(12)).filter(inside);
  if (powers.length >= 3) return powers;
  const more = decades.flatMap((k) => [1, 2, 5].map((m) => +(m * 10 ** k).toPrecision(12))).filter(inside);
  return more.length >= 2 ? more : ticks(lo, hi);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A tick label: plain up to 4 significant digits, else like 2.5e4 (no trailing zeros or plus sign). */
function formatTick(v: number): string {
  if (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(+v.toPrecision(4));
}

const formatPercentTick = (v: number): string => `${+(100 * v).toPrecision(4)}%`;

/** data-* attributes from a record (keys are lower-cased; values escaped). */
function dataAttributes(data: Record<string, string> | undefined): string {
  return Object.entries(data ?? {})
    .map(([k, v]) => ` data-${k.toLowerCase()}="${escapeXml(v)}"`)
    .join('');
}

/** The raw (logged) values of drawn points, as `x,y x,y`, with full precision. */
const pointList = (points: Array<[number, number]>): string => points.map(([x, y]) => `${x},${y}`).join(' ');

/** Legend entries laid out in as many columns as the longest name allows; returns the SVG parts and its height. */
function legend(
  entries: Array<{ name: string; color: string }>,
  left: number,
  width: number,
  top: number,
): { parts: string[]; height: number } {
  if (entries.length === 0) return { parts: [], height: 0 };
  const longest = Math.max(...entries.map((e) => e.name.length));
  const columns = Math.max(1, Math.min(entries.length, Math.floor(width / (24 + 6.2 * longest))));
  const parts = entries.flatMap((e, i) => {
    const x = left + (i % columns) * (width / columns);
    const y = top + 16 * Math.floor(i / columns) + 2;
    return [
      `<rect x="${x}" y="${y}" width="12" height="3" fill="${e.color}"/>`,
      `<text x="${x + 16}" y="${y + 5}">${escapeXml(e.name)}</text>`,
    ];
  });
  return { parts, height: 16 * Math.ceil(entries.length / columns) };
}

function svgOpen(width: number, height: number, title: string, kind: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" data-figure="${kind}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
}

/** The event lines with their labels in rows at the top, left to right, each in the first row where it does not overlap the previous one. */
function eventParts(events: EventMarker[], sx: (x: number) => number, top: number, innerH: number, right: number): string[] {
  const parts: string[] = [];
  const rowEnds: number[] = [];
  const order = events.map((_, i) => i).sort((a, b) => events[a].x - events[b].x);
  const labelAt = new Map<number, { x: number; row: number; anchor: string }>();
  for (const i of order) {
    const x = sx(events[i].x);
    const textWidth = 5 * events[i].label.length;
    const flip = x + 2 + textWidth > right; // near the right edge: the label goes left of the line
    const [start, end] = flip ? [x - 2 - textWidth, x - 2] : [x + 2, x + 2 + textWidth];
    let row = rowEnds.findIndex((r) => start > r + 2);
    if (row < 0) row = rowEnds.length < 4 ? rowEnds.length : rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = end;
    labelAt.set(i, { x: flip ? x - 2 : x + 2, row, anchor: flip ? 'end' : 'start' });
  }
  events.forEach((e, i) => {
    const x = sx(e.x).toFixed(1);
    const color = e.color ?? '#666';
    const label = labelAt.get(i) as { x: number; row: number; anchor: string };
    parts.push(`<g data-event="${escapeXml(e.kind)}" data-x="${e.x}"${dataAttributes(e.data)}>`);
    parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + innerH}" stroke="${color}" stroke-dasharray="4 3" stroke-width="1"/>`);
    parts.push(
      `<text x="${label.x.toFixed(1)}" y="${top + 10 + 11 * label.row}" fill="${color}" font-size="9" text-anchor="${label.anchor}">${escapeXml(e.label)}</text>`,
      '</g>',
    );
  });
  return parts;
}

/** One series as a group: its error bars, its line and its markers (pts: its drawable points). */
function seriesParts(
  s: Series,
  color: string,
  pts: Array<[number, number]>,
  isDrawn: (p: [number, number]) => boolean,
  sx: (x: number) => number,
  sy: (y: number) => number,
): string[] {
  const parts: string[] = [];
  const dropped = s.points.length - pts.length;
  const bars = s.errorBars
    ? s.points.map((_, k): [number, number] => s.errorBars?.[k] ?? [NaN, NaN]).filter((_, k) => isDrawn(s.points[k]))
    : null;
  const barList = bars ? ` data-error-bars="${pointList(bars)}"` : '';
  parts.push(
    `<g data-series="${escapeXml(s.name)}" data-points="${pointList(pts)}"${barList}${dropped ? ` data-dropped="${dropped}"` : ''}${dataAttributes(s.data)}>`,
  );
  const faint = s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : '';
  (bars ?? []).forEach(([dx, dy], k) => {
    const [x, y] = pts[k];
    const line = (a: [number, number], b: [number, number]) => {
      if (isDrawn(a) && isDrawn(b))
        parts.push(
          `<line x1="${sx(a[0]).toFixed(1)}" y1="${sy(a[1]).toFixed(1)}" x2="${sx(b[0]).toFixed(1)}" y2="${sy(b[1]).toFixed(1)}" stroke="${color}" stroke-width="1"${faint}/>`,
        );
    };
    if (dx > 0) line([x - dx, y], [x + dx, y]);
    if (dy > 0) line([x, y - dy], [x, y + dy]);
  });
  if (pts.length > 1 && s.line !== false) {
    const d = pts.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.strokeWidth ?? 1.6}"${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ''}/>`,
    );
  }
  if (s.markers || s.line === false || pts.length === 1) {
    for (const [x, y] of pts) {
      parts.push(
        `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"${s.opacity !== undefined ? ` fill-opacity="${s.opacity}"` : ''}/>`,
      );
    }
  }
  parts.push('</g>');
  return parts;
}

/** Renders the plot as a standalone SVG document. */
export function renderLinePlot(plot: LinePlot): string {
  const width = plot.width ?? 560;
  const height = plot.height ?? 340;
  const log = plot.yScale === 'log';
  const margin = { left: 64, right: 16, top: 32, bottom: 48 };
  const innerW = width - margin.left - margin.right;
  const colorOf = (s: Series, i: number) => s.color ?? COLORS[i % COLORS.length];
  const isDrawn = ([x, y]: [number, number]) => Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0);
  const drawn = plot.series.map((s) => s.points.filter(isDrawn));
  /** Each drawn point's error bar ends, as the points [x − dx, y], [x + dx, y], [x, y − dy], [x, y + dy] that are drawable. */
  const barEnds = plot.series.map((s) =>
    s.points.flatMap(([x, y], i): Array<[number, number]> => {
      const [dx, dy] = s.errorBars?.[i] ?? [NaN, NaN];
      if (!isDrawn([x, y])) return [];
      return [
        ...(dx > 0
          ? ([
              [x - dx, y],
              [x + dx, y],
            ] as Array<[number, number]>)
          : []),
        ...(dy > 0
          ? ([
              [x, y - dy],
              [x, y + dy],
            ] as Array<[number, number]>)
          : []),
      ].filter(isDrawn);
    }),
  );
  // The legend names the series with something drawn (a series with no points, e.g. a run without kernel checks, is left out).
  const entries = plot.series.flatMap((s, i) =>
    s.legend === false || drawn[i].length === 0 ? [] : [{ name: s.name, color: colorOf(s, i) }],
  );
  const legendHeight = legend(entries, margin.left, innerW, 0).height;
  const innerH = height - margin.top - margin.bottom - legendHeight;
  const events = (plot.events ?? []).filter((e) => Number.isFinite(e.x));
  const xs = [...drawn.flat().map((p) => p[0]), ...barEnds.flat().map((p) => p[0]), ...events.map((e) => e.x)];
  const ys = [...drawn.flat(), ...barEnds.flat()].map((p) => p[1]);
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const toAxis = (y: number) => (log ? Math.log10(y) : y);
  let [y0, y1] = plot.yRange ? plot.yRange.map(toAxis) : ys.length ? [Math.min(...ys), Math.max(...ys)].map(toAxis) : [0, 1];
  if (!plot.yRange) {
    const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const sx = (x: number) => margin.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * innerW : innerW / 2);
  const sy = (y: number) => margin.top + innerH - ((toAxis(y) - y0) / (y1 - y0)) * innerH;
  const parts = svgOpen(width, height, plot.title, 'line');
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${innerW}" height="${innerH}" fill="none" stroke="#888"/>`);
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${margin.top + innerH}" y2="${margin.top + innerH + 4}" stroke="#888"/>`);
    parts.push(`<text x="${sx(t)}" y="${margin.top + innerH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  const yTicks = log ? logTicks(10 ** y0, 10 ** y1) : ticks(y0, y1);
  const yTickText = plot.yFormat === 'percent' ? formatPercentTick : formatTick;
  for (const t of yTicks) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + innerW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${yTickText(t)}</text>`);
  }
  const yLabel = `${plot.yLabel}${log ? ' (log scale)' : ''}`;
  parts.push(`<text x="${margin.left + innerW / 2}" y="${margin.top + innerH + 34}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + innerH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  parts.push(...eventParts(events, sx, margin.top, innerH, margin.left + innerW));
  plot.series.forEach((s, i) => parts.push(...seriesParts(s, colorOf(s, i), drawn[i], isDrawn, sx, sy)));
  parts.push(...legend(entries, margin.left, innerW, height - legendHeight - 4).parts, '</svg>');
  return parts.join('\n');
}

/** One run's polar kernel trajectory: radius ‖K_t − K_0‖/‖K_T − K_0‖ and angle arccos S(K_t, K_0) at each check. */
export interface PolarTrajectory {
  name: string;
  radius: number[];
  angle: number[];
  /** Epoch (fractional) of each check. */
  epochs: number[];
  color?: string;
  /** Write the epoch next to each point at a whole epoch (not at 0: every trajectory starts at the origin). */
  labelEpochs?: boolean;
  legend?: boolean;
  opacity?: number;
  data?: Record<string, string>;
}

/** A polar plot of kernel trajectories (renderPolarPlot draws it). */
export interface PolarPlot {
  title: string;
  trajectories: PolarTrajectory[];
  /** Width and height of the (square) drawing area in pixels. */
  size?: number;
}

/**
 * Polar trajectories on equal-aspect axes (one unit of radius is the same length in x and y), with
 * arcs of constant radius, rays of constant angle and epoch labels at whole epochs.
 */
export function renderPolarPlot(plot: PolarPlot): string {
  const size = plot.size ?? 360;
  const margin = { left: 48, right: 24, top: 32, bottom: 40 };
  const colorOf = (t: PolarTrajectory, i: number) => t.color ?? COLORS[i % COLORS.length];
  const width = size + margin.left + margin.right;
  const entries = plot.trajectories.flatMap((t, i) => (t.legend === false ? [] : [{ name: t.name, color: colorOf(t, i) }]));
  const legendHeight = legend(entries, margin.left, size, 0).height;
  const height = size + margin.top + margin.bottom + legendHeight;
  const points = plot.trajectories.map((t) =>
    t.radius
      .map((r, k) => [r * Math.cos(t.angle[k]), r * Math.sin(t.angle[k]), k] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const all = points.flat();
  // A square window holding the origin and every point: the same scale on both axes.
  const lo = Math.min(0, ...all.map((p) => Math.min(p[0], p[1])));
  const hi = Math.max(1e-9, ...all.map((p) => Math.max(p[0], p[1])));
  const pad = 0.05 * (hi - lo);
  const [v0, v1] = [lo - pad, hi + pad];
  const scale = size / (v1 - v0);
  const sx = (x: number) => margin.left + (x - v0) * scale;
  const sy = (y: number) => margin.top + size - (y - v0) * scale;
  const parts = svgOpen(width, height, plot.title, 'polar');
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${size}" height="${size}" fill="none" stroke="#888"/>`);
  // Angles lie in [0°, 90°] (S(K_t, K_0) >= 0 for PSD kernels): quarter arcs of constant radius, rays of constant angle.
  for (const r of ticks(0, v1).filter((r) => r > 0 && r <= v1)) {
    parts.push(
      `<path d="M${sx(r).toFixed(1)},${sy(0).toFixed(1)}A${(r * scale).toFixed(1)},${(r * scale).toFixed(1)} 0 0 0 ${sx(0).toFixed(1)},${sy(r).toFixed(1)}" fill="none" stroke="#eee"/>`,
    );
    parts.push(`<text x="${(sx(r) + 2).toFixed(1)}" y="${(sy(0) - 2).toFixed(1)}" fill="#999" font-size="9">${formatTick(r)}</text>`);
  }
  for (const deg of [15, 30, 45, 60, 75]) {
    const a = (deg * Math.PI) / 180;
    parts.push(
      `<line x1="${sx(0).toFixed(1)}" y1="${sy(0).toFixed(1)}" x2="${sx(v1 * Math.cos(a)).toFixed(1)}" y2="${sy(v1 * Math.sin(a)).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${sx(0.92 * v1 * Math.cos(a)).toFixed(1)}" y="${sy(0.92 * v1 * Math.sin(a)).toFixed(1)}" fill="#999" font-size="9">${deg}°</text>`,
    );
  }
  for (const t of ticks(v0, v1)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${margin.top + size + 14}" text-anchor="middle">${formatTick(t)}</text>`);
    parts.push(`<text x="${margin.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${margin.left + size / 2}" y="${margin.top + size + 30}" text-anchor="middle">radius · cos(angle)</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + size / 2}) rotate(-90)" text-anchor="middle">radius · sin(angle)</text>`);
  plot.trajectories.forEach((t, i) => {
    const color = colorOf(t, i);
    const pts = points[i];
    const opacity = t.opacity !== undefined ? ` stroke-opacity="${t.opacity}" fill-opacity="${t.opacity}"` : '';
    const logged = pts.map(([, , k]) => `${t.epochs[k]},${t.radius[k]},${t.angle[k]}`).join(' ');
    parts.push(`<g data-series="${escapeXml(t.name)}" data-polar="${logged}"${dataAttributes(t.data)}>`);
    if (pts.length > 1)
      parts.push(
        `<path d="${pts.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('')}" fill="none" stroke="${color}" stroke-width="1.6"${opacity}/>`,
      );
    for (const [x, y, k] of pts) {
      parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"${opacity}/>`);
      const epoch = t.epochs[k];
      if (t.labelEpochs && Number.isInteger(epoch) && epoch > 0) {
        parts.push(`<text x="${(sx(x) + 4).toFixed(1)}" y="${(sy(y) - 4).toFixed(1)}" fill="${color}" font-size="9">e${epoch}</text>`);
      }
    }
    parts.push('</g>');
  });
  parts.push(...legend(entries, margin.left, size, height - legendHeight - 4).parts, '</svg>');
  return parts.join('\n');
}

/** A heat map of a matrix (renderHeatmap draws it). */
export interface Heatmap {
  title: string;
  /** Row and column labels (e.g. the epoch of each kernel check). */
  labels: string[];
  /** Square matrix, matrix[i][j] for labels i, j. */
  matrix: number[][];
  /** What the colour means (e.g. `kernel distance 1 − S`). */
  valueLabel: string;
  /** Side of the matrix area in pixels. */
  size?: number;
}

const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function colorScale(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const mix = (a: string, b: string, f: number) =>
    [1, 3, 5]
      .map((o) =>
        Math.round(parseInt(a.slice(o, o + 2), 16) * (1 - f) + parseInt(b.slice(o, o + 2), 16) * f)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('');
  return `#${mix(VIRIDIS[i], VIRIDIS[i + 1], u - i)}`;
}

/** A heatmap of a square matrix (viridis, linear from its min to its max) with a colour bar; each cell carries data-i, data-j, data-value. */
export function renderHeatmap(map: Heatmap): string {
  const n = map.labels.length;
  if (map.matrix.length !== n || map.matrix.some((row) => row.length !== n)) {
    throw new RangeError(`renderHeatmap: the matrix must be ${n} x ${n} (one row and column per label).`);
  }
  const size = map.size ?? 360;
  const margin = { left: 56, right: 80, top: 32, bottom: 48 };
  const width = size + margin.left + margin.right;
  const height = size + margin.top + margin.bottom;
  const values = map.matrix.flat().filter(Number.isFinite);
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  const cell = size / Math.max(n, 1);
  const parts = svgOpen(width, height, map.title, 'heatmap');
  map.matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      const fill = Number.isFinite(v) ? colorScale(hi > lo ? (v - lo) / (hi - lo) : 0) : '#fff';
      parts.push(
        `<rect x="${(margin.left + j * cell).toFixed(2)}" y="${(margin.top + i * cell).toFixed(2)}" width="${cell.toFixed(2)}" height="${cell.toFixed(2)}" fill="${fill}" data-i="${i}" data-j="${j}" data-value="${v}"/>`,
      );
    }),
  );
  const every = Math.max(1, Math.ceil(n / 12));
  map.labels.forEach((label, i) => {
    if (i % every) return;
    const c = (i + 0.5) * cell;
    parts.push(
      `<text x="${margin.left - 4}" y="${(margin.top + c + 3).toFixed(1)}" text-anchor="end" font-size="9">${escapeXml(label)}</text>`,
    );
    parts.push(
      `<text x="${(margin.left + c).toFixed(1)}" y="${margin.top + size + 12}" text-anchor="middle" font-size="9">${escapeXml(label)}</text>`,
    );
  });
  parts.push(`<text x="${margin.left + size / 2}" y="${margin.top + size + 30}" text-anchor="middle">check (epoch)</text>`);
  const barX = margin.left + size + 16;
  for (let k = 0; k < 50; k++) {
    parts.push(
      `<rect x="${barX}" y="${(margin.top + size - ((k + 1) * size) / 50).toFixed(2)}" width="12" height="${(size / 50 + 0.5).toFixed(2)}" fill="${colorScale(k / 49)}"/>`,
    );
  }
  parts.push(
    `<text x="${barX + 16}" y="${margin.top + size}">${formatTick(lo)}</text>`,
    `<text x="${barX + 16}" y="${margin.top + 8}">${formatTick(hi)}</text>`,
  );
  parts.push(
    `<text transform="translate(${barX + 40} ${margin.top + size / 2}) rotate(90)" text-anchor="middle">${escapeXml(map.valueLabel)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

// A report as data: titled sections of text, tables and SVG figures, rendered to Markdown (figures
// as separate .svg files next to it) and to one standalone HTML page (figures inline, two columns
// on a wide screen, one on a narrow one). Section builders (training_report.ts, kernel_report.ts,
// compare.ts) only make Sections.

import type { Platform } from '../platform/index.js';
import { renderLinePlot, type LinePlot } from './svg.js';

/** One block of a report section: text, a table or a plot. */
export type Block =
  | { kind: 'text'; text: string }
  /** A text the reader must not miss (a missed accuracy floor, a mixed grid): red in HTML, a quote in Markdown. */
  | { kind: 'alert'; text: string }
  | { kind: 'table'; columns: string[]; rows: string[][] }
  /** `file`: the plot's file name next to report.md (e.g. `loss.svg`). */
  | { kind: 'plot'; file: string; plot: LinePlot }
  /** A figure already rendered (polar plot, heatmap): `svg` is a standalone SVG document. */
  | { kind: 'figure'; file: string; title: string; svg: string };

/** A titled section of a report. */
export interface Section {
  title: string;
  blocks: Block[];
}

/** A report rendered as Markdown and HTML, with its SVG plot files. */
export interface RenderedReport {
  markdown: string;
  html: string;
  /** The SVG files report.md links to. */
  plots: Array<{ file: string; svg: string }>;
}

/** Renders a document titled `title` made of `sections`, in order. */
export function renderReport(title: string, sections: Section[]): RenderedReport {
  const plots = sections.flatMap((s) =>
    s.blocks.flatMap((b) => {
      if (b.kind === 'plot') return [{ file: b.file, svg: renderLinePlot(b.plot) }];
      return b.kind === 'figure' ? [{ file: b.file, svg: b.svg }] : [];
    }),
  );
  const files = plots.map((p) => p.file);
  const repeated = files.find((f, i) => files.indexOf(f) !== i);
  if (repeated) throw new RangeError(`renderReport: two figures are named ${repeated}; each figure needs its own file.`);
  const svgOf = new Map(plots.map((p) => [p.file, p.svg]));
  const md: string[] = [`# ${title}`];
  const html: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}' +
      'table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}' +
      'th:first-child,td:first-child,td.text{text-align:left}.table{overflow-x:auto}' +
      '.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr));gap:1em;margin:1em 0}' +
      'figure{margin:0}figure svg{width:100%;height:auto}.alert{color:#b00020;font-weight:bold}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
  ];
  for (const section of sections) {
    md.push('', `## ${section.title}`);
    html.push(`<h2>${escapeHtml(section.title)}</h2>`);
    let inFigures = false;
    for (const block of section.blocks) {
      const figure = block.kind === 'plot' || block.kind === 'figure';
      if (figure !== inFigures) html.push(figure ? '<div class="figures">' : '</div>');
      inFigures = figure;
      if (block.kind === 'text') {
        md.push('', block.text);
        html.push(`<p>${escapeHtml(block.text)}</p>`);
      } else if (block.kind === 'alert') {
        md.push('', `> **${block.text}**`);
        html.push(`<p class="alert">${escapeHtml(block.text)}</p>`);
      } else if (block.kind === 'table') {
        const cell = (t: string) => t.replace(/\|/g, '\\|');
        md.push('', `| ${block.columns.map(cell).join(' | ')} |`, `|${block.columns.map(() => '---').join('|')}|`);
        for (const row of block.rows) md.push(`| ${row.map(cell).join(' | ')} |`);
        html.push('<div class="table"><table>', `<tr>${block.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`);
        for (const row of block.rows)
          html.push(`<tr>${row.map((c) => `<td${isNumeric(c) ? '' : ' class="text"'}>${escapeHtml(c)}</td>`).join('')}</tr>`);
        html.push('</table></div>');
      } else {
        md.push('', `![${block.kind === 'plot' ? block.plot.title : block.title}](${block.file})`);
        html.push(`<figure>${svgOf.get(block.file)}</figure>`);
      }
    }
    if (inFigures) html.push('</div>');
  }
  html.push('</body></html>');
  return { markdown: `${md.join('\n')}\n`, html: `${html.join('\n')}\n`, plots };
}

/** Writes report.md, report.html and the plot files into `dir`, each atomically. */
export async function writeReport(platform: Platform, dir: string, report: RenderedReport): Promise<void> {
  const encode = (text: string) => new TextEncoder().encode(text);
  await platform.writeFileAtomic(`${dir}/report.md`, encode(report.markdown));
  await platform.writeFileAtomic(`${dir}/report.html`, encode(report.html));
  for (const p of report.plots) await platform.writeFileAtomic(`${dir}/${p.file}`, encode(p.svg));
}

/** A cell of numbers (right-aligned), e.g. `51.4%`, `0.1317 ± 0.02 [0.1, 0.2]`, `-`; other text is left-aligned. */
const isNumeric = (cell: string): boolean => /^[-+0-9.,%±[\]\se]*$/.test(cell);

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

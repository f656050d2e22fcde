// A report as data: titled sections of text, tables and SVG line plots, rendered to Markdown (plots
// as separate .svg files next to it) and to one standalone HTML page (plots inline). Section
// builders (training_report.ts, and any that render other log record types) only make Sections.

import type { Platform } from '../platform/index.js';
import { renderLinePlot, type LinePlot } from './svg.js';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'table'; columns: string[]; rows: string[][] }
  /** `file`: the plot's file name next to report.md (e.g. `loss.svg`). */
  | { kind: 'plot'; file: string; plot: LinePlot }
  /** A ready-made SVG figure (e.g. a heatmap), written to `file` like a plot. */
  | { kind: 'figure'; file: string; title: string; svg: string };

export interface Section {
  title: string;
  blocks: Block[];
}

export interface RenderedReport {
  markdown: string;
  html: string;
  /** The SVG files report.md links to. */
  plots: Array<{ file: string; svg: string }>;
}

/** Renders a document titled `title` made of `sections`, in order. */
export function renderReport(title: string, sections: Section[]): RenderedReport {
  const plots = sections.flatMap((s) => s.blocks.flatMap((b) =>
    (b.kind === 'plot' ? [{ file: b.file, svg: renderLinePlot(b.plot) }] : b.kind === 'figure' ? [{ file: b.file, svg: b.svg }] : [])));
  const svgOf = new Map(plots.map((p) => [p.file, p.svg]));
  const md: string[] = [`# ${title}`];
  const html: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}' +
      'table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}' +
      'th:first-child,td:first-child{text-align:left}figure{display:inline-block;margin:0.5em}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
  ];
  for (const section of sections) {
    md.push('', `## ${section.title}`);
    html.push(`<h2>${escapeHtml(section.title)}</h2>`);
    for (const block of section.blocks) {
      if (block.kind === 'text') {
        md.push('', block.text);
        html.push(`<p>${escapeHtml(block.text)}</p>`);
      } else if (block.kind === 'table') {
        const cell = (t: string) => t.replace(/\|/g, '\\|');
        md.push('', `| ${block.columns.map(cell).join(' | ')} |`, `|${block.columns.map(() => '---').join('|')}|`);
        for (const row of block.rows) md.push(`| ${row.map(cell).join(' | ')} |`);
        html.push('<table>', `<tr>${block.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`);
        for (const row of block.rows) html.push(`<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
        html.push('</table>');
      } else {
        md.push('', `![${block.kind === 'plot' ? block.plot.title : block.title}](${block.file})`);
        html.push(`<figure>${svgOf.get(block.file)}</figure>`);
      }
    }
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

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Report building blocks: tick generation, the SVG plot (valid markup, every series drawn, points
// placed by value, log and percent axes, event markers), and the JSON-lines run log written in order.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/platform/node.js';
import { parseRunLog, RunLog } from '../../src/io/runlog.js';
import { logTicks, renderLinePlot, ticks } from '../../src/report/svg.js';

describe('svg plots', () => {
  it('makes 1-2-5 ticks covering the range', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0, 37)).toEqual([0, 10, 20, 30]);
  });

  it('draws every series with a legend entry, ignoring non-finite points', () => {
    const svg = renderLinePlot({
      title: 'acc <clean>',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: [
        {
          name: 'clean',
          points: [
            [0, 0.1],
            [1, 0.5],
            [2, 0.8],
          ],
        },
        {
          name: 'pgd',
          points: [
            [0, 0],
            [1, NaN],
            [2, 0.3],
          ],
          markers: true,
        },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('acc &lt;clean&gt;');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('>clean<');
    expect(svg).toContain('>pgd<');
    const scatter = renderLinePlot({
      title: 'cost',
      xLabel: 'passes',
      yLabel: 'accuracy',
      series: [
        {
          name: 'runs',
          points: [
            [1, 0.5],
            [3, 0.7],
            [2, 0.6],
          ],
          line: false,
        },
      ],
    });
    expect(scatter).not.toContain('<path ');
    expect(scatter.match(/<circle /g)).toHaveLength(3);
  });

  it('draws error bars around points (none where 0 or NaN), with their half-widths as data, inside the axes', () => {
    const svg = renderLinePlot({
      title: 'cost',
      xLabel: 'passes',
      yLabel: 'accuracy',
      yFormat: 'percent',
      series: [
        {
          name: 'mean ± sd',
          points: [
            [1, 0.5],
            [2, NaN],
            [3, 0.7],
          ],
          line: false,
          errorBars: [
            [0.2, 0.1],
            [1, 1],
            [0, NaN],
          ],
        },
      ],
    });
    expect(svg).toContain('data-error-bars="0.2,0.1 0,NaN"');
    expect(svg.match(/<line x1="[\d.]+" y1="[\d.]+" x2/g)).toHaveLength(2); // the first point's two bars; the NaN point and the zero bars draw none
    expect(svg).toContain('>40%<'); // the y axis reaches down to the bar's end at 0.5 − 0.1 (without the bars it would start near 50 %)
  });
});

describe('svg axes and events', () => {
  it('puts log ticks at powers of ten, with 2 and 5 multiples over a short range', () => {
    expect(logTicks(3, 40000)).toEqual([10, 100, 1000, 10000]);
    expect(logTicks(150, 2500)).toEqual([200, 500, 1000, 2000]);
  });

  it('draws a log axis without the non-positive values (counted), percent ticks, and events as dashed lines with their data', () => {
    const log = renderLinePlot({
      title: 'spectrum',
      xLabel: 'epoch',
      yLabel: 'λ_max',
      yScale: 'log',
      series: [
        {
          name: 'a',
          points: [
            [0, 100],
            [1, 0],
            [2, 1e4],
          ],
          data: { run: 'r1' },
        },
      ],
      events: [{ x: 1.5, kind: 'switch', label: 'switch', data: { runs: 'r1' } }],
    });
    expect(log).toContain('λ_max (log scale)');
    expect(log).toContain('data-points="0,100 2,10000" data-dropped="1" data-run="r1"');
    expect(log).toContain('<g data-event="switch" data-x="1.5" data-runs="r1">');
    expect(log).toContain('stroke-dasharray="4 3"');
    for (const t of ['>100<', '>1000<', '>1e4<']) expect(log).toContain(t);
    // 100 and 1e4 at the bottom and top of the padded axis, 1000 halfway between them
    const y = (label: string) => Number(new RegExp(`y="([0-9.]+)" text-anchor="end">${label}<`).exec(log)?.[1]);
    expect(y('1000')).toBeCloseTo((y('100') + y('1e4')) / 2, 0);
    const percent = renderLinePlot({
      title: 'acc',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      yFormat: 'percent',
      yRange: [0, 1],
      series: [{ name: 'a', points: [[1, 0.5]] }],
    });
    expect(percent).toContain('>100%<');
    expect(percent).toContain('>40%<');
  });
});

describe('run log', () => {
  it('appends JSON lines in write order and reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntk-at-log-'));
    try {
      const log = new RunLog(nodePlatform, join(dir, 'sub', 'log.jsonl'));
      for (let i = 0; i < 50; i++) log.write({ type: 'step', step: i, loss: 1 / (i + 1) });
      log.write({ type: 'epoch', epoch: 1 });
      await log.flush();
      const back = parseRunLog(readFileSync(join(dir, 'sub', 'log.jsonl'), 'utf8'));
      expect(back.map((r) => r.step ?? r.epoch)).toEqual([...Array.from({ length: 50 }, (_, i) => i), 1]);
      expect(log.ofType('epoch')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Report building blocks: tick generation, the SVG plot (valid markup, every series drawn, points
// placed by value), and the JSON-lines run log written in order to disk.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/platform/node.js';
import { parseRunLog, RunLog } from '../../src/report/runlog.js';
import { renderLinePlot, ticks } from '../../src/report/svg.js';

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
        { name: 'clean', points: [[0, 0.1], [1, 0.5], [2, 0.8]] },
        { name: 'pgd', points: [[0, 0], [1, NaN], [2, 0.3]], markers: true },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('acc &lt;clean&gt;');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('>clean<');
    expect(svg).toContain('>pgd<');
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

// Hostile values that reach the library without a device: option objects with prototype keys
// (any depth, also as JSON from another thread), oversized requests, run logs with null or broken
// lines, and the Ctrl-C resume hint.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/platform/node.js';
import { interruptMessage } from '../../src/cli/cli.js';
import { syntheticShapes, SYNTHETIC_MAX_PIXELS } from '../../src/data/synthetic.js';
import { resolveOptions } from '../../src/options.js';
import { parseRunLog, RunLog } from '../../src/io/runlog.js';
import { resolveRecipe } from '../../src/run/recipe.js';

describe('hostile inputs', () => {
  it('option keys that reach a prototype are E_INVALID_ARGUMENT at any depth, and nothing is polluted', () => {
    const defaults = { a: 1, nested: { b: 2 } };
    for (const json of [
      '{"__proto__": {"a": 5}}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '{"nested": {"__proto__": {"polluted": true}}}',
      '{"nested": [{"prototype": 1}]}',
    ]) {
      expect(() => resolveOptions('test', defaults, JSON.parse(json)), json).toThrow(/E_INVALID_ARGUMENT.*not allowed/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The run recipe validator gets the same check (a recipe arrives as JSON or structured-cloned).
    expect(() => resolveRecipe(JSON.parse('{"__proto__": {"training": {"method": "standard"}}}'))).toThrow(
      /E_INVALID_ARGUMENT.*"__proto__" is not allowed/,
    );
    expect(() => resolveRecipe(JSON.parse('{"data": {"dataset": "synthetic-shapes", "constructor": 1}}'))).toThrow(
      /E_INVALID_ARGUMENT.*"data\.constructor" is not allowed/,
    );
  });

  it('a generated data set past the size limit is refused before any work, naming the limit', () => {
    const start = Date.now();
    expect(() => syntheticShapes({ perClass: 100_020 })).toThrow(new RegExp(`E_RESOURCE_LIMIT.*limit of ${SYNTHETIC_MAX_PIXELS} pixels`));
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('a null, non-object or broken line in a run log is E_DATA_FORMAT naming the line', () => {
    const good = '{"type":"config"}\n{"type":"step","step":1}\n';
    expect(parseRunLog(`${good}\n`)).toHaveLength(2);
    for (const [line, problem] of [
      ['null', 'is null'],
      ['[1]', 'not a record'],
      ['{"step":1}', 'no string "type"'],
      ['{"type":', 'not JSON'],
      ['7', 'is 7'],
    ]) {
      expect(() => parseRunLog(`${good}${line}\n`, 'runs/x/log.jsonl'), line).toThrow(
        new RegExp(`E_DATA_FORMAT.*runs/x/log\\.jsonl: line 3 .*${problem.replace(/[[\]]/g, '\\$&')}`),
      );
    }
  });

  it('a resume event rewinds the log to its step, atomically: no duplicate records, the whole run in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-log-'));
    try {
      const path = join(dir, 'log.jsonl');
      const killed = new RunLog(nodePlatform, path);
      killed.write({ type: 'config', run: 1 });
      for (let step = 1; step <= 6; step++) killed.write({ type: 'step', step });
      killed.write({ type: 'kernel', step: 4 });
      killed.write({ type: 'epoch', step: 4 });
      killed.write({ type: 'kernel', step: 6 }); // after the checkpoint at step 4: lost with the kill
      await killed.flush();
      const resumed = new RunLog(nodePlatform, path);
      resumed.write({ type: 'config', run: 2 });
      resumed.write({ type: 'event', event: 'resume', step: 4 });
      resumed.write({ type: 'step', step: 5 });
      await resumed.flush();
      const onDisk = parseRunLog(readFileSync(path, 'utf8'));
      const summary = (records: typeof onDisk) => records.map((r) => `${r.type}${r.step ?? ''}`);
      expect(summary(onDisk)).toEqual(['config', 'step1', 'step2', 'step3', 'step4', 'kernel4', 'epoch4', 'config', 'event4', 'step5']);
      expect(summary(resumed.records)).toEqual(summary(onDisk));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Ctrl-C: the hint is the exact command that resumes from the last checkpoint', () => {
    const args = ['train', '--epochs', '3', '--out', 'runs/my run', '--resume', 'old.safetensors', '--resume=older'];
    expect(interruptMessage(args, 'runs/my run/checkpoint.safetensors')).toContain(
      "ntk-at train --epochs 3 --out 'runs/my run' --resume 'runs/my run/checkpoint.safetensors'",
    );
    expect(interruptMessage(args, null)).toMatch(/before the first checkpoint.*nothing to resume/);
  });
});

// A log survives a torn write (issue 26, class 2): a partial last line in log.jsonl (a crash or a full
// disk mid-append) is dropped by every reader and cut off before the next append, so report, run,
// evaluate --log and train --resume all work on such a directory and leave whole lines only.

import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectContiguousSteps, wholeLog } from './expect.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-torn-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = [
  '--dataset',
  'synthetic-clusters',
  '--train-size',
  '100',
  '--val-size',
  '0',
  '--test-size',
  '50',
  '--hidden',
  '8',
  '--batch-size',
  '50',
  '--method',
  'standard',
  '--threats',
  'clean',
  '--log-every',
  '1',
  '--schedule',
  'constant',
];
const finished = join(work, 'finished');
const TORN = '{"type":"step","step":99,"los';

/** A copy of the finished run whose log ends in a torn line. */
function tornCopy(name: string): string {
  const dir = join(work, name);
  cpSync(finished, dir, { recursive: true });
  appendFileSync(join(dir, 'log.jsonl'), TORN);
  return dir;
}

beforeAll(async () => {
  const r = await cli(['train', ...TINY, '--epochs', '1', '--out', finished]);
  expect(r.code, r.err).toBe(0);
});

describe('a torn last line of log.jsonl', () => {
  it('report rewrites the report from the whole records', async () => {
    const dir = tornCopy('report');
    const r = await cli(['report', dir], { timeoutMs: 60_000 });
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/clean/);
  });

  it('evaluate --log appends its record on a line of its own (the torn line cut off)', async () => {
    const dir = tornCopy('evaluate');
    const r = await cli(
      ['evaluate', '--checkpoint', join(dir, 'checkpoint.safetensors'), '--threats', 'clean', '--log', join(dir, 'log.jsonl')],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.err).toBe(0);
    const log = wholeLog(join(dir, 'log.jsonl'));
    expect(log.at(-1)?.type).toBe('eval');
    expect(log.filter((x) => x.type === 'eval')).toHaveLength(2);
  });

  it('train --resume rewinds the log past the torn line and finishes with whole, contiguous records', async () => {
    const dir = tornCopy('resume');
    const r = await cli(['train', ...TINY, '--epochs', '2', '--resume', join(dir, 'checkpoint.safetensors')], { timeoutMs: 120_000 });
    expect(r.code, r.err).toBe(0);
    const log = wholeLog(join(dir, 'log.jsonl'));
    expectContiguousSteps(log);
    expect(log.some((x) => x.type === 'event' && x.event === 'resume')).toBe(true);
  });

  it('ntk-at run sees a finished task through a torn tail and skips it', async () => {
    const plan = join(work, 'plan');
    mkdirSync(join(plan, 'runs'), { recursive: true });
    const { recipe } = JSON.parse(readFileSync(join(finished, 'config.json'), 'utf8')) as { recipe: unknown }; // the finished run's resolved recipe
    const task = { experiment: 'hand', index: 0, id: 't', variant: 't', seed: 0, recipe, dir: 't' };
    writeFileSync(join(plan, 'runs', '0.json'), JSON.stringify(task));
    cpSync(finished, join(plan, 't'), { recursive: true });
    writeFileSync(join(plan, 't', 'run.json'), JSON.stringify({ id: 't', variant: 't', seed: 0, recipe }));
    appendFileSync(join(plan, 't', 'log.jsonl'), TORN);
    const r = await cli(['run', join(plan, 'runs', '0.json')], { timeoutMs: 60_000 });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/already finished/);
  });
});

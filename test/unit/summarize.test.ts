// The closing line of scripts/test.sh (scripts/summarize.mjs) on a real vitest run whose test process
// is killed mid-file: the tests that never ran count as failed, so a dying process turns CI red
// even though vitest's JSON report still says `success: true`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ntk-at-summarize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DIES = `import { expect, it } from 'vitest';
it('passes first', () => expect(1).toBe(1));
it('kills its own test process', () => { process.kill(process.pid, 'SIGKILL'); });
it('never runs', () => expect(1).toBe(1));
`;
const FINE = `import { expect, it } from 'vitest';
it('passes', () => expect(1).toBe(1));
it.skip('is skipped', () => expect(1).toBe(1));
`;

/** Runs vitest over the fixture files in a fresh root; returns the results directory. */
function vitestRun(files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'root-'));
  mkdirSync(join(root, 't'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 't', name), text);
  writeFileSync(join(root, 'vitest.config.mjs'), "export default { test: { include: ['t/*.fixture.test.mjs'], pool: 'forks' } };\n");
  const results = join(root, 'results');
  mkdirSync(results);
  spawnSync(
    join(process.cwd(), 'node_modules/.bin/vitest'),
    [
      'run',
      '--root',
      root,
      '--config',
      join(root, 'vitest.config.mjs'),
      '--reporter=json',
      `--outputFile.json=${join(results, 'vitest.json')}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return results;
}

function summarize(results: string): { status: number | null; vitestLine: string; closing: string } {
  const run = spawnSync(process.execPath, ['scripts/summarize.mjs', results], { encoding: 'utf8' });
  const lines = run.stdout.trim().split('\n');
  return { status: run.status, vitestLine: lines.find((l) => l.trim().startsWith('vitest '))?.trim() ?? '', closing: lines.at(-1) ?? '' };
}

describe('summarize: a test process that dies', () => {
  it('counts the tests it never ran as failed (vitest itself still reports success)', () => {
    const results = vitestRun({ 'dies.fixture.test.mjs': DIES, 'fine.fixture.test.mjs': FINE });
    const report = JSON.parse(readFileSync(join(results, 'vitest.json'), 'utf8'));
    expect(report.success).toBe(true); // why summarize must look at the counts
    const { status, vitestLine } = summarize(results);
    // The dying file's results are lost with its process: its 3 tests never finished; 1 passed, 1 skipped elsewhere.
    expect(vitestLine).toBe('vitest    1 passed, 3 failed, 1 skipped');
    expect(status).toBe(1);
  });

  it('leaves a healthy run green in its own line', () => {
    const { vitestLine } = summarize(vitestRun({ 'fine.fixture.test.mjs': FINE }));
    expect(vitestLine).toBe('vitest    1 passed, 0 failed, 1 skipped');
  });
});

// Output directories the user may not write, for real: run as root (CI, containers) the CLI runs
// under an unprivileged uid (setpriv, or runuser) instead of being skipped, from a world-readable
// copy of dist/cli.js. Each case asserts E_IO before any work, exit 1, and nothing written.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTyped } from './expect.js';
import { CLI, runNode, snapshot } from './processes.js';

const NOBODY = 65534;
const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-unprivileged-'));
chmodSync(work, 0o755); // mkdtemp makes it 0700: the unprivileged user must reach what is inside
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** How to run a command unprivileged here: nothing to add (not root), a prefix, or why it cannot be done. */
function unprivileged(): { prefix: string[] } | { refused: string } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const candidates = [
    ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  const failures: string[] = [];
  for (const prefix of candidates) {
    try {
      const uid = execFileSync(prefix[0], [...prefix.slice(1), 'id', '-u'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
      if (uid !== '0') return { prefix };
      failures.push(`${prefix[0]} kept uid 0`);
    } catch (e) {
      failures.push(`${prefix[0]}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { refused: `running as root and no way to drop privileges (${failures.join('; ')})` };
}

const how = unprivileged();
const refused = 'refused' in how ? how.refused : null;
// The checkout may live where the unprivileged user cannot read (e.g. /root): run a world-readable
// copy of the bundle (dist/cli.js holds the whole CLI; native modules load only after these checks).
const bin = join(work, 'bin');
mkdirSync(bin, { mode: 0o755 });
const cli = join(bin, 'cli.js');
copyFileSync(CLI, cli);
chmodSync(cli, 0o644);

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
  '--epochs',
  '1',
  '--batch-size',
  '50',
  '--method',
  'standard',
  '--threats',
  'clean',
];
const run = (args: string[]) => runNode(cli, args, { timeoutMs: 30_000, cwd: bin, prefix: 'prefix' in how ? how.prefix : [] });

describe(`unwritable output directories, as an unprivileged user${refused ? ` (skipped: ${refused})` : ''}`, () => {
  it.skipIf(refused !== null)('the unprivileged user really is refused there (else these cases prove nothing)', () => {
    const locked = join(work, 'probe');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    let wrote = true;
    try {
      execFileSync(...shell('prefix' in how ? how.prefix : [], ['touch', join(locked, 'x')]), { stdio: 'pipe' });
    } catch {
      wrote = false;
    }
    expect(wrote, 'the unprivileged user could create a file in a 0555 directory').toBe(false);
  });

  it.skipIf(refused !== null)(
    '--out below a directory without write permission: E_IO naming it, exit 1, before any work, nothing written',
    async () => {
      const locked = join(work, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      const before = snapshot(work);
      const r = await run(['train', ...TINY, '--out', join(locked, 'run')]);
      expectTyped(r, 'E_IO', 1, new RegExp(`cannot write in ${join(locked, 'run')}: creating a file in ${locked} failed \\(EACCES`));
      expect(r.err).not.toMatch(/adapter:/); // refused before the device was touched
      expect(snapshot(work)).toEqual(before);
    },
  );

  it.skipIf(refused !== null)(
    '--out an existing run directory it may not write (root-owned, 0755): E_IO, its files untouched',
    async () => {
      const done = join(work, 'done-run');
      mkdirSync(done, { mode: 0o755 });
      writeFileSync(join(done, 'log.jsonl'), '{"type":"config"}\n', { mode: 0o644 });
      writeFileSync(join(done, 'checkpoint.safetensors'), 'not really a checkpoint', { mode: 0o644 });
      const before = snapshot(work);
      const r = await run(['train', ...TINY, '--out', done]);
      expectTyped(r, 'E_IO', 1, /cannot write in .*done-run.*EACCES/);
      expect(snapshot(work)).toEqual(before);
      // the same directory is refused to `report` (it writes report.md there) with a typed error too
      const rep = await run(['report', done]);
      expectTyped(rep, 'E_IO', 1, /report\.md.*EACCES|EACCES.*report\.md/);
      expect(snapshot(work)).toEqual(before);
    },
  );
});

/** `command` under `prefix` (which may be empty), as execFileSync's file and arguments. */
function shell(prefix: string[], command: string[]): [string, string[]] {
  const all = [...prefix, ...command];
  return [all[0], all.slice(1)];
}

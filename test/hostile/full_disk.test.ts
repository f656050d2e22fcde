// A disk that fills while a run writes (a small tmpfs; skipped, saying why, only where mount is not
// permitted): the second checkpoint does not fit, or the log's next lines do not. Each ends in E_IO
// naming the file, exit 1, the first epoch's checkpoint intact (same bytes), no temporary, lock or
// cut log line left behind, and `train --resume` finishing the run once there is room again.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { expectContiguousSteps, expectTyped, wholeLog } from './expect.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-disk-'));
const mounts: string[] = [];
afterAll(() => {
  for (const dir of mounts) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // busy: detach it now, freed once unused
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** A fresh tmpfs of `size` (e.g. `2m`) mounted at work/<name>. */
function tmpfs(name: string, size: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

/** Why this process may not mount a tmpfs (not root, no CAP_SYS_ADMIN, a sandbox), or null. */
const mountRefused = (() => {
  try {
    const dir = tmpfs('probe', '64k');
    execFileSync('umount', [dir], { stdio: 'pipe' });
    mounts.pop();
    return null;
  } catch (e) {
    return ((e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message).split('\n')[0];
  }
})();

/** Writes zeros into `dir` until it is full (ENOSPC); the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(64 << 20));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    return filler;
  }
  throw new Error(`${dir} took 64 MiB without filling up`);
}

const ARGS = [
  'train',
  '--dataset',
  'synthetic-clusters',
  '--val-size',
  '0',
  '--test-size',
  '50',
  '--epochs',
  '3',
  '--method',
  'standard',
  '--threats',
  'clean',
  '--log-every',
  '1',
  '--schedule',
  'constant',
];
/** Epoch 1's progress bar finished: its checkpoint is saved (the trainer saves before it reports the epoch). */
const firstEpochDone = (err: string) => /epoch 1\/3 .*img\/s/.test(err);

/** What a run that failed on a full disk must leave: its first checkpoint, its config, a log of whole lines and nothing else. */
function expectFirstEpochKept(run: string, first: Buffer | null): void {
  const checkpoint = join(run, 'checkpoint.safetensors');
  expect(first, 'the run was never paused after its first epoch').not.toBeNull();
  expect(readFileSync(checkpoint).equals(first as Buffer), 'the checkpoint changed').toBe(true);
  expect(decodeCheckpoint(readFileSync(checkpoint), checkpoint).epoch).toBe(1);
  expect(readdirSync(run).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'log.jsonl']); // no temporary, lock or report
  const log = wholeLog(join(run, 'log.jsonl'));
  expectContiguousSteps(log);
  expect(log.filter((r) => r.type === 'epoch').map((r) => r.epoch)).toContain(0);
}

/** Resumes `run` (same arguments) once there is room: it finishes all 3 epochs, its log whole, no step twice. */
async function expectResumable(args: string[], run: string): Promise<void> {
  const resumed = await cli([...args, '--resume', join(run, 'checkpoint.safetensors')], { timeoutMs: 120_000 });
  expect(resumed.code, resumed.err).toBe(0);
  const log = wholeLog(join(run, 'log.jsonl'));
  expectContiguousSteps(log);
  expect(log.filter((r) => r.type === 'epoch').map((r) => r.epoch)).toEqual([0, 1, 2]);
  expect(decodeCheckpoint(readFileSync(join(run, 'checkpoint.safetensors')), run).epoch).toBe(3);
}

describe(`a full disk while a run writes${mountRefused ? ` (skipped: mount -t tmpfs is not permitted here: ${mountRefused})` : ''}`, () => {
  it.skipIf(mountRefused !== null)(
    'the second checkpoint does not fit (2 MB tmpfs, 1.2 MB checkpoints): E_IO naming it, the first kept byte for byte',
    async () => {
      const disk = tmpfs('checkpoint', '2m');
      const run = join(disk, 'run');
      const args = [...ARGS, '--train-size', '100', '--batch-size', '50', '--hidden', '2000']; // 150k parameters + momentum
      let first: Buffer | null = null;
      const r = await cli([...args, '--out', run], {
        timeoutMs: 120_000,
        pause: {
          when: firstEpochDone,
          then: () => {
            first = readFileSync(join(run, 'checkpoint.safetensors'));
          },
        },
      });
      expectTyped(r, 'E_IO', 1, /cannot write \S+\/checkpoint\.safetensors: ENOSPC/);
      expect((first as Buffer | null)?.length).toBeGreaterThan(1_000_000); // two never fit: the second write must fail
      expectFirstEpochKept(run, first);
      execFileSync('mount', ['-o', 'remount,size=8m', disk]);
      await expectResumable(args, run);
    },
  );

  it.skipIf(mountRefused !== null)(
    "the log's next lines do not fit (disk filled after epoch 1): E_IO naming log.jsonl, no cut line, no crash",
    async () => {
      const disk = tmpfs('log', '1m');
      const run = join(disk, 'run');
      // 100 steps an epoch, one ~250-byte record each: epoch 2's lines outgrow the log's last page before its checkpoint
      const args = [...ARGS, '--train-size', '1000', '--batch-size', '10', '--hidden', '8'];
      let first: Buffer | null = null;
      let filler = '';
      const r = await cli([...args, '--out', run], {
        timeoutMs: 120_000,
        pause: {
          when: firstEpochDone,
          then: () => {
            first = readFileSync(join(run, 'checkpoint.safetensors'));
            filler = fill(disk);
          },
        },
      });
      expectTyped(r, 'E_IO', 1, /cannot write \S+\/log\.jsonl: ENOSPC/);
      expectFirstEpochKept(run, first);
      rmSync(filler);
      await expectResumable(args, run);
    },
  );
});

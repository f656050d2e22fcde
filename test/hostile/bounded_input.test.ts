// Input is bounded before it is read (issue 26, class 5): a device or an oversized file as --config or
// as a checkpoint is refused from its stat, a gzip bomb behind a valid IDX header stops at the size
// the header declares, a 300,000-entry layer list is refused by validation at once, and NTK tracking
// that cannot fit in memory is refused with what would fit, before anything is written.

import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeIdx } from '../../src/data/idx.js';
import { NtkError } from '../../src/errors.js';
import { expectTyped } from './expect.js';
import { cli } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-bounded-'));
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
  '--epochs',
  '1',
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

describe('input bounded before it is read', () => {
  it('--config /dev/zero: E_IO (not a regular file) within seconds, nothing written', async () => {
    const out = join(work, 'zero');
    const r = await cli(['train', '--config', '/dev/zero', '--out', out], { timeoutMs: 20_000 });
    expectTyped(r, 'E_IO', 1, /\/dev\/zero: it is not a regular file/);
    expect(existsSync(out)).toBe(false);
  });

  it('--config of 17 MiB: E_RESOURCE_LIMIT from its size, not read', async () => {
    const file = join(work, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, 17 * 2 ** 20);
    expectTyped(
      await cli(['train', '--config', file, '--out', join(work, 'huge')], { timeoutMs: 20_000 }),
      'E_RESOURCE_LIMIT',
      1,
      /17825792 bytes, more than the 16777216/,
    );
  });

  it('a checkpoint that is /dev/zero, or a 3 GiB file: refused from its stat within seconds', async () => {
    expectTyped(
      await cli(['evaluate', '--checkpoint', '/dev/zero', '--threats', 'clean'], { timeoutMs: 20_000 }),
      'E_IO',
      1,
      /not a regular file/,
    );
    const file = join(work, 'sparse.safetensors');
    writeFileSync(file, '');
    truncateSync(file, 3 * 2 ** 30); // sparse: no disk used
    expectTyped(
      await cli(['evaluate', '--checkpoint', file, '--threats', 'clean'], { timeoutMs: 20_000 }),
      'E_RESOURCE_LIMIT',
      1,
      /3221225472 bytes/,
    );
  });

  it('a gzip bomb behind a valid IDX header stops inflating at the size the header declares', async () => {
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28]); // 10 images of 28x28: 7,856 bytes
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)])); // inflates to 64 MiB
    expect(bomb.length).toBeLessThan(2 ** 18);
    const error = await decodeIdx(bomb, 'bomb-images-idx3-ubyte.gz').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NtkError);
    expect((error as NtkError).code).toBe('E_DATA_FORMAT');
    expect((error as NtkError).message).toMatch(/inflates beyond 7856 bytes, the size its header declares/);
  });

  it('a 300,000-entry hidden-layer list: E_INVALID_ARGUMENT from validation within seconds', async () => {
    const file = join(work, 'wide.json');
    writeFileSync(file, JSON.stringify({ model: { kind: 'mlp', hidden: new Array(300_000).fill(1) } }));
    const r = await cli(['train', '--config', file, '--out', join(work, 'wide')], { timeoutMs: 30_000 });
    expectTyped(r, 'E_INVALID_ARGUMENT', 2, /"model\.hidden" must be a list of at most 256 entries/);
    expect(existsSync(join(work, 'wide'))).toBe(false);
  });

  it('NTK tracking on 10,000 probes: E_RESOURCE_LIMIT with the probes that fit, before anything is written', async () => {
    const out = join(work, 'tracking');
    const r = await cli(['train', ...TINY, '--test-size', '10000', '--ntk', '--probe-per-class', '1000', '--out', out], {
      timeoutMs: 30_000,
    });
    expectTyped(
      r,
      'E_RESOURCE_LIMIT',
      1,
      /tracking the NTK of 10000 probes.*GiB of kernels.*use at most \d+ probes per class.*--probe-per-class/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

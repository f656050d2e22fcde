// `ntk-at` as a careless or hostile user drives it, each in a child process under a timeout:
// wrong option types, ranges and conflicts, bad output paths (a file, /proc, /sys, no permission),
// a huge model, corrupted checkpoints and logs. Each case asserts the typed error code, the exit
// code, that nothing was written or overwritten, and that the process neither crashed nor hung.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors, decodeSafetensors } from '../../src/io/safetensors.js';
import { cli, snapshot, type Finished } from './processes.js';

const work = mkdtempSync(join(tmpdir(), 'ntk-at-hostile-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tiny, fast run (synthetic clusters, 100 images, one epoch). */
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
const run = join(work, 'run');
const checkpoint = join(run, 'checkpoint.safetensors');

/** The typed failure every hostile case must end in: the code in stderr, the exit code, no crash, no hang. */
function expectTyped(r: Finished, code: string, exit: number, pattern: RegExp = /./): void {
  expect(r.timedOut, `timed out after ${r.ms} ms\n${r.err}`).toBe(false);
  expect(r.signal).toBe(null);
  expect(r.err, r.err).toMatch(new RegExp(`\\[${code}\\]`));
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(r.code, r.err).toBe(exit);
}

beforeAll(async () => {
  const r = await cli(['train', ...TINY, '--out', run]);
  expect(r.code, r.err).toBe(0);
});

describe('hostile command lines', () => {
  const bad: Array<[string, string[], RegExp]> = [
    ['wrong type', ['--epochs', 'abc'], /--epochs must be a number/],
    ['out of range', ['--epochs', '0'], /"training\.epochs" must be an integer >= 1.*--epochs/],
    ['eps out of range', ['--eps', '2'], /"training\.attack\.eps" must be in \[0, 1\].*--eps/],
    // an l2 radius may exceed 1, up to the l2 diameter of the 8x8 input cube (√64 = 8): the one bound, before any work
    ['l2 eps beyond the input cube', ['--norm', 'l2', '--eps', '9'], /"training\.attack\.eps" must be in \[0, 8\] for l2.*--eps/],
    ['negative batch', ['--batch-size', '-5'], /--batch-size/],
    ['bad list', ['--hidden', '0,8'], /--hidden must be comma-separated positive integers/],
    ['NaN', ['--lr', 'NaN'], /--lr must be a number/],
    ['unknown choice', ['--method', 'bogus'], /--method is "bogus"/],
    ['unknown option', ['--bogus', '1'], /unknown option --bogus/],
    ['conflict', ['--switch', 'kernel'], /"switch\.rule" is "kernel".*set ntk\.enabled/],
    ['size not a multiple', ['--train-size', '105'], /multiple of the class count/],
  ];
  for (const [name, args, message] of bad) {
    it(`${name} (${args.join(' ')}): E_INVALID_ARGUMENT, exit 2, the existing run directory untouched`, async () => {
      const before = snapshot(work);
      expectTyped(await cli(['train', ...TINY, '--out', run, ...args], { timeoutMs: 30_000 }), 'E_INVALID_ARGUMENT', 2, message);
      expect(snapshot(work)).toEqual(before);
    });
  }

  const paths: Array<[string, () => string]> = [
    [
      'a file',
      () => {
        const file = join(work, 'a-file');
        writeFileSync(file, 'not a directory');
        return file;
      },
    ],
    ['a path below a file', () => join(work, 'a-file', 'sub')],
    ['/proc (recursive mkdir there hangs Node)', () => '/proc/ntk-at-run'],
    ['an unwritable directory (/proc/self)', () => '/proc/self'],
    ['/sys', () => '/sys/kernel/ntk-at-run'],
  ];
  for (const [name, path] of paths) {
    it(`--out ${name}: E_IO before any work, exit 1, within seconds`, async () => {
      const out = path();
      const before = snapshot(work);
      const r = await cli(['train', ...TINY, '--out', out], { timeoutMs: 20_000 });
      expectTyped(r, 'E_IO', 1, /cannot (use|write in)/);
      expect(r.err).not.toMatch(/adapter:/); // refused before the device was touched
      expect(snapshot(work)).toEqual(before);
    });
  }

  // A directory without write permission: unprivileged.test.ts (as an unprivileged uid when run as root).

  it('--hidden 1000000000: E_BUFFER_TOO_LARGE naming the device limit (no RangeError), nothing written', async () => {
    const out = join(work, 'huge');
    const r = await cli(['train', ...TINY, '--hidden', '1000000000', '--out', out], { timeoutMs: 60_000 });
    expectTyped(r, 'E_BUFFER_TOO_LARGE', 1, /exceeds this device's limit of \d+ bytes/);
    expect(snapshot(out)).toEqual({});
  });

  it('an explicit data directory that does not exist: E_DATA_READ, exit 1', async () => {
    const out = join(work, 'nodata');
    const r = await cli(['train', ...TINY, '--dataset', 'fashion-mnist', '--data-dir', join(work, 'no-such-dir'), '--out', out], {
      timeoutMs: 30_000,
    });
    expectTyped(r, 'E_DATA_READ', 1, /no-such-dir/);
    expect(snapshot(out)).toEqual({});
  });
});

describe('hostile files', () => {
  const variant = (name: string, change: (bytes: Uint8Array) => Uint8Array) => {
    const path = join(work, name);
    writeFileSync(path, change(new Uint8Array(readFileSync(checkpoint))));
    return path;
  };
  const reencode =
    (edit: (tensors: Map<string, { shape: number[]; data: Float32Array | Float64Array }>) => void) => (bytes: Uint8Array) => {
      const { tensors, metadata } = decodeSafetensors(bytes, 'x');
      edit(tensors);
      return encodeSafetensors({ tensors, metadata }); // a valid container and checksum: only the content is wrong
    };
  const cases: Array<[string, (b: Uint8Array) => Uint8Array, string, RegExp]> = [
    ['truncated', (b) => b.slice(0, b.length - 9), 'E_CHECKPOINT_CORRUPT', /do not hold|does not fit/],
    [
      'a flipped data bit',
      (b) => {
        const c = b.slice();
        c[c.length - 3] ^= 4;
        return c;
      },
      'E_CHECKPOINT_CORRUPT',
      /checksum mismatch/,
    ],
    [
      'a flipped header bit',
      (b) => {
        const c = b.slice();
        const i = new TextDecoder().decode(c.subarray(0, 400)).indexOf('"epoch":"1"');
        c[i + 9] ^= 2;
        return c;
      },
      'E_CHECKPOINT_CORRUPT',
      /checksum mismatch/,
    ],
    [
      'a huge header length',
      (b) => {
        const c = b.slice();
        new DataView(c.buffer).setBigUint64(0, 2n ** 62n, true);
        return c;
      },
      'E_CHECKPOINT_CORRUPT',
      /exceeds the limit/,
    ],
    [
      'NaN weights',
      reencode((t) => {
        t.get('model.fc1.weight')!.data[3] = NaN;
      }),
      'E_NOT_FINITE',
      /model\.fc1\.weight/,
    ],
    [
      'a wrong shape',
      reencode((t) => {
        const w = t.get('model.fc1.weight')!;
        t.set('model.fc1.weight', { shape: [w.shape[1], w.shape[0]], data: w.data });
      }),
      'E_CHECKPOINT_MISMATCH',
      /fc1\.weight/,
    ],
  ];
  for (const [name, change, code, message] of cases) {
    it(`checkpoint with ${name}: evaluate and train --resume refuse it with ${code}, exit 1, nothing overwritten`, async () => {
      const bad = variant(`${name.replace(/\W+/g, '-')}.safetensors`, change);
      const before = snapshot(work);
      expectTyped(await cli(['evaluate', '--checkpoint', bad, '--threats', 'clean'], { timeoutMs: 60_000 }), code, 1, message);
      expect(snapshot(work)).toEqual(before);
      expectTyped(await cli(['train', ...TINY, '--epochs', '2', '--resume', bad, '--out', run], { timeoutMs: 60_000 }), code, 1, message);
      expect(snapshot(work)).toEqual(before);
    });
  }

  it("a refused --resume (another method) overwrites nothing: config.json still names the run's method", async () => {
    const before = snapshot(work);
    expectTyped(
      await cli(['train', ...TINY, '--epochs', '2', '--method', 'fgsm', '--resume', checkpoint], { timeoutMs: 60_000 }),
      'E_CHECKPOINT_MISMATCH',
      1,
      /training\.method/,
    );
    expect(snapshot(work)).toEqual(before);
  });

  it('invalid optimizer options leave no stub run directory', async () => {
    const out = join(work, 'stub');
    expectTyped(await cli(['train', ...TINY, '--momentum', '2', '--out', out], { timeoutMs: 30_000 }), 'E_INVALID_ARGUMENT', 2, /momentum/);
    expect(snapshot(out)).toEqual({});
  });

  it("evaluate with the run's data files missing or a mistyped --data-dir fails (E_DATA_READ), never silently synthetic", async () => {
    const real = join(work, 'fmnist');
    const trained = await cli(['train', ...TINY, '--dataset', 'fashion-mnist', '--out', real], { timeoutMs: 120_000 });
    expect(trained.code, trained.err).toBe(0);
    const before = snapshot(work);
    const r = await cli(
      ['evaluate', '--checkpoint', join(real, 'checkpoint.safetensors'), '--threats', 'clean', '--data-dir', join(work, 'fashion-mnsit')],
      { timeoutMs: 60_000 },
    );
    expectTyped(r, 'E_DATA_READ', 1, /fashion-mnsit/);
    expect(r.out).not.toMatch(/accuracy|clean/);
    expect(snapshot(work)).toEqual(before);
  });

  it('a run log with a null line: report fails with E_DATA_FORMAT naming the line, writes nothing', async () => {
    const dir = join(work, 'nulllog');
    mkdirSync(dir);
    copyFileSync(join(run, 'log.jsonl'), join(dir, 'log.jsonl'));
    writeFileSync(join(dir, 'log.jsonl'), readFileSync(join(dir, 'log.jsonl'), 'utf8').replace(/\n/, '\nnull\n'));
    const before = snapshot(dir);
    expectTyped(await cli(['report', dir], { timeoutMs: 30_000 }), 'E_DATA_FORMAT', 1, /log\.jsonl: line 2 is null/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('hostile data files', () => {
  /** IDX bytes: magic (0x08 = ubyte, `dims.length` dimensions), big-endian sizes, then `fill`. */
  const idx = (dims: number[], fill: (i: number) => number) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const out = new Uint8Array(4 + 4 * dims.length + count);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x0800 + dims.length);
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
    for (let i = 0; i < count; i++) out[4 + 4 * dims.length + i] = fill(i);
    return out;
  };
  const files = (n: number) => ({
    'train-images-idx3-ubyte': idx([n, 28, 28], (i) => i % 251),
    'train-labels-idx1-ubyte': idx([n], (i) => i % 10),
    't10k-images-idx3-ubyte': idx([n, 28, 28], (i) => i % 241),
    't10k-labels-idx1-ubyte': idx([n], (i) => i % 10),
  });
  const cases: Array<[string, (f: Record<string, Uint8Array>) => void, RegExp]> = [
    [
      'a truncated image file',
      (f) => {
        f['train-images-idx3-ubyte'] = f['train-images-idx3-ubyte'].slice(0, 5000);
      },
      /train-images/,
    ],
    [
      'a wrong magic number',
      (f) => {
        f['train-labels-idx1-ubyte'][2] = 0x0d;
      },
      /train-labels/,
    ],
    [
      'a label out of range',
      (f) => {
        f['train-labels-idx1-ubyte'][8 + 17] = 200;
      },
      /label/,
    ],
    [
      'image and label counts that differ',
      (f) => {
        f['t10k-labels-idx1-ubyte'] = idx([99], (i) => i % 10);
      },
      /t10k/,
    ],
    [
      'a corrupt gzip file',
      (f) => {
        f['train-images-idx3-ubyte.gz'] = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3);
      },
      /train-images/,
    ],
  ];
  for (const [name, corrupt, message] of cases) {
    it(`Fashion-MNIST with ${name}: E_DATA_FORMAT, exit 1, nothing written`, async () => {
      const dir = join(work, `data-${name.replace(/\W+/g, '-')}`);
      mkdirSync(dir);
      const set = files(100);
      corrupt(set);
      for (const [file, bytes] of Object.entries(set)) writeFileSync(join(dir, file), bytes);
      const out = join(work, `out-${name.replace(/\W+/g, '-')}`);
      const args = ['train', ...TINY, '--dataset', 'fashion-mnist', '--data-dir', dir, '--out', out];
      expectTyped(await cli(args, { timeoutMs: 30_000 }), 'E_DATA_FORMAT', 1, message);
      expect(snapshot(out)).toEqual({});
    });
  }
});
